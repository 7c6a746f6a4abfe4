using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using MobileId.Pki;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;

namespace MobileId.Benchmarks;

/// <summary>
/// Issuance (device key → signed certificate, RFC 5280 extensions) per issuing-CA algorithm,
/// against the reference of the raw signing rate of the same CA key on a TBS-sized input.
/// </summary>
[MemoryDiagnoser]
public class IssuanceBenchmarks
{
    private string _directory = "";
    private ISigningKey _caKey = null!;
    private X509Certificate2 _ca = null!;
    private PublicKey _deviceKey = null!;
    private LeafProfile _profile = null!;
    private byte[] _tbsSized = [];
    private readonly CaUrls _urls = new("http://127.0.0.1:5080/pki/crl/CA.crl", "http://127.0.0.1:5080/pki/crl/CA-delta.crl",
        "http://127.0.0.1:5080/pki/ocsp", "http://127.0.0.1:5080/pki/ca/CA.crt");

    [Params(KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP384, KeyAlgorithm.Rsa3072)]
    public KeyAlgorithm CaAlgorithm { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("mid-bench-issue-").FullName;
        var store = new SoftwareKeyStore(_directory);
        _caKey = store.Generate("ca", CaAlgorithm);
        _ca = CertificateFactory.CreateRoot(_caKey, new X500DistinguishedName("CN=Bench CA"), DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(3650));
        using var device = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _deviceKey = new PublicKey(device);
        _profile = new LeafProfile(new X500DistinguishedName("CN=Jane Doe, O=Example"), X509KeyUsageFlags.DigitalSignature,
            ["1.3.6.1.5.5.7.3.2"], null, ["2.16.840.1.101.3.2.1.3.13"], TimeSpan.FromDays(365));
        using var sample = Issue();
        _tbsSized = new byte[sample.RawData.Length - 100];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _caKey.Dispose();
        _ca.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "raw SignData of the CA key (reference)")]
    public byte[] RawSign() => _caKey.SignData(_tbsSized, CaAlgorithm.Hash());

    /// <summary>What the server does: encode and sign, keep the DER.</summary>
    [Benchmark(Description = "issue a certificate (EncodeLeaf, as the server does)")]
    public byte[] IssueCertificate() =>
        CertificateFactory.EncodeLeaf(_ca, _caKey, _deviceKey, _profile, DateTimeOffset.UtcNow, _urls, SerialNumbers.Create());

    /// <summary>The same, then loaded as an X509Certificate2 (the cost the server avoids).</summary>
    [Benchmark(Description = "issue and load as X509Certificate2")]
    public int IssueAndLoad()
    {
        using var certificate = Issue();
        return certificate.RawData.Length;
    }

    private X509Certificate2 Issue() =>
        CertificateFactory.IssueLeaf(_ca, _caKey, _deviceKey, _profile, DateTimeOffset.UtcNow, _urls, SerialNumbers.Create());
}
