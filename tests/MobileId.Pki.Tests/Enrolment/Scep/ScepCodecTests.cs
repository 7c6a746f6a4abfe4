using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Enrolment.Scep;

namespace MobileId.Pki.Tests.Enrolment.Scep;

/// <summary>
/// SCEP messages (RFC 8894 §3) without a server: a device's pkiMessage read, opened with the RA's
/// key and its PKCS#10 read; answers enveloped to the device and CertReps signed by the RA.
/// </summary>
public sealed class ScepCodecTests : IDisposable
{
    private readonly X509Certificate2 _ra = SelfSigned("CN=RA", RSA.Create(2048));
    private readonly X509Certificate2 _otherRa = SelfSigned("CN=Other RA", RSA.Create(2048));
    private readonly X509Certificate2 _device = SelfSigned("CN=device", RSA.Create(2048));

    public void Dispose()
    {
        _ra.Dispose();
        _otherRa.Dispose();
        _device.Dispose();
    }

    [Fact]
    public void ReadOpenReadCsr_PkcsReq_AttributesEnvelopeAndChallenge()
    {
        var nonce = RandomNumberGenerator.GetBytes(16);
        var der = Message("tx-1", nonce, ScepOids.Sha512, ScepOids.Aes128Cbc, Csr("code-1"));

        var request = ScepCodec.Read(der);
        var opened = ScepCodec.Open(request.Envelope, [_otherRa, _ra], c => c);
        var csr = ScepCodec.ReadCsr(opened!.Value.Content);

        Assert.Equal(("19", true, ScepOids.Sha512), (request.MessageType, request.SignatureValid, request.DigestOid));
        Assert.Equal(nonce, request.SenderNonce);
        Assert.Equal(_device.RawData, request.Signer!.RawData);
        Assert.Same(_ra, opened.Value.Ra);
        Assert.Equal(ScepOids.Aes128Cbc, opened.Value.Algorithm);
        Assert.Equal(("CN=device", "code-1"), (csr!.Value.Csr.SubjectName.Name, csr.Value.Challenge));
    }

    [Fact]
    public void Open_EnvelopeToAnotherRaOrNotCms_Null()
    {
        var request = ScepCodec.Read(Message("tx-2", RandomNumberGenerator.GetBytes(16), ScepOids.Sha256, ScepOids.Aes256Cbc, Csr(null)));

        Assert.Null(ScepCodec.Open(request.Envelope, [_otherRa], c => c));
        Assert.Null(ScepCodec.Open([1, 2, 3], [_ra], c => c));
        Assert.Null(ScepCodec.ReadCsr([1, 2, 3]));
    }

    [Fact]
    public void Read_EveryByteFlipped_ReadsOrRefusesAsAFormatError()
    {
        // Arrange: a valid PKCSReq; each byte in turn is inverted, which corrupts the embedded
        // certificate, the signed attributes, the signature or the envelope in turn.
        var der = Message("tx-flip", RandomNumberGenerator.GetBytes(16), ScepOids.Sha256, ScepOids.Aes128Cbc, Csr("code-1"));
        var unexpected = new List<string>();

        // Act
        for (var i = 0; i < der.Length; i++)
        {
            var flipped = (byte[])der.Clone();
            flipped[i] ^= 0xFF;
            try
            {
                ScepCodec.Read(flipped);
            }
            catch (ScepFormatException)
            {
                // A refusal the responder answers with 400.
            }
            catch (Exception e)
            {
                unexpected.Add($"byte {i}: {e.GetType().Name}: {e.Message}");
            }
        }

        // Assert: nothing else escapes, so the endpoint never answers 500.
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} of {der.Length} flipped messages threw:\n" + string.Join('\n', unexpected.Take(10)));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x00 })]
    public void Read_NotSignedData_FormatException(byte[] der) => Assert.Throws<ScepFormatException>(() => ScepCodec.Read(der));

