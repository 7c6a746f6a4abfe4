using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using MobileId.Pki;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Pki.Revocation;

namespace MobileId.Benchmarks;

/// <summary>
/// What one uncached OCSP answer costs (parse the request, match the issuer, build and sign with an
/// EC P-256 delegated responder), against the reference of the ECDSA P-256 signature alone over a
/// to-be-signed blob of the same size from the same key: the difference is the codec's overhead.
/// </summary>
[MemoryDiagnoser]
public class OcspBenchmarks
{
    private string _directory = "";
    private ISigningKey? _caKey;
    private ISigningKey? _responderKey;
    private X509Certificate2? _ca;
    private X509Certificate2? _responder;
    private OcspResponseBuilder? _builder;
    private OcspIssuerId? _issuerId;
    private byte[] _request = [];
    private byte[] _sameSizeTbs = [];
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "mid-bench-ocsp-" + Guid.NewGuid().ToString("N")[..10]);
        var store = new SoftwareKeyStore(_directory);
        _caKey = store.Generate("ca", KeyAlgorithm.EcdsaP256);
        _responderKey = store.Generate("responder", KeyAlgorithm.EcdsaP256);
        _now = DateTimeOffset.UtcNow;
        _ca = CertificateFactory.CreateRoot(_caKey, new X500DistinguishedName("CN=Bench CA, O=MobileId"), _now.AddMinutes(-5), TimeSpan.FromDays(365));
        var urls = new CaUrls("http://127.0.0.1/crl", null, "http://127.0.0.1/ocsp", "http://127.0.0.1/ca");
        _responder = OcspResponderCertificate.Issue(_ca, _caKey, _responderKey.PublicKey, new X500DistinguishedName("CN=Bench Responder"),
            _now.AddMinutes(-5), OcspResponderCertificate.DefaultValidity, urls, SerialNumbers.Create());
        _builder = new OcspResponseBuilder(_responderKey, _responder);
        _issuerId = OcspIssuerId.Create(_ca);

        // A request as `openssl ocsp` sends it: one SHA-1 CertID and a 16-octet nonce.
        var certId = _issuerId.CreateCertId(SerialNumbers.Create(), HashAlgorithmName.SHA1);
        var nonce = new AsnWriter(AsnEncodingRules.DER);
        nonce.WriteOctetString(RandomNumberGenerator.GetBytes(16));
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(certId.Encoded.Span);
            }

            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2)))
            using (writer.PushSequence())
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(OcspRequestParser.NonceOid);
                writer.WriteOctetString(nonce.Encode());
            }
        }

        _request = writer.Encode();
        var check = OcspRequestParser.Parse(_request);
        if (!check.Succeeded || check.Request.Nonce is null || _issuerId.Match(check.Request.CertIds[0]) != OcspIssuerMatch.Ours)
        {
            throw new InvalidOperationException("The benchmark request does not parse as intended: " + check.Error);
        }

        _sameSizeTbs = new byte[TbsLength(ParseAndRespond())];
        RandomNumberGenerator.Fill(_sameSizeTbs);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ca?.Dispose();
        _responder?.Dispose();
        _caKey?.Dispose();
        _responderKey?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "ECDSA P-256 SignData of a same-size TBS (reference)")]
    public byte[] SignReference() => _responderKey!.SignData(_sameSizeTbs, HashAlgorithmName.SHA256);

    [Benchmark(Description = "OcspRequestParser.Parse")]
    public OcspParseResult Parse() => OcspRequestParser.Parse(_request);

    [Benchmark(Description = "Parse request + build and sign response")]
    public byte[] ParseAndRespond()
    {
        var parsed = OcspRequestParser.Parse(_request);
        var certId = parsed.Request!.CertIds[0];
        var single = _issuerId!.Match(certId) == OcspIssuerMatch.Ours
            ? OcspSingleResponse.Good(certId, _now, _now.AddHours(4))
            : OcspSingleResponse.Unknown(certId, _now, _now.AddHours(4));
        return _builder!.Build([single], _now, parsed.Request.Nonce);
    }

    /// <summary>The length of tbsResponseData inside an OCSPResponse.</summary>
    private static int TbsLength(byte[] response)
    {
        var outer = new AsnReader(response, AsnEncodingRules.DER).ReadSequence();
        outer.ReadEncodedValue(); // responseStatus
        var bytes = outer.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        bytes.ReadObjectIdentifier();
        var basic = new AsnReader(bytes.ReadOctetString(), AsnEncodingRules.DER).ReadSequence();
        return basic.ReadEncodedValue().Length;
    }
}
