using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Enrolment;

namespace MobileId.Pki.Tests.Enrolment;

/// <summary>The certs-only SignedData of SCEP and EST answers, read back with SignedCms.</summary>
public sealed class CertsOnlyTests
{
    [Fact]
    public void Encode_TwoCertificates_SignedCmsReadsThemWithoutSigners()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var first = new CertificateRequest("CN=one", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        using var second = new CertificateRequest("CN=two", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));

        var cms = new SignedCms();
        cms.Decode(CertsOnly.Encode([first.RawData, second.RawData]));

        Assert.Empty(cms.SignerInfos);
        Assert.Equal("1.2.840.113549.1.7.1", cms.ContentInfo.ContentType.Value);
        Assert.Equal(["CN=one", "CN=two"], cms.Certificates.Select(c => c.Subject).Order(StringComparer.Ordinal));
    }
}