    [Fact]
    public void Read_NoTransactionId_FormatException()
    {
        var cms = new SignedCms(new ContentInfo([1]));
        cms.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _device));

        Assert.Throws<ScepFormatException>(() => ScepCodec.Read(cms.Encode()));
    }

    [Fact]
    public void ReadIssuerAndSerial_Certificate_IssuerAndHexWithoutLeadingZeros()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(_device.IssuerName.RawData);
            writer.WriteInteger([0x0a, 0xbc]);
        }

        var read = ScepCodec.ReadIssuerAndSerial(writer.Encode());

        Assert.Equal(("CN=device", "ABC"), (read!.Value.Issuer.Name, read.Value.Serial));
        Assert.Null(ScepCodec.ReadIssuerAndSerial([0x04, 0x00]));
    }

    [Fact]
    public void Envelope_RsaOrEcRecipient_DecryptsWithItsAlgorithmOrNull()
    {
        using var ec = SelfSigned("CN=ec", ECDsa.Create(ECCurve.NamedCurves.nistP256));

        var aes128 = Decrypt(ScepCodec.Envelope([7, 8], _device, ScepOids.Aes128Cbc)!);
        var aes256 = Decrypt(ScepCodec.Envelope([7, 8], _device, "1.2.840.113549.3.7")!);

        Assert.Equal(new byte[] { 7, 8 }, aes128.Content);
        Assert.Equal(ScepOids.Aes128Cbc, aes128.Algorithm);
        Assert.Equal(ScepOids.Aes256Cbc, aes256.Algorithm);
        Assert.Null(ScepCodec.Envelope([7, 8], ec, ScepOids.Aes256Cbc));
    }

    [Fact]
    public void CertRep_Success_SignedByRaWithEchoedAttributesAndContent()
    {
        var nonce = RandomNumberGenerator.GetBytes(16);
        var transactionId = Printable("tx-3");

        var cms = Verified(ScepCodec.CertRep(_ra, new ScepReply([1, 2, 3]), transactionId, nonce, ScepOids.Sha512));
        var signer = cms.SignerInfos[0];

        Assert.Equal(ScepOids.Sha512, signer.DigestAlgorithm.Value);
        Assert.Equal(_ra.RawData, signer.Certificate!.RawData);
        Assert.Equal(new byte[] { 1, 2, 3 }, cms.ContentInfo.Content);
        Assert.Equal(("3", "0"), (Text(signer, ScepOids.MessageType), Text(signer, ScepOids.PkiStatus)));
        Assert.Equal(transactionId, Attribute(signer, ScepOids.TransactionId));
        Assert.Equal(nonce, Octets(signer, ScepOids.RecipientNonce));
        Assert.Equal(16, Octets(signer, ScepOids.SenderNonce).Length);
        Assert.Null(Attribute(signer, ScepOids.FailInfo));
    }

    [Fact]
    public void CertRep_Failure_Sha256WithFailInfoTextAndNoContent()
    {
        var der = ScepCodec.CertRep(_ra, ScepReply.Fail(ScepFailInfo.BadCertId, "No such certificate."), Printable("tx-4"), [9], ScepOids.Sha256);

        var signer = Verified(der).SignerInfos[0];
        var content = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        content.ReadObjectIdentifier();
        var signedData = content.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        signedData.ReadInteger();
        signedData.ReadSetOf();
        var encapsulated = signedData.ReadSequence();
        encapsulated.ReadObjectIdentifier();

        Assert.False(encapsulated.HasData);
        Assert.Equal(ScepOids.Sha256, signer.DigestAlgorithm.Value);
        Assert.Equal(("2", "4"), (Text(signer, ScepOids.PkiStatus), Text(signer, ScepOids.FailInfo)));
        Assert.Equal("No such certificate.", Text(signer, ScepOids.FailInfoText));
    }

    private static X509Certificate2 SelfSigned(string subject, AsymmetricAlgorithm key)
    {
        using (key)
        {
            var request = key is RSA rsa
                ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        }
    }

    private byte[] Csr(string? challenge)
    {
        using var key = _device.GetRSAPrivateKey()!;
        var request = new CertificateRequest(_device.SubjectName, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (challenge is not null)
        {
            request.OtherRequestAttributes.Add(new AsnEncodedData(ScepOids.ChallengePassword, Printable(challenge)));
        }

        return request.CreateSigningRequest();
    }

    /// <summary>A PKCSReq from the device: the CSR enveloped to the RA, signed with the device's self-signed certificate.</summary>
    private byte[] Message(string transactionId, byte[] nonce, string digest, string encryption, byte[] csr)
    {
        var envelope = new EnvelopedCms(new ContentInfo(csr), new AlgorithmIdentifier(new Oid(encryption)));
        envelope.Encrypt(new CmsRecipient(SubjectIdentifierType.IssuerAndSerialNumber, _ra, RSAEncryptionPadding.Pkcs1));
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _device) { DigestAlgorithm = new Oid(digest) };
        var octets = new AsnWriter(AsnEncodingRules.DER);
        octets.WriteOctetString(nonce);
        signer.SignedAttributes.Add(new AsnEncodedData(ScepOids.MessageType, Printable("19")));
        signer.SignedAttributes.Add(new AsnEncodedData(ScepOids.TransactionId, Printable(transactionId)));
        signer.SignedAttributes.Add(new AsnEncodedData(ScepOids.SenderNonce, octets.Encode()));
        var cms = new SignedCms(new ContentInfo(envelope.Encode()));
        cms.ComputeSignature(signer);
        return cms.Encode();
    }

    private (byte[] Content, string? Algorithm) Decrypt(byte[] envelope)
    {
        var cms = new EnvelopedCms();
        cms.Decode(envelope);
        cms.Decrypt(new X509Certificate2Collection(_device));
        return (cms.ContentInfo.Content, cms.ContentEncryptionAlgorithm.Oid.Value);
    }

    private static SignedCms Verified(byte[] der)
    {
        var cms = new SignedCms();
        cms.Decode(der);
        cms.CheckSignature(verifySignatureOnly: true);
        return cms;
    }

    private static byte[] Printable(string value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.PrintableString, value);
        return writer.Encode();
    }

    private static byte[]? Attribute(SignerInfo signer, string oid) =>
        signer.SignedAttributes.Cast<CryptographicAttributeObject>().FirstOrDefault(a => a.Oid.Value == oid)?.Values[0].RawData;

    private static string Text(SignerInfo signer, string oid)
    {
        var reader = new AsnReader(Attribute(signer, oid)!, AsnEncodingRules.DER);
        return reader.ReadCharacterString((UniversalTagNumber)reader.PeekTag().TagValue);
    }

    private static byte[] Octets(SignerInfo signer, string oid) => new AsnReader(Attribute(signer, oid)!, AsnEncodingRules.DER).ReadOctetString();
}
