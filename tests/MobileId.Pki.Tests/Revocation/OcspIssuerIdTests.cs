using System.Security.Cryptography;
using MobileId.Pki.Revocation;

namespace MobileId.Pki.Tests.Revocation;

public sealed class OcspIssuerIdTests(OcspPkiFixture fixture) : IClassFixture<OcspPkiFixture>
{
    [Theory]
    [InlineData(PkiVariant.Ec, "-sha1")]
    [InlineData(PkiVariant.Ec, "-sha256")]
    [InlineData(PkiVariant.Rsa, "-sha1")]
    [InlineData(PkiVariant.Rsa, "-sha256")]
    public async Task Create_IssuingCa_HashesEqualTheCertIdOpensslSends(PkiVariant variant, string digest)
    {
        // Arrange
        var pki = fixture.Get(variant);
        var parsed = OcspRequestParser.Parse(await pki.OpensslRequestAsync($"req-id-{variant}{digest}.der", [digest, "-no_nonce"]));
        Assert.True(parsed.Succeeded, parsed.Error);
        var fromOpenssl = parsed.Request.CertIds[0];
        var hash = digest == "-sha1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;

        // Act
        var id = OcspIssuerId.Create(pki.Issuing);
        var ours = id.CreateCertId(pki.Leaf.SerialNumberBytes.Span, hash);

        // Assert
        Assert.Equal(fromOpenssl.IssuerNameHash.ToArray(), id.NameHash(hash).ToArray());
        Assert.Equal(fromOpenssl.IssuerKeyHash.ToArray(), id.KeyHash(hash).ToArray());
        Assert.Equal(fromOpenssl.Encoded.ToArray(), ours.Encoded.ToArray());
        Assert.Equal(OcspIssuerMatch.Ours, id.Match(fromOpenssl));
    }

    [Fact]
    public void Match_SameNameOtherKey_IsNotOurs()
    {
        // A CertID for our CA's name but another key (e.g. a re-keyed CA) is not ours.
        var pki = fixture.Get(PkiVariant.Ec);
        var id = OcspIssuerId.Create(pki.Issuing);
        var certId = OcspCertId.Create(HashAlgorithmName.SHA1, id.NameHash(HashAlgorithmName.SHA1).Span, new byte[20], [0x01]);

        Assert.Equal(OcspIssuerMatch.NotOurs, id.Match(certId));
    }

    [Fact]
    public void CreateCertId_NonMinimalSerial_Throws()
    {
        var id = OcspIssuerId.Create(fixture.Get(PkiVariant.Ec).Issuing);

        Assert.Throws<ArgumentException>(() => id.CreateCertId([0x00, 0x01], HashAlgorithmName.SHA1));
    }

    [Fact]
    public void CreateCertId_Sha384_Throws()
    {
        var id = OcspIssuerId.Create(fixture.Get(PkiVariant.Ec).Issuing);

        Assert.Throws<ArgumentException>(() => id.CreateCertId([0x01], HashAlgorithmName.SHA384));
    }
}
