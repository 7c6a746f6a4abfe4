using System.Security.Cryptography;
using MobileId.Pki.Keys;

namespace MobileId.Agent.Commands;

/// <summary>
/// <c>unlock [&lt;mobile-id&gt;] [--code &lt;code&gt;] [--new-pin &lt;pin&gt;]</c> (PRODUCT.md §5.6 Unlock Credential): needs no
/// PIN. Asks the server for an unlock with the mobile ID's unlock token and shows the challenge the
/// person reads to the helpdesk; takes the unlock code the helpdesk reads back, redeems it for the
/// store's unlock key (encrypted to a key made for this unlock), opens the store with it and seals
/// it under a new PIN. Running it again while the challenge is valid shows the same challenge.
/// </summary>
internal static class UnlockCommand
{
    public static async Task<int> RunAsync(string store, string? mobileIdText, Dictionary<string, List<string>> options, TextWriter output,
        HttpMessageHandler? handler)
    {
        var file = AgentStore.Peek(store) ?? throw new RefusedException($"No store at {store}: there is nothing to unlock.");
        var identity = Choose(file, mobileIdText);
        var log = new AgentLog(store, file.Policy);
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(60);
        var client = new Collector(http, output, log, file.Policy);
        var server = new Uri(identity.Server);
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        if (file.Unlocks.FirstOrDefault(u => u.MobileId == identity.MobileId) is { } kept)
        {
            // Note: the server answers the same challenge while that request is open, or a new one for the same key.
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(kept.Key), out _);
        }

        var started = await client.PostAsync<UnlockStartResponse>(new Uri(server, $"unlock/{identity.MobileId}"),
            new UnlockStartRequest(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo())), identity.UnlockToken, CancellationToken.None, "Unlock");
        var pending = new PendingUnlock(identity.MobileId, started.RequestId, started.Challenge, started.ExpiresAt, Convert.ToBase64String(key.ExportPkcs8PrivateKey()));
        file.Unlocks.RemoveAll(u => u.MobileId == identity.MobileId);
        file.Unlocks.Add(pending);
        AgentStore.Write(store, file);
        log.Info($"unlock of mobile ID {identity.MobileId}: request {pending.RequestId}");
        await output.WriteLineAsync($"Unlock of mobile ID {identity.MobileId} ({identity.Profile}, {identity.Holder}).");
        await output.WriteLineAsync($"Call your helpdesk and read them this challenge: {pending.Challenge}  (valid until {pending.ExpiresAt:u})");
        await output.FlushAsync();

        var code = Terminal.ValueOrAsk(options, "code", "Unlock code from the helpdesk: ");
        var newPin = options.GetValueOrDefault("new-pin")?.LastOrDefault() ?? Terminal.NewPassword("new-pin", "New PIN: ");
        if (newPin.Length < AgentStore.MinimumPinLength)
        {
            throw new UsageException($"Choose a new PIN of at least {AgentStore.MinimumPinLength} characters; the unlock code stays valid for another try.");
        }

        var completed = await client.PostAsync<UnlockCompleteResponse>(new Uri(server, $"unlock/{identity.MobileId}/complete"),
            new UnlockCompleteRequest(pending.RequestId, code), identity.UnlockToken, CancellationToken.None, "Unlock");
        var encrypted = completed.UnlockKey;
        byte[] unlockKey;
        try
        {
            unlockKey = KeyDelivery.Decrypt(key, encrypted, KeyDelivery.UnlockContext(pending.RequestId, identity.MobileId));
        }
        catch (CryptographicException)
        {
            throw new RefusedException("The server's unlock key does not decrypt with this unlock's key; the store is unchanged.");
        }

        AgentStore opened;
        try
        {
            opened = AgentStore.OpenWithUnlockKey(store, unlockKey);
        }
        catch (CryptographicException ex)
        {
            throw new RefusedException($"The unlock key from the server does not open this store ({ex.Message}); the store is unchanged.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(unlockKey);
        }

        opened.Contents.Unlocks.RemoveAll(u => u.MobileId == identity.MobileId);
        opened.SetPin(newPin);
        log.Info($"store unlocked through mobile ID {identity.MobileId}; new PIN set");
        await output.WriteLineAsync("Unlocked: the new PIN is set and the PIN tries are reset. Your keys and certificates are as they were.");
        return Program.Ok;
    }

    /// <summary>The identity named, or the only one that can be unlocked.</summary>
    private static StoredIdentity Choose(StoreFile file, string? mobileIdText)
    {
        if (mobileIdText is not null)
        {
            var named = Guid.TryParse(mobileIdText, out var id) ? file.Identities.FirstOrDefault(i => i.MobileId == id) : null;
            if (named is null)
            {
                throw new RefusedException($"This store holds no mobile ID {mobileIdText}.");
            }

            return named.UnlockToken is null
                ? throw new RefusedException($"Mobile ID {named.MobileId} cannot be unlocked: the server keeps no unlock key for it. Ask your helpdesk for a replacement.")
                : named;
        }

        var unlockable = file.Identities.Where(i => i.UnlockToken is not null).ToList();
        return unlockable.Count switch
        {
            1 => unlockable[0],
            0 => throw new RefusedException("No mobile ID in this store can be unlocked (the server keeps no unlock key for them). Ask your helpdesk for a replacement."),
            _ => throw new UsageException($"Several mobile IDs can be unlocked; name one: {string.Join(", ", unlockable.Select(i => $"{i.MobileId} ({i.Profile})"))}."),
        };
    }
}
