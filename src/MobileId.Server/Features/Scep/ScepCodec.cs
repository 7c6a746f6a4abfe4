using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using MobileId.Server.Features.Protocols;

namespace MobileId.Server.Features.Scep;

/// <summary>SCEP messageType values (RFC 8894 §3.2.1.2).</summary>
public enum ScepMessageType
{
    CertRep = 3,
    RenewalReq = 17,
    PkcsReq = 19,
    CertPoll = 20,
    GetCert = 21,
    GetCrl = 22,
}

/// <summary>SCEP failInfo values (RFC 8894 §3.2.1.4).</summary>
public enum ScepFailInfo
{
    BadAlg = 0,
    BadMessageCheck = 1,
    BadRequest = 2,
    BadTime = 3,
    BadCertId = 4,
}

/// <summary>A pkiMessage that cannot be answered with a CertRep: not CMS SignedData, or without a transactionID and senderNonce.</summary>
public sealed class ScepFormatException(string message) : Exception(message);

/// <summary>
/// The outer layer of a SCEP request (RFC 8894 §3): the signed attributes that a CertRep echoes,
/// the signer certificate, and whether the signature verifies. <see cref="Envelope"/> is the
/// still-encrypted pkcsPKIEnvelope.
/// </summary>
/// <param name="TransactionId">The transactionID attribute value as sent (DER), echoed unchanged.</param>
public sealed record ScepRequest(string MessageType, byte[] TransactionId, byte[] SenderNonce, X509Certificate2? Signer, bool SignatureValid,
    string DigestOid, byte[] Envelope);

/// <summary>A CertRep to send: SUCCESS with the enveloped content, or FAILURE with failInfo and its text.</summary>
public sealed record ScepReply(byte[]? Envelope, ScepFailInfo? FailInfo = null, string? FailText = null)
{
    public static ScepReply Fail(ScepFailInfo info, string text) => new(null, info, text);

    public static ScepReply Fail(EnrolmentResult refused) => Fail(refused.Failure switch
    {
        EnrolmentFailure.BadAlg => ScepFailInfo.BadAlg,
        EnrolmentFailure.Unauthorized => ScepFailInfo.BadMessageCheck,
        EnrolmentFailure.BadTime => ScepFailInfo.BadTime,
        EnrolmentFailure.BadCertId => ScepFailInfo.BadCertId,
        _ => ScepFailInfo.BadRequest,
    }, refused.Message ?? "The request was refused.");
}

/// <summary>The object identifiers of SCEP messages (RFC 8894 §3.2.1) and the algorithms this server names.</summary>
public static class ScepOids
{
    public const string MessageType = "2.16.840.1.113733.1.9.2";
    public const string PkiStatus = "2.16.840.1.113733.1.9.3";
    public const string FailInfo = "2.16.840.1.113733.1.9.4";
    public const string SenderNonce = "2.16.840.1.113733.1.9.5";
    public const string RecipientNonce = "2.16.840.1.113733.1.9.6";
    public const string TransactionId = "2.16.840.1.113733.1.9.7";
    public const string FailInfoText = "1.3.6.1.5.5.7.24.1";
    public const string ChallengePassword = "1.2.840.113549.1.9.7";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";
    public const string Aes128Cbc = "2.16.840.1.101.3.4.1.2";
    public const string Aes256Cbc = "2.16.840.1.101.3.4.1.42";
}

