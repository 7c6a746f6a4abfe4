using System.Formats.Asn1;
using System.Security.Cryptography;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests.Keys;

/// <summary>The format conversions between PKCS#11 and .NET, checked without a token.</summary>
public sealed class Pkcs11EncodingTests
{
    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.EcdsaP384)]
    public void P1363ToDer_ManySignatures_VerifyAsRfc3279Der(KeyAlgorithm algorithm)
    {
        // Arrange: enough signatures that some r or s start with a zero byte or a high bit.
        using var key = ECDsa.Create(algorithm.Curve());
        var data = "data"u8.ToArray();

        for (var i = 0; i < 600; i++)
        {
            var raw = key.SignData(data, algorithm.Hash(), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

            // Act
            var der = Pkcs11Encoding.P1363ToDer(raw, algorithm);

            // Assert
            Assert.True(key.VerifyData(data, der, algorithm.Hash(), DSASignatureFormat.Rfc3279DerSequence));
        }
    }

    [Fact]
    public void P1363ToDer_LeadingZeroAndHighBit_UsesMinimalPositiveIntegers()
    {
        // Arrange: r = 00 00 7F FF.., s = FF FF.. (32 bytes each).
        var raw = new byte[64];
        raw.AsSpan(2, 30).Fill(0x7F);
        raw.AsSpan(32).Fill(0xFF);

        // Act
        var der = Pkcs11Encoding.P1363ToDer(raw, KeyAlgorithm.EcdsaP256);

        // Assert
        var sequence = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        Assert.Equal(raw[2..32], sequence.ReadIntegerBytes().ToArray());
        Assert.Equal([0x00, .. raw[32..]], sequence.ReadIntegerBytes().ToArray());
    }

    [Fact]
    public void P1363ToDer_WrongLength_ThrowsKeyStoreException() =>
        Assert.Throws<KeyStoreException>(() => Pkcs11Encoding.P1363ToDer(new byte[63], KeyAlgorithm.EcdsaP256));

    [Fact]
    public void UncompressedPoint_DerOctetStringOrBarePoint_ReturnsThePoint()
    {
        // Arrange
        var point = new byte[65];
        point[0] = 0x04;
        RandomNumberGenerator.Fill(point.AsSpan(1));
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(point);

        // Act / Assert
        Assert.Equal(point, Pkcs11Encoding.UncompressedPoint(writer.Encode(), 32));
        Assert.Equal(point, Pkcs11Encoding.UncompressedPoint(point, 32));
        Assert.Throws<KeyStoreException>(() => Pkcs11Encoding.UncompressedPoint(point[..33], 32));
    }

    [Theory]
    [InlineData("SHA256")]
    [InlineData("SHA384")]
    [InlineData("SHA512")]
    public void DigestInfo_SignedRaw_VerifiesAsPkcs1(string hashName)
    {
        // Arrange: sign the DigestInfo with raw PKCS#1 v1.5 type 1 padding, as CKM_RSA_PKCS does.
        var hash = new HashAlgorithmName(hashName);
        using var rsa = RSA.Create(2048);
        var data = "data"u8.ToArray();
        var digestInfo = Pkcs11Encoding.DigestInfo(Pkcs11Encoding.Hash(data, hash), hash);
        var block = new byte[256];
        block[1] = 0x01;
        block.AsSpan(2, 256 - 3 - digestInfo.Length).Fill(0xFF);
        digestInfo.CopyTo(block, 256 - digestInfo.Length);

        // Act
        var signature = RawRsaPrivate(rsa, block);

        // Assert
        Assert.True(rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void CurveParameters_P256_IsTheDerOid() =>
        Assert.Equal(Convert.FromHexString("06082A8648CE3D030107"), Pkcs11Encoding.CurveParameters(KeyAlgorithm.EcdsaP256));

    private static byte[] RawRsaPrivate(RSA rsa, byte[] block)
    {
        var p = rsa.ExportParameters(true);
        var m = new System.Numerics.BigInteger(block, isUnsigned: true, isBigEndian: true);
        var d = new System.Numerics.BigInteger(p.D, isUnsigned: true, isBigEndian: true);
        var n = new System.Numerics.BigInteger(p.Modulus, isUnsigned: true, isBigEndian: true);
        var s = System.Numerics.BigInteger.ModPow(m, d, n).ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[p.Modulus!.Length];
        s.CopyTo(result, result.Length - s.Length);
        return result;
    }
}
