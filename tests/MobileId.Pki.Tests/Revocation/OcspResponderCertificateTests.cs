using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Revocation;

namespace MobileId.Pki.Tests.Revocation;

public sealed class OcspResponderCertificateTests(OcspPkiFixture fixture) : IClassFixture<OcspPkiFixture>
{
    [Theory]
    [InlineData(PkiVariant.Ec)]
    [InlineData(PkiVariant.Rsa)]
    public void Issue_DefaultValidity_IsADelegatedResponderProfile(PkiVariant variant)
    {
        // Arrange / Act: the fixture issues it with OcspResponderCertificate.Issue.
        var pki = fixture.Get(variant);
        var responder = pki.Responder;

        // Assert: RFC 6960 §4.2.2.2 — issued by the CA itself, id-kp-OCSPSigning, id-pkix-ocsp-nocheck (NULL), short life.
        Rfc5280.AssertLeaf(responder, pki.Issuing);
        var usage = responder.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        var eku = responder.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.9"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        var noCheck = responder.Extensions["1.3.6.1.5.5.7.48.1.5"];
        Assert.NotNull(noCheck);
        Assert.False(noCheck.Critical);
        Assert.Equal(new byte[] { 0x05, 0x00 }, noCheck.RawData);
        Assert.Equal(TimeSpan.FromDays(7), responder.NotAfter - responder.NotBefore);
        Assert.Equal(pki.ResponderKey.PublicKey.ExportSubjectPublicKeyInfo(), responder.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public async Task Issue_DefaultValidity_OpensslReadsTheExtensionsAndVerifiesTheChain()
    {
        var pki = fixture.Get(PkiVariant.RsaLeafUnderEcCa);

        var text = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "x509", "-in", "responder.pem", "-noout", "-text");
        var verify = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "verify", "-CAfile", "root.pem", "-untrusted", "ica.pem",
            "-purpose", "ocsphelper", "responder.pem");

        Assert.Contains("OCSP No Check", text.Output, StringComparison.Ordinal);
        Assert.Contains("OCSP Signing", text.Output, StringComparison.Ordinal);
        Assert.Contains("Digital Signature", text.Output, StringComparison.Ordinal);
        Assert.Contains("responder.pem: OK", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_ZeroValidity_Throws()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var urls = new CaUrls("http://127.0.0.1/crl", null, "http://127.0.0.1/ocsp", "http://127.0.0.1/ca");

        Assert.Throws<ArgumentOutOfRangeException>(() => OcspResponderCertificate.Issue(pki.Issuing, pki.IssuingKey, pki.ResponderKey.PublicKey,
            new X500DistinguishedName("CN=Responder"), DateTimeOffset.UtcNow, TimeSpan.Zero, urls, SerialNumbers.Create()));
    }

    [Fact]
    public void IssueLeaf_WithoutExtra_HasNoNoCheckExtension()
    {
        // The extra-extensions parameter is opt-in: ordinary leaves stay as they were.
        Assert.Null(fixture.Get(PkiVariant.Ec).Leaf.Extensions["1.3.6.1.5.5.7.48.1.5"]);
    }
}
