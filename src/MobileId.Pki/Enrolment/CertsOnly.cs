using System.Formats.Asn1;

namespace MobileId.Pki.Enrolment;

/// <summary>
/// The "degenerate" CMS SignedData that carries certificates and CRLs without a signature
/// (RFC 5652 §5, RFC 8894 §3.4, RFC 7030 §4.1.3 <c>certs-only</c>): SCEP GetCACert with an RA,
/// SCEP CertRep and GetCRL contents, EST cacerts and enrol answers.
/// </summary>
public static class CertsOnly
{
    private const string SignedDataOid = "1.2.840.113549.1.7.2";
    /// <summary>id-data (RFC 5652 §4).</summary>
    internal const string DataOid = "1.2.840.113549.1.7.1";

    /// <summary>Encodes a ContentInfo of a SignedData with the certificates (DER) and CRLs (DER), no content and no signers.</summary>
    public static byte[] Encode(IEnumerable<byte[]> certificates, IEnumerable<byte[]>? crls = null)
    {
        return SignedData(writer =>
        {
            using (writer.PushSetOf())
            {
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(DataOid);
            }

            WriteSet(writer, 0, certificates);
            if (crls is not null)
            {
                WriteSet(writer, 1, crls);
            }

            using (writer.PushSetOf())
            {
            }
        });
    }

    /// <summary>
    /// Encodes <c>ContentInfo { signedData, [0] SignedData { version 1, … } }</c> (RFC 5652 §5.1);
    /// <paramref name="body"/> writes the rest of the SignedData, from digestAlgorithms on.
    /// </summary>
    internal static byte[] SignedData(Action<AsnWriter> body)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(SignedDataOid);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                body(writer);
            }
        }

        return writer.Encode();
    }

    private static void WriteSet(AsnWriter writer, int tag, IEnumerable<byte[]> items)
    {
        var list = items.ToList();
        if (list.Count == 0)
        {
            return;
        }

        // Note: DER sorts SET OF by encoding; AsnWriter does that for PushSetOf.
        using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, tag, isConstructed: true)))
        {
            foreach (var item in list)
            {
                writer.WriteEncodedValue(item);
            }
        }
    }
}
