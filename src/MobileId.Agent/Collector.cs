using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MobileId.Pki.Keys;

namespace MobileId.Agent;

/// <summary>The server refused (exit code 3): its problem-details message.</summary>
public sealed class RejectedException(string message) : Exception(message);

/// <summary>The server could not be reached after the retries (exit code 4).</summary>
public sealed class UnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the agent says about the device it runs on.</summary>
public sealed record DeviceDescription(string SerialNumber, string Platform, string? Model, string? OsVersion, IReadOnlyList<string> KeyStores);

/// <summary>
/// Collects a mobile ID through the device protocol (docs/protocol.md): enrol with link and code,
/// make the device keys and their CSRs, collect the package, check its signature and signer chain
/// (the root is pinned in the store on first use), decrypt the delivered keys with the session key,
/// store everything under the PIN, and confirm.
/// </summary>
public sealed class Collector(HttpClient http, TextWriter progress, int maxAttempts = 5, TimeSpan? retryDelay = null)
{
    private const string DocumentSigning = "1.3.6.1.5.5.7.3.36";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<StoredIdentity> CollectAsync(string link, string code, DeviceDescription device, AgentStore store, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(link.Trim(), UriKind.Absolute, out var uri) || !uri.AbsolutePath.Contains("/enrol/", StringComparison.Ordinal))
        {
            throw new RejectedException($"'{link}' is not a MobileId provisioning link (…/device/v1/enrol/<token>).");
        }

        var path = uri.AbsolutePath;
        var protocolBase = new Uri(uri, path[..path.IndexOf("/enrol/", StringComparison.Ordinal)] + "/");
        using var sessionKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        await progress.WriteLineAsync($"Enrolling {device.Platform} device {device.SerialNumber} with {uri.Host}…");
        var enrolled = await PostAsync(uri, new
        {
            code, sessionKey = Convert.ToBase64String(sessionKey.ExportSubjectPublicKeyInfo()),
            device = new { serialNumber = device.SerialNumber, platform = device.Platform, model = device.Model, osVersion = device.OsVersion, keyStores = device.KeyStores },
        }, null, cancellationToken);
        var mobileId = enrolled.GetProperty("mobileId").GetGuid();
        var session = enrolled.GetProperty("sessionToken").GetString()!;
        var deviceKeys = new Dictionary<int, AsymmetricAlgorithm>();
        var requests = new List<object>();
        try
        {
            foreach (var slot in enrolled.GetProperty("certificates").EnumerateArray())
            {
                if (slot.GetProperty("keyGeneration").GetString() != "device" || slot.GetProperty("skipped").ValueKind != JsonValueKind.Null)
                {
                    continue;
                }

                var number = slot.GetProperty("slot").GetInt32();
                var algorithm = Enum.Parse<KeyAlgorithm>(slot.GetProperty("keyAlgorithm").GetString()!);
                var key = KeyPackages.Generate(algorithm);
                deviceKeys[number] = key;
                var request = key is RSA rsa
                    ? new CertificateRequest("CN=mobileid-agent", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                    : new CertificateRequest("CN=mobileid-agent", (ECDsa)key, HashAlgorithmName.SHA256);
                requests.Add(new { slot = number, csr = request.CreateSigningRequestPem() });
            }

            await progress.WriteLineAsync($"Made {deviceKeys.Count} key(s) on this device; collecting the package…");
            var signed = await PostAsync(new Uri(protocolBase, $"collect/{mobileId}"), new { certificateRequests = requests }, session, cancellationToken);
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
                    pkcs8 = KeyDelivery.Decrypt(sessionKey, encrypted, $"{mobileId:D}|{slot}|{serial}");
                }
                else if (deviceKeys.TryGetValue(slot, out var own))
                {
                    if (!own.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
                    {
                        throw new RejectedException($"The certificate for slot {slot} is not for the key this device made; the package is refused.");
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
                content.GetProperty("skipped").EnumerateArray().Select(s => $"slot {s.GetProperty("slot").GetInt32()}: {s.GetProperty("reason").GetString()}").ToList());
            store.Contents.Identities.RemoveAll(i => i.MobileId == mobileId);
            store.Contents.Identities.Add(identity);
            store.Save();
            await PostAsync(new Uri(protocolBase, $"confirm/{mobileId}"), null, session, cancellationToken);
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

    /// <summary>Checks the package signature and the signer chain; pins the root on first use.</summary>
    private static byte[] Verify(JsonElement signed, AgentStore store)
    {
        var package = Convert.FromBase64String(signed.GetProperty("package").GetString()!);
        var signers = signed.GetProperty("signer").EnumerateArray().Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c.GetString()!))).ToList();
        try
        {
            if (signers.Count < 2)
            {
                throw new RejectedException("The package has no signer chain; it is refused.");
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
                throw new RejectedException("The package's signature or its signer does not verify; nothing was installed.");
            }

            var root = Convert.ToHexString(signers[^1].GetCertHash(HashAlgorithmName.SHA256));
            if (store.Contents.RootFingerprint is { } pinned && pinned != root)
            {
                throw new RejectedException($"The package is signed under root {root[..16]}…, not the root this store trusts ({pinned[..16]}…); nothing was installed.");
            }

            store.Contents.RootFingerprint = root;
            return package;
        }
        finally
        {
            signers.ForEach(c => c.Dispose());
        }
    }

    /// <summary>POSTs JSON; a problem answer is a rejection (exit 3), unreachable or 5xx after the retries is unavailability (exit 4).</summary>
    private async Task<JsonElement> PostAsync(Uri uri, object? body, string? session, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = body is null ? null : JsonContent.Create(body) };
                if (session is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Session", session);
                }

                using var response = await http.SendAsync(request, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return JsonDocument.Parse(text).RootElement.Clone();
                }

                var detail = text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                    ? JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()
                    : $"HTTP {(int)response.StatusCode}";
                if ((int)response.StatusCode < 500 || attempt >= maxAttempts)
                {
                    throw (int)response.StatusCode < 500 ? new RejectedException(detail!) : new UnavailableException($"The server answered: {detail}");
                }
            }
            catch (HttpRequestException ex) when (attempt >= maxAttempts)
            {
                throw new UnavailableException($"{uri.GetLeftPart(UriPartial.Authority)} cannot be reached after {attempt} tries: {ex.Message}", ex);
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(retryDelay ?? TimeSpan.FromSeconds(10), cancellationToken);
        }
    }
}
