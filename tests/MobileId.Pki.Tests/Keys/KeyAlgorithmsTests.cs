using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests.Keys;

/// <summary>Key-algorithm detection from a key, a CSR and a certificate: the one place MobileId tells RSA and ECDSA keys apart.</summary>
public sealed class KeyAlgorithmsTests
{
    public static TheoryData<string, KeyAlgorithm?> Keys => new()
    {
        { "RSA 2048", KeyAlgorithm.Rsa2048 },
        { "RSA 3072", KeyAlgorithm.Rsa3072 },
        { "RSA 4096", KeyAlgorithm.Rsa4096 },
        { "RSA 1024", null },
        { "P-256", KeyAlgorithm.EcdsaP256 },
        { "P-384", KeyAlgorithm.EcdsaP384 },
        { "P-521", null },
        { "brainpoolP256r1", null },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Of_KeyCsrAndCertificate_SameAlgorithm(string name, KeyAlgorithm? expected)
    {
        using var key = Create(name);
        var request = key is RSA rsa
            ? new CertificateRequest("CN=k", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest("CN=k", (ECDsa)key, HashAlgorithmName.SHA256);
        var csr = CertificateRequest.LoadSigningRequest(request.CreateSigningRequest(), HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));

        Assert.Equal(expected, KeyAlgorithms.Of(key));
        Assert.Equal(expected, KeyAlgorithms.Of(csr.PublicKey));
        Assert.Equal(expected, KeyAlgorithms.Of(certificate));
    }

    [Fact]
    public void Of_Ed25519PublicKey_Null()
    {
        // SubjectPublicKeyInfo of an Ed25519 key (RFC 8410 §4): algorithm 1.3.101.112, no parameters.
        byte[] spki = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, .. RandomNumberGenerator.GetBytes(32)];
        var key = PublicKey.CreateFromSubjectPublicKeyInfo(spki, out _);

        Assert.Equal("1.3.101.112", key.Oid.Value);
        Assert.Null(KeyAlgorithms.Of(key));
    }

    [Theory]
    [InlineData("1.2.840.10045.3.1.7", KeyAlgorithm.EcdsaP256)]
    [InlineData("1.3.132.0.34", KeyAlgorithm.EcdsaP384)]
    [InlineData("1.3.132.0.35", null)]
    [InlineData(null, null)]
    public void OfCurve_NamedCurves_P256AndP384Only(string? oid, KeyAlgorithm? expected) => Assert.Equal(expected, KeyAlgorithms.OfCurve(oid));

    [Theory]
    [InlineData(2048, KeyAlgorithm.Rsa2048)]
    [InlineData(3072, KeyAlgorithm.Rsa3072)]
    [InlineData(4096, KeyAlgorithm.Rsa4096)]
    [InlineData(1024, null)]
    public void OfRsaBits_ModulusSizes_ThreeSizesOnly(int bits, KeyAlgorithm? expected) => Assert.Equal(expected, KeyAlgorithms.OfRsaBits(bits));

    private static AsymmetricAlgorithm Create(string name) => name switch
    {
        "P-256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        "P-384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        "P-521" => ECDsa.Create(ECCurve.NamedCurves.nistP521),
        "brainpoolP256r1" => ECDsa.Create(ECCurve.NamedCurves.brainpoolP256r1),
        _ => RSA.Create(int.Parse(name[4..], System.Globalization.CultureInfo.InvariantCulture)),
    };
}
