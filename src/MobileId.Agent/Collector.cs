using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MobileId.Agent.Commands;
using MobileId.Pki.Keys;

namespace MobileId.Agent;

/// <summary>The server refused (exit code 3): its problem-details message and code.</summary>
public sealed class RejectedException(string message, string? code = null) : Exception(message)
{
    /// <summary>The problem's <c>code</c> (such as <c>session_invalid</c>), when the server sent one.</summary>
    public string? Code { get; } = code;
}

/// <summary>The server could not be reached after the retries (exit code 4).</summary>
public sealed class UnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the agent says about the device it runs on.</summary>
public sealed record DeviceDescription(string SerialNumber, string Platform, string? Model, string? OsVersion, IReadOnlyList<string> KeyStores);

/// <summary>
/// Collects a mobile ID through the device protocol (docs/protocol.md): enrol with link and code,
/// make the device keys and their CSRs, collect the package, check its signature and signer chain
/// (the root is pinned in the store on first use), decrypt the delivered keys with the session key,
/// store everything under the PIN, and confirm. The session and the device keys are kept in the
/// store until the confirmation, so an interrupted collection resumes where it stopped (or is
/// cancelled) and the server never issues a second set.
/// </summary>
/// <param name="delay">Waits between retries (the real clock unless a test gives another).</param>
public sealed class Collector(HttpClient http, TextWriter progress, AgentLog log, AgentPolicy policy, Func<TimeSpan, CancellationToken, Task>? delay = null)
{
    private const string DocumentSigning = "1.3.6.1.5.5.7.3.36";
    private const string SessionInvalid = "session_invalid";
    private static readonly TimeSpan LongestRetryDelay = TimeSpan.FromMinutes(5);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The policy the retries follow: the stored one, then what the server sends.</summary>
    public AgentPolicy Policy
    {
        get => policy;
        private set => log.Policy = policy = value;
    }

    /// <param name="code">Asked only when the server has to see the code (not when resuming a session).</param>
    public async Task<StoredIdentity> CollectAsync(string link, Func<string> code, DeviceDescription device, AgentStore store, CancellationToken cancellationToken)
    {
        var (uri, protocolBase) = ParseLink(link);
        var pending = store.Contents.Pending.FirstOrDefault(p => p.Link == uri.AbsoluteUri);
        if (pending is not null)
        {
            await Say($"Resuming the collection of mobile ID {pending.MobileId} begun {pending.StartedAt:u}…");
            if (await ResumeAsync(pending, protocolBase, store, cancellationToken) is { } resumed)
            {
                return resumed;
            }

            await Say("That collection session is no longer valid; enrolling again with the code (the keys made for it are kept).");
        }

        using var sessionKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        await Say($"Enrolling {device.Platform} device {device.SerialNumber} with {uri.Host}…");
        var enrolled = await PostAsync(uri, new
        {
            code = code(), sessionKey = Convert.ToBase64String(sessionKey.ExportSubjectPublicKeyInfo()),
            device = new { serialNumber = device.SerialNumber, platform = device.Platform, model = device.Model, osVersion = device.OsVersion, keyStores = device.KeyStores },
        }, null, cancellationToken);
        Policy = enrolled.GetProperty("policy").Deserialize<AgentPolicy>(Json) ?? Policy;
        var mobileId = enrolled.GetProperty("mobileId").GetGuid();
        var token = enrolled.GetProperty("sessionToken").GetString()!;
        if (pending is null || pending.MobileId != mobileId)
        {
            store.Contents.Pending.RemoveAll(p => p.Link == uri.AbsoluteUri);
            pending = new PendingCollection { MobileId = mobileId, Link = uri.AbsoluteUri, StartedAt = DateTime.UtcNow };
            store.Contents.Pending.Add(pending);
        }

        var made = 0;
        foreach (var slot in enrolled.GetProperty("certificates").EnumerateArray())
        {
            var number = slot.GetProperty("slot").GetInt32();
            if (slot.GetProperty("keyGeneration").GetString() != "device" || slot.GetProperty("skipped").ValueKind != JsonValueKind.Null
                || pending.DeviceKeys.ContainsKey(number))
            {
                continue;
            }

            using var key = KeyPackages.Generate(Enum.Parse<KeyAlgorithm>(slot.GetProperty("keyAlgorithm").GetString()!));
            var pkcs8 = key.ExportPkcs8PrivateKey();
            pending.DeviceKeys[number] = store.Seal(pkcs8, KeyContext(mobileId, number));
            CryptographicOperations.ZeroMemory(pkcs8);
            made++;
        }

        pending.SessionToken = store.Seal(Encoding.UTF8.GetBytes(token), TokenContext(mobileId));
        var sessionPkcs8 = sessionKey.ExportPkcs8PrivateKey();
        pending.SessionKey = store.Seal(sessionPkcs8, SessionKeyContext(mobileId));
        CryptographicOperations.ZeroMemory(sessionPkcs8);
        pending.Installed = false;
        store.Save();
        log.Info($"enrolled for mobile ID {mobileId}; {made} new device key(s), {pending.DeviceKeys.Count} in all");
        await Say($"Made {made} key(s) on this device; collecting the package…");
        return await FinishAsync(pending, protocolBase, sessionKey, token, store, cancellationToken);
    }

