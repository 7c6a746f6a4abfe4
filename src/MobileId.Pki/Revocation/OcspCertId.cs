using System.Formats.Asn1;
using System.Security.Cryptography;

namespace MobileId.Pki.Revocation;

/// <summary>
/// A CertID (RFC 6960 §4.1.1): which certificate a client asks about, named by hashes of its
/// issuer's name and key and by its serial number.
/// </summary>
/// <remarks>
/// Note: <see cref="Encoded"/> keeps the DER exactly as the client sent it, so that the response
/// echoes it byte for byte (RFC 6960 §4.2.2.3 clients match the CertID they asked about; some
/// send SHA-1 with NULL parameters, some without).
/// </remarks>
public sealed class OcspCertId
{
    /// <summary>id-sha1 (RFC 5019 §2.1.1 requires it).</summary>
    public const string Sha1Oid = "1.3.14.3.2.26";

    /// <summary>id-sha256 (NIST; RFC 5754).</summary>
    public const string Sha256Oid = "2.16.840.1.101.3.4.2.1";

    internal OcspCertId(string hashAlgorithmOid, ReadOnlyMemory<byte> issuerNameHash, ReadOnlyMemory<byte> issuerKeyHash,
        ReadOnlyMemory<byte> serialNumber, ReadOnlyMemory<byte> encoded)
    {
        HashAlgorithmOid = hashAlgorithmOid;
        HashAlgorithm = HashFromOid(hashAlgorithmOid);
        IssuerNameHash = issuerNameHash;
        IssuerKeyHash = issuerKeyHash;
        SerialNumber = serialNumber;
        Encoded = encoded;
    }

    /// <summary>The hash algorithm OID as received.</summary>
    public string HashAlgorithmOid { get; }

    /// <summary>SHA-1 or SHA-256; null for any other hash, which MobileId cannot match to an issuer (answer <c>unknown</c>).</summary>
    public HashAlgorithmName? HashAlgorithm { get; }

    /// <summary>Hash of the issuer's DER-encoded subject name.</summary>
    public ReadOnlyMemory<byte> IssuerNameHash { get; }

    /// <summary>Hash of the issuer's public key BIT STRING contents (without tag, length and unused-bits octet).</summary>
    public ReadOnlyMemory<byte> IssuerKeyHash { get; }

    /// <summary>
    /// The serial number's INTEGER content octets (big-endian two's complement, the form of
    /// <c>X509Certificate2.SerialNumberBytes</c> and <see cref="SerialNumbers.Create"/>).
    /// </summary>
    public ReadOnlyMemory<byte> SerialNumber { get; }

    /// <summary>The serial as upper-case hexadecimal (<see cref="SerialNumbers.ToHex"/>), the form the database uses.</summary>
    public string SerialNumberHex => SerialNumbers.ToHex(SerialNumber.Span);

    /// <summary>The CertID's DER encoding as received; a response echoes it, and a cache of pre-signed responses is keyed by it.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>Makes a CertID from its parts (for requests and pre-signed responses that have no request).</summary>
    /// <param name="hash">SHA-1 or SHA-256.</param>
    /// <param name="issuerNameHash">Hash of the issuer's subject name.</param>
    /// <param name="issuerKeyHash">Hash of the issuer's public key bits.</param>
    /// <param name="serialNumber">The serial's INTEGER content octets (minimal two's complement).</param>
    /// <returns>The CertID, encoded as RFC 5019 clients encode it (hash parameters NULL).</returns>
    /// <exception cref="ArgumentException">Another hash, hashes of the wrong length, or a serial that is not a minimal INTEGER.</exception>
    public static OcspCertId Create(HashAlgorithmName hash, ReadOnlySpan<byte> issuerNameHash, ReadOnlySpan<byte> issuerKeyHash, ReadOnlySpan<byte> serialNumber)
    {
        var oid = OidFromHash(hash);
        var length = HashLength(hash);
        if (issuerNameHash.Length != length || issuerKeyHash.Length != length)
        {
            throw new ArgumentException($"{hash.Name} hashes are {length} octets.", nameof(issuerNameHash));
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
                writer.WriteNull();
            }

            writer.WriteOctetString(issuerNameHash);
            writer.WriteOctetString(issuerKeyHash);
            // Note: WriteInteger refuses non-minimal encodings (X.690 §8.3.2) with an ArgumentException.
            writer.WriteInteger(serialNumber);
        }

        return new OcspCertId(oid, issuerNameHash.ToArray(), issuerKeyHash.ToArray(), serialNumber.ToArray(), writer.Encode());
    }

    internal static HashAlgorithmName? HashFromOid(string oid) => oid switch
    {
        Sha1Oid => HashAlgorithmName.SHA1,
        Sha256Oid => HashAlgorithmName.SHA256,
        _ => null,
    };

    internal static string OidFromHash(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA1" => Sha1Oid,
        "SHA256" => Sha256Oid,
        _ => throw new ArgumentException($"OCSP CertIDs use SHA-1 or SHA-256, not {hash.Name}.", nameof(hash)),
    };

    internal static int HashLength(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA1" => SHA1.HashSizeInBytes,
        "SHA256" => SHA256.HashSizeInBytes,
        _ => throw new ArgumentException($"OCSP CertIDs use SHA-1 or SHA-256, not {hash.Name}.", nameof(hash)),
    };
}
