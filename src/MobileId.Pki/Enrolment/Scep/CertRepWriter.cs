using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Enrolment.Scep;

/// <summary>
/// Encodes the SignedData of a CertRep (RFC 5652 §5, RFC 8894 §3.3.2): one RSA signer identified
/// by issuer and serial number, with signed attributes, and the encapsulated content left out when
/// there is none. SignedCms cannot sign empty content, and a FAILURE or PENDING CertRep has none.
/// </summary>
internal static class CertRepWriter
{
    private const string ContentTypeOid = "1.2.840.113549.1.9.3";
    private const string MessageDigestOid = "1.2.840.113549.1.9.4";
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";

    /// <summary>The DER of the SignedData.</summary>
    /// <param name="signer">The RA's certificate, with its RSA private key.</param>
    /// <param name="hash">The digest to sign with.</param>
    /// <param name="hashOid">The OID of <paramref name="hash"/>.</param>
    /// <param name="content">The pkcsPKIEnvelope, or null for none.</param>
    /// <param name="attributes">The SCEP attributes (type OID and DER value); contentType and messageDigest are added.</param>
    /// <returns>The DER of the ContentInfo.</returns>
    public static byte[] Encode(X509Certificate2 signer, HashAlgorithmName hash, string hashOid, byte[]? content, IEnumerable<(string Oid, byte[] Value)> attributes)
    {
        var contentType = new AsnWriter(AsnEncodingRules.DER);
        contentType.WriteObjectIdentifier(CertsOnly.DataOid);
        var digest = new AsnWriter(AsnEncodingRules.DER);
        digest.WriteOctetString(CryptographicOperations.HashData(hash, content ?? []));
        var all = attributes.Prepend((MessageDigestOid, digest.Encode())).Prepend((ContentTypeOid, contentType.Encode())).ToList();

        // Note: the signature covers the attributes as a DER SET OF; in the SignerInfo they are [0] IMPLICIT.
        var signedAttributes = new AsnWriter(AsnEncodingRules.DER);
        WriteAttributes(signedAttributes, all, Asn1Tag.SetOf);
        using var key = signer.GetRSAPrivateKey() ?? throw new CryptographicException("The registration authority has no RSA private key.");
        var signature = key.SignData(signedAttributes.Encode(), hash, RSASignaturePadding.Pkcs1);

        return CertsOnly.SignedData(writer =>
        {
            using (writer.PushSetOf())
            {
                WriteAlgorithm(writer, hashOid);
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(CertsOnly.DataOid);
                if (content is not null)
                {
                    using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                    {
                        writer.WriteOctetString(content);
                    }
                }
            }

            using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                writer.WriteEncodedValue(signer.RawData);
            }

            using (writer.PushSetOf())
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                using (writer.PushSequence())
                {
                    writer.WriteEncodedValue(signer.IssuerName.RawData);
                    writer.WriteInteger(signer.SerialNumberBytes.Span);
                }

                WriteAlgorithm(writer, hashOid);
                WriteAttributes(writer, all, new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
                WriteAlgorithm(writer, RsaEncryptionOid);
                writer.WriteOctetString(signature);
            }
        });
    }

    private static void WriteAttributes(AsnWriter writer, List<(string Oid, byte[] Value)> attributes, Asn1Tag tag)
    {
        using (writer.PushSetOf(tag))
        {
            foreach (var (oid, value) in attributes)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    using (writer.PushSetOf())
                    {
                        writer.WriteEncodedValue(value);
                    }
                }
            }
        }
    }

    private static void WriteAlgorithm(AsnWriter writer, string oid)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            writer.WriteNull();
        }
    }
}