/// <summary>Reads SCEP pkiMessages and writes CertReps with System.Security.Cryptography.Pkcs (RFC 8894 §3).</summary>
public static class ScepCodec
{
    /// <summary>Reads the signed layer of a pkiMessage; throws <see cref="ScepFormatException"/> when no CertRep can answer it.</summary>
    public static ScepRequest Read(byte[] der)
    {
        var cms = new SignedCms();
        try
        {
            if (der.Length == 0)
            {
                throw new CryptographicException("empty");
            }

            cms.Decode(der);
        }
        catch (CryptographicException)
        {
            throw new ScepFormatException("The message is not a CMS SignedData (RFC 8894 §3.1): nothing to answer.");
        }

        if (cms.SignerInfos.Count != 1)
        {
            throw new ScepFormatException("The pkiMessage must have exactly one signer.");
        }

        var signer = cms.SignerInfos[0];
        var transactionId = Attribute(signer, ScepOids.TransactionId);
        var nonce = Attribute(signer, ScepOids.SenderNonce) is { } raw ? ReadOctets(raw) : null;
        if (transactionId is null || string.IsNullOrEmpty(Text(transactionId)) || nonce is not { Length: > 0 })
        {
            throw new ScepFormatException("The pkiMessage has no transactionID or senderNonce signed attribute.");
        }

        var messageType = Attribute(signer, ScepOids.MessageType) is { } type ? Text(type) : null;
        var valid = signer.Certificate is not null;
        if (valid)
        {
            try
            {
                signer.CheckSignature(verifySignatureOnly: true);
            }
            catch (CryptographicException)
            {
                valid = false;
            }
        }

        return new ScepRequest(messageType ?? "", transactionId, nonce, signer.Certificate, valid, signer.DigestAlgorithm.Value ?? "",
            cms.ContentInfo.Content);
    }

    /// <summary>The RA whose certificate a recipient of the envelope names and the decrypted content, with its content-encryption algorithm; null when none.</summary>
    public static (RaCredential Ra, byte[] Content, string Algorithm)? Open(byte[] envelope, IEnumerable<RaCredential> authorities)
    {
        var cms = new EnvelopedCms();
        try
        {
            cms.Decode(envelope);
        }
        catch (CryptographicException)
        {
            return null;
        }

        foreach (var ra in authorities)
        {
            foreach (var recipient in cms.RecipientInfos)
            {
                if (!Names(recipient.RecipientIdentifier, ra.Certificate))
                {
                    continue;
                }

                using var key = ra.Certificate.GetRSAPrivateKey();
                cms.Decrypt(recipient, key!);
                return (ra, cms.ContentInfo.Content, cms.ContentEncryptionAlgorithm.Oid.Value ?? "");
            }
        }

        return null;
    }