    /// <summary>Gives up an interrupted collection of this link: the server revokes what it issued for it. Returns the revoked serials.</summary>
    public async Task<IReadOnlyList<string>> CancelAsync(string link, AgentStore store, CancellationToken cancellationToken)
    {
        var (uri, protocolBase) = ParseLink(link);
        var pending = store.Contents.Pending.FirstOrDefault(p => p.Link == uri.AbsoluteUri)
            ?? throw new RefusedException("This store has no interrupted collection of that link, so there is nothing to cancel.");
        var token = Encoding.UTF8.GetString(store.Unseal(pending.SessionToken, TokenContext(pending.MobileId)));
        var answer = await PostAsync(new Uri(protocolBase, $"cancel/{pending.MobileId}"), null, token, cancellationToken);
        store.Contents.Pending.Remove(pending);
        store.Contents.Identities.RemoveAll(i => i.MobileId == pending.MobileId);
        store.Save();
        var revoked = answer.GetProperty("revokedSerialNumbers").EnumerateArray().Select(e => e.GetString()!).ToList();
        log.Info($"cancelled the collection of mobile ID {pending.MobileId}; {revoked.Count} certificate(s) revoked");
        return revoked;
    }

    /// <summary>Continues with the stored session: null when the server no longer knows it (then the code is needed again).</summary>
    private async Task<StoredIdentity?> ResumeAsync(PendingCollection pending, Uri protocolBase, AgentStore store, CancellationToken cancellationToken)
    {
        var token = Encoding.UTF8.GetString(store.Unseal(pending.SessionToken, TokenContext(pending.MobileId)));
        try
        {
            if (pending.Installed)
            {
                await ConfirmAsync(pending, protocolBase, token, store, cancellationToken);
                return store.Contents.Identities.Single(i => i.MobileId == pending.MobileId);
            }

            using var sessionKey = ECDiffieHellman.Create();
            var pkcs8 = store.Unseal(pending.SessionKey, SessionKeyContext(pending.MobileId));
            sessionKey.ImportPkcs8PrivateKey(pkcs8, out _);
            CryptographicOperations.ZeroMemory(pkcs8);
            return await FinishAsync(pending, protocolBase, sessionKey, token, store, cancellationToken);
        }
        catch (RejectedException ex) when (ex.Code == SessionInvalid)
        {
            log.Warning($"the stored session of mobile ID {pending.MobileId} was refused: {ex.Message}");
            return null;
        }
    }

