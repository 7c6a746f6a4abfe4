using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MobileId.Agent.Commands;
using MobileId.Pki.Keys;

namespace MobileId.Agent;

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
public sealed partial class Collector(HttpClient http, TextWriter progress, AgentLog log, AgentPolicy policy, Func<TimeSpan, CancellationToken, Task>? delay = null)
{
    private const string DocumentSigning = "1.3.6.1.5.5.7.3.36";
    private const string SessionInvalid = "session_invalid";

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
        var enrolled = await PostAsync<EnrolResponse>(uri, new EnrolRequest(code(),
            new DeviceInfo(device.SerialNumber, device.Platform, device.Model, device.OsVersion, [.. device.KeyStores]),
            Convert.ToBase64String(sessionKey.ExportSubjectPublicKeyInfo())), null, cancellationToken);
        Policy = enrolled.Policy ?? Policy;
        var mobileId = enrolled.MobileId;
        var token = enrolled.SessionToken;
        if (pending is null || pending.MobileId != mobileId)
        {
            store.Contents.Pending.RemoveAll(p => p.Link == uri.AbsoluteUri);
            pending = new PendingCollection { MobileId = mobileId, Link = uri.AbsoluteUri, StartedAt = DateTime.UtcNow };
            store.Contents.Pending.Add(pending);
        }

        var made = 0;
        foreach (var slot in enrolled.Certificates)
        {
            var number = slot.Slot;
            if (slot.KeyGeneration != SlotKeySource.Device || slot.Skipped is not null || pending.DeviceKeys.ContainsKey(number))
            {
                continue;
            }

            using var key = KeyPackages.Generate(Enum.Parse<KeyAlgorithm>(slot.KeyAlgorithm!));
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
        var answer = await PostAsync<CancelCollectionResponse>(new Uri(protocolBase, $"cancel/{pending.MobileId}"), null, token, cancellationToken);
        store.Contents.Pending.Remove(pending);
        store.Contents.Identities.RemoveAll(i => i.MobileId == pending.MobileId);
        store.Save();
        var revoked = answer.RevokedSerialNumbers;
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
            var requests = new List<SlotRequest>();
            foreach (var (slot, sealedKey) in pending.DeviceKeys)
            {
                var pkcs8 = store.Unseal(sealedKey, KeyContext(mobileId, slot));
                var key = deviceKeys[slot] = KeyPackages.FromPkcs8(pkcs8);
                CryptographicOperations.ZeroMemory(pkcs8);
                requests.Add(new SlotRequest(slot, Csr(key)));
            }

            var signed = await PostAsync<SignedPackage>(new Uri(protocolBase, $"collect/{mobileId}"), new CollectRequest(requests), token, cancellationToken);
            var content = JsonSerializer.Deserialize(Verify(signed, store), DeviceProtocolJson.Default.PackageContent)
                ?? throw new RefusedException("The package is empty; nothing was installed.");
            var stored = content.Certificates.Select(entry => Install(entry, mobileId, sessionKey, deviceKeys, store)).ToList();
            var identity = new StoredIdentity(mobileId, protocolBase.ToString(), content.Profile, content.Holder, DateTime.UtcNow, stored, [.. content.Chain],
                SkippedOf(content.Skipped), BadgeOf(content.Badge)) { SessionToken = pending.SessionToken };
            store.Contents.Identities.RemoveAll(i => i.MobileId == mobileId);
            store.Contents.Identities.Add(identity);
            store.Contents.Policy = content.Policy ?? store.Contents.Policy;
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
        var confirmed = await PostAsync<ConfirmResponse>(new Uri(protocolBase, $"confirm/{pending.MobileId}"),
            new ConfirmRequest(pending.UnlockToken, Convert.ToBase64String(unlockKey)), token, cancellationToken);
        CryptographicOperations.ZeroMemory(unlockKey);
        var unlockable = confirmed.Unlockable;
        var index = store.Contents.Identities.FindIndex(i => i.MobileId == pending.MobileId);
        if (index >= 0)
        {
            store.Contents.Identities[index] = store.Contents.Identities[index] with { UnlockToken = unlockable ? pending.UnlockToken : null };
        }

        store.Contents.Pending.Remove(pending);
        store.Save();
        log.Info($"mobile ID {pending.MobileId} confirmed: Issued{(unlockable ? "; it can be unlocked" : "")}");
    }

    /// <summary>
    /// A package's certificate, stored with its key: the delivered one (decrypted with the session
    /// key), or the device's own for the slot, which must be the certificate's key.
    /// </summary>
    private static StoredCertificate Install(PackageCertificate entry, Guid mobileId, ECDiffieHellman sessionKey, IReadOnlyDictionary<int, AsymmetricAlgorithm> deviceKeys,
        AgentStore store)
    {
        var slot = entry.Slot;
        var serial = entry.SerialNumber;
        var der = Convert.FromBase64String(entry.Certificate);
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        byte[]? pkcs8 = null;
        if (entry.Key is { } encrypted)
        {
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

        try
        {
            return store.Protect(slot, entry.Container, entry.Mode.ToString(), serial, der, pkcs8);
        }
        finally
        {
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
    }

    /// <summary>A PKCS#10 request (PEM) signed by the device key: the proof of possession.</summary>
    private static string Csr(AsymmetricAlgorithm key)
    {
        var request = key is RSA rsa
            ? new CertificateRequest("CN=mobileid-agent", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest("CN=mobileid-agent", (ECDsa)key, HashAlgorithmName.SHA256);
        return request.CreateSigningRequestPem();
    }

    /// <summary>The badge as the store keeps it: its JSON, or null when the profile has none.</summary>
    private static string? BadgeOf(Badge? badge) => badge is null ? null : JsonSerializer.Serialize(badge, DeviceProtocolJson.Default.Badge);

    /// <summary>The skipped slots as the store lists them.</summary>
    private static List<string> SkippedOf(IEnumerable<PackageSlotNote> skipped) => [.. skipped.Select(s => $"slot {s.Slot}: {s.Reason}")];

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
    private static byte[] Verify(SignedPackage signed, AgentStore store)
    {
        var package = Convert.FromBase64String(signed.Package);
        var signers = signed.Signer.Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c))).ToList();
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
            var signature = Convert.FromBase64String(signed.Signature);
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
}