    /// <summary>Loads the PKCS#10 of a PKCSReq/RenewalReq (its signature verified) and its challengePassword; null when it is no valid CSR.</summary>
    public static (CertificateRequest Csr, string? Challenge)? ReadCsr(byte[] pkcs10)
    {
        try
        {
            var csr = CertificateRequest.LoadSigningRequest(pkcs10, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions,
                RSASignaturePadding.Pkcs1);
            var challenge = csr.OtherRequestAttributes.FirstOrDefault(a => a.Oid?.Value == ScepOids.ChallengePassword) is { } attribute ? Text(attribute.RawData) : null;
            return (csr, challenge);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Reads IssuerAndSerialNumber (GetCert, GetCRL): the issuer name and the serial as upper-case hex without leading zeros.</summary>
    public static (X500DistinguishedName Issuer, string Serial)? ReadIssuerAndSerial(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
            var issuer = new X500DistinguishedName(reader.ReadEncodedValue().Span);
            var serial = Convert.ToHexString(reader.ReadIntegerBytes().Span).TrimStart('0');
            return (issuer, serial.Length == 0 ? "0" : serial);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return null;
        }
    }

    /// <summary>
    /// pkcsPKIEnvelope of a SUCCESS: <paramref name="content"/> (certs-only) enveloped to the
    /// request's signer certificate, with AES-128-CBC when the client used it, else AES-256-CBC.
    /// Null when the signer's key cannot receive it (not RSA).
    /// </summary>
    public static byte[]? Envelope(byte[] content, X509Certificate2 recipient, string requestAlgorithm)
    {
        using var rsa = recipient.GetRSAPublicKey();
        if (rsa is null)
        {
            return null;
        }

        var cms = new EnvelopedCms(new ContentInfo(content), new AlgorithmIdentifier(new Oid(requestAlgorithm == ScepOids.Aes128Cbc ? ScepOids.Aes128Cbc : ScepOids.Aes256Cbc)));
        cms.Encrypt(new CmsRecipient(SubjectIdentifierType.IssuerAndSerialNumber, recipient, RSAEncryptionPadding.Pkcs1));
        return cms.Encode();
    }

    /// <summary>
    /// A CertRep (messageType 3) signed by the RA: pkiStatus, failInfo and failInfoText on failure,
    /// the transactionID echoed, recipientNonce = the client's senderNonce, a new senderNonce; SHA-512
    /// when the client signed with it, else SHA-256.
    /// </summary>
    public static byte[] CertRep(RaCredential ra, ScepReply reply, byte[] transactionId, byte[] recipientNonce, string requestDigest)
    {
        var attributes = new List<(string, byte[])>
        {
            (ScepOids.MessageType, Printable(((int)ScepMessageType.CertRep).ToString(CultureInfo.InvariantCulture))),
            (ScepOids.PkiStatus, Printable(reply.FailInfo is null ? "0" : "2")),
        };
        if (reply.FailInfo is { } info)
        {
            attributes.Add((ScepOids.FailInfo, Printable(((int)info).ToString(CultureInfo.InvariantCulture))));
            var text = new AsnWriter(AsnEncodingRules.DER);
            text.WriteCharacterString(UniversalTagNumber.UTF8String, reply.FailText ?? info.ToString());
            attributes.Add((ScepOids.FailInfoText, text.Encode()));
        }

        attributes.Add((ScepOids.TransactionId, transactionId));
        attributes.Add((ScepOids.RecipientNonce, OctetString(recipientNonce)));
        attributes.Add((ScepOids.SenderNonce, OctetString(RandomNumberGenerator.GetBytes(16))));
        return requestDigest == ScepOids.Sha512
            ? CertRepWriter.Encode(ra.Certificate, HashAlgorithmName.SHA512, ScepOids.Sha512, reply.Envelope, attributes)
            : CertRepWriter.Encode(ra.Certificate, HashAlgorithmName.SHA256, ScepOids.Sha256, reply.Envelope, attributes);
    }

    private static bool Names(SubjectIdentifier identifier, X509Certificate2 certificate) => identifier.Value switch
    {
        X509IssuerSerial issuerSerial => string.Equals(issuerSerial.SerialNumber.TrimStart('0'), certificate.SerialNumber.TrimStart('0'), StringComparison.OrdinalIgnoreCase)
            && new X500DistinguishedName(certificate.IssuerName).Name == issuerSerial.IssuerName,
        string keyId => certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifier is { } ski
            && string.Equals(ski, keyId, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static byte[]? Attribute(SignerInfo signer, string oid)
    {
        foreach (var attribute in signer.SignedAttributes)
        {
            if (attribute.Oid.Value == oid && attribute.Values.Count > 0)
            {
                return attribute.Values[0].RawData;
            }
        }

        return null;
    }

    /// <summary>A DirectoryString-like value (PrintableString, UTF8String, IA5String, T61String, BMPString); null when it is none.</summary>
    private static string? Text(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.BER);
            var tag = reader.PeekTag();
            return tag.TagClass == TagClass.Universal && tag.TagValue is (int)UniversalTagNumber.PrintableString or (int)UniversalTagNumber.UTF8String
                or (int)UniversalTagNumber.IA5String or (int)UniversalTagNumber.T61String or (int)UniversalTagNumber.BMPString
                ? reader.ReadCharacterString((UniversalTagNumber)tag.TagValue)
                : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static byte[]? ReadOctets(byte[] der)
    {
        try
        {
            return new AsnReader(der, AsnEncodingRules.BER).ReadOctetString();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static byte[] Printable(string value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.PrintableString, value);
        return writer.Encode();
    }

    private static byte[] OctetString(ReadOnlySpan<byte> value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(value);
        return writer.Encode();
    }
}
