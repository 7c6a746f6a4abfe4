using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;

namespace MobileId.Pki.Enrolment.Scep;

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

        var (signer, messageType, transactionId, nonce) = SignedLayer(cms);
        var (certificate, valid) = SignerCertificate(signer);
        return new ScepRequest(messageType ?? "", transactionId, nonce, certificate, valid, signer.DigestAlgorithm.Value ?? "",
            cms.ContentInfo.Content);
    }

    /// <summary>The one signer and its SCEP attributes; a malformed signer or attribute is a format error, not a crash.</summary>
    private static (SignerInfo Signer, string? MessageType, byte[] TransactionId, byte[] Nonce) SignedLayer(SignedCms cms)
    {
        try
        {
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
            _ = signer.DigestAlgorithm.Value;
            _ = cms.ContentInfo.Content;
            return (signer, messageType, transactionId, nonce);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            throw new ScepFormatException("The pkiMessage's signer or signed attributes are malformed (RFC 8894 §3.2): nothing to answer.");
        }
    }

    /// <summary>
    /// The signer's certificate and whether it signed the message. A missing or corrupt certificate, or
    /// a signature that does not verify, is not a format error: the CertRep says badMessageCheck.
    /// </summary>
    private static (X509Certificate2? Certificate, bool Valid) SignerCertificate(SignerInfo signer)
    {
        try
        {
            if (signer.Certificate is not { } certificate)
            {
                return (null, false);
            }

            signer.CheckSignature(verifySignatureOnly: true);
            return (certificate, true);
        }
        catch (CryptographicException)
        {
            return (SafeCertificate(signer), false);
        }
    }

    private static X509Certificate2? SafeCertificate(SignerInfo signer)
    {
        try
        {
            return signer.Certificate;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// The registration authority whose certificate a recipient of the envelope names and the
    /// decrypted content, with its content-encryption algorithm; null when none. The certificate
    /// must hold its RSA private key; a named RA whose key does not decrypt throws <see cref="CryptographicException"/>.
    /// </summary>
    /// <typeparam name="T">What the caller knows an RA as.</typeparam>
    /// <param name="envelope">The pkcsPKIEnvelope (CMS EnvelopedData).</param>
    /// <param name="authorities">The registration authorities that may be named.</param>
    /// <param name="certificate">An RA's certificate, with its private key.</param>
    /// <returns>The RA, the content and the content-encryption algorithm OID, or null.</returns>
    public static (T Ra, byte[] Content, string Algorithm)? Open<T>(byte[] envelope, IEnumerable<T> authorities, Func<T, X509Certificate2> certificate)
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
                if (!Names(recipient.RecipientIdentifier, certificate(ra)))
                {
                    continue;
                }

                using var key = certificate(ra).GetRSAPrivateKey();
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
    /// <param name="ra">The registration authority's certificate, with its RSA private key.</param>
    /// <param name="reply">What to answer.</param>
    /// <param name="transactionId">The request's transactionID attribute value (DER).</param>
    /// <param name="recipientNonce">The request's senderNonce.</param>
    /// <param name="requestDigest">The digest algorithm OID the request was signed with.</param>
    /// <returns>The DER of the CertRep.</returns>
    public static byte[] CertRep(X509Certificate2 ra, ScepReply reply, byte[] transactionId, byte[] recipientNonce, string requestDigest)
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
            ? CertRepWriter.Encode(ra, HashAlgorithmName.SHA512, ScepOids.Sha512, reply.Envelope, attributes)
            : CertRepWriter.Encode(ra, HashAlgorithmName.SHA256, ScepOids.Sha256, reply.Envelope, attributes);
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
