using System.Formats.Asn1;

namespace MobileId.Pki.Tests.Revocation;

/// <summary>Hand-written OCSPRequests for what openssl will not produce (bad nonces, odd versions, unknown extensions).</summary>
internal static class TestRequests
{
    public static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    public static readonly Asn1Tag Explicit2 = new(TagClass.ContextSpecific, 2, isConstructed: true);

    public static byte[] CertId(string hashOid, byte[] nameHash, byte[] keyHash, byte[] serial)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(hashOid);
                writer.WriteNull();
            }

            writer.WriteOctetString(nameHash);
            writer.WriteOctetString(keyHash);
            writer.WriteInteger(serial);
        }

        return writer.Encode();
    }

    /// <summary>A SHA-1 CertID with made-up hashes and serial 0x01 0x02.</summary>
    public static byte[] SomeCertId() => CertId("1.3.14.3.2.26", new byte[20], new byte[20], [0x01, 0x02]);

    /// <summary>The nonce extension value: the nonce as a DER OCTET STRING (RFC 9654 §2.1).</summary>
    public static byte[] NonceValue(byte[] nonce)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(nonce);
        return writer.Encode();
    }

    public static (string Oid, bool Critical, byte[] Value) Nonce(byte[] nonce) => ("1.3.6.1.5.5.7.48.1.2", false, NonceValue(nonce));

    public static byte[] Build(IEnumerable<byte[]> certIds, IEnumerable<(string Oid, bool Critical, byte[] Value)>? extensions = null, int? version = null)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
        {
            if (version is { } v)
            {
                using (writer.PushSequence(Explicit0))
                {
                    writer.WriteInteger(v);
                }
            }

            using (writer.PushSequence())
            {
                foreach (var certId in certIds)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteEncodedValue(certId);
                    }
                }
            }

            if (extensions is not null)
            {
                using (writer.PushSequence(Explicit2))
                using (writer.PushSequence())
                {
                    foreach (var (oid, critical, value) in extensions)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(oid);
                            if (critical)
                            {
                                writer.WriteBoolean(true);
                            }

                            writer.WriteOctetString(value);
                        }
                    }
                }
            }
        }

        return writer.Encode();
    }
}