    /// <summary>Collect (CSRs from the stored device keys), check, store, confirm.</summary>
    private async Task<StoredIdentity> FinishAsync(PendingCollection pending, Uri protocolBase, ECDiffieHellman sessionKey, string token, AgentStore store,
        CancellationToken cancellationToken)
    {
        var mobileId = pending.MobileId;
        var deviceKeys = new Dictionary<int, AsymmetricAlgorithm>();
        try
        {
            var requests = new List<object>();
            foreach (var (slot, sealedKey) in pending.DeviceKeys)
            {
                var pkcs8 = store.Unseal(sealedKey, KeyContext(mobileId, slot));
                var key = deviceKeys[slot] = KeyPackages.FromPkcs8(pkcs8);
                CryptographicOperations.ZeroMemory(pkcs8);
                var request = key is RSA rsa
                    ? new CertificateRequest("CN=mobileid-agent", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                    : new CertificateRequest("CN=mobileid-agent", (ECDsa)key, HashAlgorithmName.SHA256);
                requests.Add(new { slot, csr = request.CreateSigningRequestPem() });
            }

            var signed = await PostAsync(new Uri(protocolBase, $"collect/{mobileId}"), new { certificateRequests = requests }, token, cancellationToken);
            var package = Verify(signed, store);
            var content = JsonDocument.Parse(package).RootElement;
            var stored = new List<StoredCertificate>();
            foreach (var entry in content.GetProperty("certificates").EnumerateArray())
            {
                var slot = entry.GetProperty("slot").GetInt32();
                var serial = entry.GetProperty("serialNumber").GetString()!;
                var der = Convert.FromBase64String(entry.GetProperty("certificate").GetString()!);
                using var certificate = X509CertificateLoader.LoadCertificate(der);
                byte[]? pkcs8 = null;
                if (entry.GetProperty("key").ValueKind == JsonValueKind.Object)
                {
                    var encrypted = entry.GetProperty("key").Deserialize<EncryptedKey>(Json)!;
                    pkcs8 = KeyDelivery.Decrypt(sessionKey, encrypted, KeyDelivery.PackageContext(mobileId, slot, serial));
                }
                else if (deviceKeys.TryGetValue(slot, out var own))
                {
                    if (!own.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
                    {
                        throw new RefusedException($"The certificate for slot {slot} is not for the key this device made; the package is refused.");
                    }

                    pkcs8 = own.ExportPkcs8PrivateKey();
                }

                stored.Add(store.Protect(slot, entry.GetProperty("container").GetString()!, entry.GetProperty("mode").GetString()!, serial, der, pkcs8));
                if (pkcs8 is not null)
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }

            var identity = new StoredIdentity(mobileId, protocolBase.ToString(), content.GetProperty("profile").GetString()!, content.GetProperty("holder").GetString()!,
                DateTime.UtcNow, stored, content.GetProperty("chain").EnumerateArray().Select(c => c.GetString()!).ToList(),
                content.GetProperty("skipped").EnumerateArray().Select(s => $"slot {s.GetProperty("slot").GetInt32()}: {s.GetProperty("reason").GetString()}").ToList(),
                content.TryGetProperty("badge", out var badge) && badge.ValueKind == JsonValueKind.Object ? badge.GetRawText() : null);
            store.Contents.Identities.RemoveAll(i => i.MobileId == mobileId);
            store.Contents.Identities.Add(identity);
            store.Contents.Policy = content.GetProperty("policy").Deserialize<AgentPolicy>(Json) ?? store.Contents.Policy;
            Policy = store.Contents.Policy;
            pending.Installed = true;
            store.Save();
            log.Info($"stored mobile ID {mobileId}: {stored.Count} certificate(s) ({string.Join(", ", stored.Select(c => c.SerialNumber))})");
            await Say($"Stored {stored.Count} certificate(s); confirming…");
            await ConfirmAsync(pending, protocolBase, token, store, cancellationToken);
            return identity;
        }
        finally
        {
            foreach (var key in deviceKeys.Values)
            {
                key.Dispose();
            }
        }
    }

    private async Task ConfirmAsync(PendingCollection pending, Uri protocolBase, string token, AgentStore store, CancellationToken cancellationToken)
    {
        if (pending.UnlockToken is null)
        {
            // Note: kept before the first try, so that a retried confirmation escrows the same token.
            pending.UnlockToken = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            store.Save();
        }

        var unlockKey = store.UnlockKey();
        var confirmed = await PostAsync(new Uri(protocolBase, $"confirm/{pending.MobileId}"),
            new { unlockToken = pending.UnlockToken, unlockKey = Convert.ToBase64String(unlockKey) }, token, cancellationToken);
        CryptographicOperations.ZeroMemory(unlockKey);
        var unlockable = confirmed.TryGetProperty("unlockable", out var flag) && flag.ValueKind == JsonValueKind.True;
        var index = store.Contents.Identities.FindIndex(i => i.MobileId == pending.MobileId);
        if (index >= 0)
        {
            store.Contents.Identities[index] = store.Contents.Identities[index] with { UnlockToken = unlockable ? pending.UnlockToken : null };
        }

        store.Contents.Pending.Remove(pending);
        store.Save();
        log.Info($"mobile ID {pending.MobileId} confirmed: Issued{(unlockable ? "; it can be unlocked" : "")}");
    }

    private static (Uri Link, Uri ProtocolBase) ParseLink(string link)
    {
        if (!Uri.TryCreate(link.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !uri.AbsolutePath.Contains("/enrol/", StringComparison.Ordinal))
        {
            throw new RefusedException($"'{link}' is not a MobileId provisioning link (…/device/v1/enrol/<token>).");
        }

        var path = uri.AbsolutePath;
        return (uri, new Uri(uri, path[..path.IndexOf("/enrol/", StringComparison.Ordinal)] + "/"));
    }

    private static string KeyContext(Guid mobileId, int slot) => $"device-key|{mobileId:D}|{slot}";

    private static string TokenContext(Guid mobileId) => $"session-token|{mobileId:D}";

    private static string SessionKeyContext(Guid mobileId) => $"session-key|{mobileId:D}";

    private async Task Say(string line)
    {
        await progress.WriteLineAsync(line);
        log.Debug(line);
    }

    /// <summary>Checks the package signature and the signer chain; pins the root on first use.</summary>
    private static byte[] Verify(JsonElement signed, AgentStore store)
    {
        var package = Convert.FromBase64String(signed.GetProperty("package").GetString()!);
        var signers = signed.GetProperty("signer").EnumerateArray().Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c.GetString()!))).ToList();
        try
        {
            if (signers.Count < 2)
            {
                throw new RefusedException("The package has no signer chain; it is refused.");
            }

            var signer = signers[0];
            var ekus = signer.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>()).Select(o => o.Value);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(signers[^1]);
            chain.ChainPolicy.ExtraStore.AddRange(signers.Skip(1).ToArray());
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var publicKey = signer.GetECDsaPublicKey();
            var signature = Convert.FromBase64String(signed.GetProperty("signature").GetString()!);
            if (!ekus.Contains(DocumentSigning) || !chain.Build(signer) || publicKey is null
                || !publicKey.VerifyData(package, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            {
                throw new RefusedException("The package's signature or its signer does not verify; nothing was installed.");
            }

            var root = Convert.ToHexString(signers[^1].GetCertHash(HashAlgorithmName.SHA256));
            if (store.Contents.RootFingerprint is { } pinned && pinned != root)
            {
                throw new RefusedException($"The package is signed under root {root[..16]}…, not the root this store trusts ({pinned[..16]}…); nothing was installed.");
            }

            store.Contents.RootFingerprint = root;
            return package;
        }
        finally
        {
            signers.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// POSTs JSON. A problem answer below 500 is a rejection (exit 3); unreachable, 5xx and 503 are
    /// retried <b>Maximum retry attempts</b> times, waiting <b>Minimum retry delay</b> and doubling
    /// (at least what Retry-After asks), and are unavailability (exit 4) after that.
    /// </summary>
    /// <param name="session">The bearer token, sent as <c>Authorization: {scheme} {token}</c>.</param>
    /// <param name="scheme">Session (collection) or Unlock.</param>
    internal async Task<JsonElement> PostAsync(Uri uri, object? body, string? session, CancellationToken cancellationToken, string scheme = "Session")
    {
        var wait = TimeSpan.FromSeconds(Math.Max(1, Policy.MinimumRetryDelay));
        for (var attempt = 0; ; attempt++)
        {
            string failure;
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = body is null ? null : JsonContent.Create(body) };
                if (session is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue(scheme, session);
                }

                using var response = await http.SendAsync(request, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    log.Debug($"POST {uri.AbsolutePath}: {(int)response.StatusCode}");
                    return JsonDocument.Parse(text).RootElement.Clone();
                }

                var problem = text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                    ? JsonDocument.Parse(text).RootElement
                    : (JsonElement?)null;
                var detail = problem?.TryGetProperty("detail", out var d) == true ? d.GetString()! : $"HTTP {(int)response.StatusCode}";
                if ((int)response.StatusCode < 500)
                {
                    log.Error($"POST {uri.AbsolutePath} refused ({(int)response.StatusCode}): {detail}");
                    throw new RejectedException(detail, problem?.TryGetProperty("code", out var c) == true ? c.GetString() : null);
                }

                failure = $"the server answered: {detail}";
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException ex)
            {
                failure = $"{uri.GetLeftPart(UriPartial.Authority)} cannot be reached ({ex.Message.TrimEnd('.')})";
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"{uri.GetLeftPart(UriPartial.Authority)} did not answer in time ({ex.Message})";
            }

            if (attempt >= Policy.MaximumRetryAttempts)
            {
                log.Error($"POST {uri.AbsolutePath} failed after {attempt + 1} tries: {failure}");
                throw new UnavailableException($"{char.ToUpperInvariant(failure[0])}{failure[1..]} (after {attempt + 1} tries).");
            }

            var pause = retryAfter is { } asked && asked > wait ? asked : wait;
            log.Warning($"POST {uri.AbsolutePath} failed ({failure}); retry {attempt + 1} of {Policy.MaximumRetryAttempts} in {pause.TotalSeconds:0} s");
            await progress.WriteLineAsync($"  {failure}; trying again in {pause.TotalSeconds:0} s ({attempt + 1}/{Policy.MaximumRetryAttempts})…");
            await (delay ?? Task.Delay)(pause, cancellationToken);
            wait = wait * 2 > LongestRetryDelay ? LongestRetryDelay : wait * 2;
        }
    }
}
