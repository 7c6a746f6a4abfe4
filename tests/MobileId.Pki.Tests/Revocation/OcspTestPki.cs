using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Pki.Revocation;

namespace MobileId.Pki.Tests.Revocation;

/// <summary>Which algorithms a test hierarchy uses.</summary>
public enum PkiVariant
{
    /// <summary>P-384 root, P-256 issuing CA, P-256 leaf and responder.</summary>
    Ec,

    /// <summary>RSA 2048 everywhere.</summary>
    Rsa,

    /// <summary>P-256 root and issuing CA and responder, RSA 2048 leaf.</summary>
    RsaLeafUnderEcCa,
}

/// <summary>Who signs a response.</summary>
public enum Signer
{
    /// <summary>A delegated responder certificate from the issuing CA.</summary>
    Delegated,

    /// <summary>The issuing CA key itself.</summary>
    IssuingCa,
}

/// <summary>
/// Root → issuing CA → leaf, plus a delegated OCSP responder, with PEM files in a temp directory:
/// root.pem, ica.pem, chain.pem (root + ica), leaf.pem, responder.pem.
/// </summary>
internal sealed class OcspTestPki : IDisposable
{
    private static readonly CaUrls Urls = new("http://127.0.0.1:5080/pki/crl/Issuing.crl", null,
        "http://127.0.0.1:5080/pki/ocsp", "http://127.0.0.1:5080/pki/ca/Issuing.crt");

    private OcspTestPki(PkiVariant variant)
    {
        Variant = variant;
        Directory = Path.Combine(Path.GetTempPath(), "mid-ocsp-" + Guid.NewGuid().ToString("N")[..10]);
        var (rootAlgorithm, caAlgorithm, leafAlgorithm) = variant switch
        {
            PkiVariant.Ec => (KeyAlgorithm.EcdsaP384, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256),
            PkiVariant.Rsa => (KeyAlgorithm.Rsa2048, KeyAlgorithm.Rsa2048, KeyAlgorithm.Rsa2048),
            PkiVariant.RsaLeafUnderEcCa => (KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var store = new SoftwareKeyStore(Path.Combine(Directory, "keys"));
        RootKey = store.Generate("root", rootAlgorithm);
        IssuingKey = store.Generate("issuing", caAlgorithm);
        LeafKey = store.Generate("leaf", leafAlgorithm);
        ResponderKey = store.Generate("responder", caAlgorithm);

        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-10);
        Root = CertificateFactory.CreateRoot(RootKey, new X500DistinguishedName("CN=OCSP Test Root, O=MobileId"), notBefore, TimeSpan.FromDays(3650));
        Issuing = CertificateFactory.CreateIssuing(Root, RootKey, IssuingKey, new X500DistinguishedName("CN=OCSP Test Issuing, O=MobileId"),
            notBefore, TimeSpan.FromDays(1825), null);
        var profile = new LeafProfile(new X500DistinguishedName("CN=Jane Doe, O=MobileId"), X509KeyUsageFlags.DigitalSignature,
            ["1.3.6.1.5.5.7.3.2"], null, [], TimeSpan.FromDays(365));
        Leaf = CertificateFactory.IssueLeaf(Issuing, IssuingKey, LeafKey.PublicKey, profile, notBefore, Urls, SerialNumbers.Create());
        Responder = OcspResponderCertificate.Issue(Issuing, IssuingKey, ResponderKey.PublicKey,
            new X500DistinguishedName("CN=OCSP Test Responder, O=MobileId"), notBefore, OcspResponderCertificate.DefaultValidity, Urls,
            SerialNumbers.Create());
        IssuerId = OcspIssuerId.Create(Issuing);

        File.WriteAllText(PathOf("root.pem"), Root.ExportCertificatePem() + "\n");
        File.WriteAllText(PathOf("ica.pem"), Issuing.ExportCertificatePem() + "\n");
        File.WriteAllText(PathOf("chain.pem"), Root.ExportCertificatePem() + "\n" + Issuing.ExportCertificatePem() + "\n");
        File.WriteAllText(PathOf("leaf.pem"), Leaf.ExportCertificatePem() + "\n");
        File.WriteAllText(PathOf("responder.pem"), Responder.ExportCertificatePem() + "\n");
    }

    public PkiVariant Variant { get; }
    public string Directory { get; }
    public ISigningKey RootKey { get; }
    public ISigningKey IssuingKey { get; }
    public ISigningKey LeafKey { get; }
    public ISigningKey ResponderKey { get; }
    public X509Certificate2 Root { get; }
    public X509Certificate2 Issuing { get; }
    public X509Certificate2 Leaf { get; }
    public X509Certificate2 Responder { get; }
    public OcspIssuerId IssuerId { get; }

    public static OcspTestPki Create(PkiVariant variant) => new(variant);

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>A builder for the delegated responder or for the issuing CA itself.</summary>
    public OcspResponseBuilder Builder(Signer signer) => signer == Signer.Delegated
        ? new OcspResponseBuilder(ResponderKey, Responder)
        : new OcspResponseBuilder(IssuingKey, Issuing);

    /// <summary>The PEM file of the certificate that signs for <paramref name="signer"/>.</summary>
    public static string SignerPem(Signer signer) => signer == Signer.Delegated ? "responder.pem" : "ica.pem";

    /// <summary>
    /// <c>openssl ocsp -issuer ica.pem [options] -cert leaf.pem -reqout name</c>; options go before -cert
    /// because openssl applies a digest (-sha256) only to the certificates that follow it.
    /// </summary>
    public async Task<byte[]> OpensslRequestAsync(string name, string[] options, params string[] certificates)
    {
        var arguments = new List<string> { "ocsp", "-issuer", "ica.pem" };
        arguments.AddRange(options);
        foreach (var certificate in certificates.Length == 0 ? ["leaf.pem"] : certificates)
        {
            arguments.Add("-cert");
            arguments.Add(certificate);
        }

        arguments.AddRange(["-reqout", name]);
        await ExternalTool.RunOkAsync(Directory, "openssl", [.. arguments]);
        return await File.ReadAllBytesAsync(PathOf(name));
    }

    /// <summary>openssl's format for times: <c>Nov  5 15:03:43 2026 GMT</c>.</summary>
    public static string OpensslTime(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return string.Create(CultureInfo.InvariantCulture, $"{utc:MMM} {utc.Day,2} {utc:HH:mm:ss yyyy} GMT");
    }

    public void Dispose()
    {
        foreach (var certificate in new[] { Root, Issuing, Leaf, Responder })
        {
            certificate.Dispose();
        }

        foreach (var key in new[] { RootKey, IssuingKey, LeafKey, ResponderKey })
        {
            key.Dispose();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>One hierarchy per variant, made on first use and shared by the tests of a class (RSA keys are slow to make).</summary>
public sealed class OcspPkiFixture : IDisposable
{
    private readonly Dictionary<PkiVariant, OcspTestPki> _pkis = [];
    private readonly Lock _lock = new();

    internal OcspTestPki Get(PkiVariant variant)
    {
        lock (_lock)
        {
            if (!_pkis.TryGetValue(variant, out var pki))
            {
                pki = OcspTestPki.Create(variant);
                _pkis.Add(variant, pki);
            }

            return pki;
        }
    }

    public void Dispose()
    {
        foreach (var pki in _pkis.Values)
        {
            pki.Dispose();
        }
    }
}
