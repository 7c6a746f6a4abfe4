using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MobileId.Agent.Commands;

/// <summary>
/// <c>sign &lt;serial&gt; &lt;file&gt;</c> makes a detached CMS signature (RFC 5652, SHA-256, the
/// certificate and its CA chain included); <c>verify &lt;file&gt; &lt;sigfile&gt;</c> checks one and
/// that its signer chains to the root pinned in the store.
/// </summary>
internal static class SignatureCommands
{
    private const string Sha256 = "2.16.840.1.101.3.4.2.1";

    /// <summary>Signs the file with the certificate's key; writes DER (or PEM with <c>--pem</c>) to <c>--out</c> or <c>&lt;file&gt;.p7s</c>.</summary>
    public static async Task<int> SignAsync(string store, string serial, string file, Dictionary<string, List<string>> options, TextWriter output)
    {
        var held = HeldCertificate.Find(store, serial);
        var content = await Files.ReadAsync(file);
        using var certificate = X509CertificateLoader.LoadCertificate(held.Certificate);
        if (certificate.Extensions.OfType<X509KeyUsageExtension>().SingleOrDefault() is { } usage
            && (usage.KeyUsages & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) == 0)
        {
            throw new RefusedException($"Certificate {serial} is not for signing (key usage: {usage.KeyUsages}).");
        }

        using var key = held.OpenKey(store, options, "it cannot sign");
        using var withKey = key is RSA rsa ? certificate.CopyWithPrivateKey(rsa) : certificate.CopyWithPrivateKey((ECDsa)key);
        var chain = held.Chain.Select(X509CertificateLoader.LoadCertificate).ToArray();
        try
        {
            var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, withKey)
            {
                DigestAlgorithm = new Oid(Sha256), IncludeOption = X509IncludeOption.EndCertOnly,
            };
            signer.Certificates.AddRange(chain);
            signer.SignedAttributes.Add(new Pkcs9SigningTime(DateTime.UtcNow));
            var cms = new SignedCms(new ContentInfo(content), detached: true);
            cms.ComputeSignature(signer, silent: true);
            var pem = options.ContainsKey("pem");
            var target = options.GetValueOrDefault("out")?.LastOrDefault() ?? file + ".p7s";
            await Files.WriteAsync(target, pem ? Encoding.ASCII.GetBytes(PemEncoding.WriteString("CMS", cms.Encode()) + "\n") : cms.Encode(), isPrivate: false);
            await output.WriteLineAsync($"Signed {file} as {certificate.Subject} (serial {certificate.SerialNumber}): {target} (detached CMS, SHA-256, {(pem ? "PEM" : "DER")}).");
            return Program.Ok;
        }
        finally
        {
            Array.ForEach(chain, c => c.Dispose());
        }
    }

    /// <summary>Checks a detached CMS signature (DER or PEM) over the file, and that every signer chains to the pinned root.</summary>
    public static async Task<int> VerifyAsync(string store, string file, string signatureFile, TextWriter output)
    {
        var peeked = AgentStore.Peek(store);
        var pinned = peeked?.RootFingerprint
            ?? throw new RefusedException($"No root is pinned in {store}: `collect` pins it, and signatures are verified only against it.");
        var cms = new SignedCms(new ContentInfo(await Files.ReadAsync(file)), detached: true);
        try
        {
            cms.Decode(Files.FromPemOrDer(await Files.ReadAsync(signatureFile)));
            cms.CheckSignature(verifySignatureOnly: true);
        }
        catch (CryptographicException ex)
        {
            throw new RefusedException($"The signature in {signatureFile} does not verify over {file}: {ex.Message}");
        }

        if (cms.SignerInfos.Count == 0)
        {
            throw new RefusedException($"{signatureFile} has no signer.");
        }

        var known = new X509Certificate2Collection(cms.Certificates);
        known.AddRange(peeked.Identities.SelectMany(i => i.Chain).Distinct(StringComparer.Ordinal)
            .Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c))).ToArray());
        try
        {
            foreach (var info in cms.SignerInfos)
            {
                var signer = info.Certificate ?? throw new RefusedException($"{signatureFile} does not carry its signer's certificate.");
                CheckUnderRoot(signer, known, pinned);
                var signedAt = info.SignedAttributes.OfType<CryptographicAttributeObject>().SelectMany(a => a.Values.OfType<Pkcs9SigningTime>())
                    .Select(t => $", signed {t.SigningTime.ToUniversalTime():u}").FirstOrDefault();
                await output.WriteLineAsync($"Good signature by {signer.Subject}, serial {signer.SerialNumber}{signedAt}; under the pinned root {pinned[..16]}….");
            }
        }
        finally
        {
            foreach (var certificate in known)
            {
                certificate.Dispose();
            }
        }

        return Program.Ok;
    }

    private static void CheckUnderRoot(X509Certificate2 signer, X509Certificate2Collection known, string pinned)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(known.Where(c => Convert.ToHexString(c.GetCertHash(HashAlgorithmName.SHA256)) == pinned).ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(known);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.ChainPolicy.CustomTrustStore.Count == 0 || !chain.Build(signer))
        {
            var why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            throw new RefusedException($"The signer {signer.Subject} (serial {signer.SerialNumber}) does not chain to the root this store trusts ({pinned[..16]}…){(why.Length > 0 ? ": " + why : "")}.");
        }
    }
}
