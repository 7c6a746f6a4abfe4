using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Revocation;

/// <summary>How a requested CertID relates to one of our issuing CAs.</summary>
public enum OcspIssuerMatch
{
    /// <summary>The CertID names this CA: look the serial up.</summary>
    Ours,

    /// <summary>The CertID names another issuer: answer <see cref="OcspResponseStatus.Unauthorized"/> (RFC 5019 §2.2.3).</summary>
    NotOurs,

    /// <summary>The CertID uses a hash other than SHA-1 or SHA-256, so we cannot tell: answer <c>unknown</c> for it.</summary>
    UnsupportedHash,
}

/// <summary>
/// A CA certificate's CertID key (RFC 6960 §4.1.1): the hashes of its subject name and of its
/// public key, under SHA-1 and SHA-256, computed once so that each request is matched cheaply.
/// </summary>
public sealed class OcspIssuerId
{
    private readonly byte[] _nameSha1;
    private readonly byte[] _keySha1;
    private readonly byte[] _nameSha256;
    private readonly byte[] _keySha256;

    private OcspIssuerId(byte[] name, byte[] key)
    {
        _nameSha1 = SHA1.HashData(name);
        _keySha1 = SHA1.HashData(key);
        _nameSha256 = SHA256.HashData(name);
        _keySha256 = SHA256.HashData(key);
    }

    /// <summary>Computes the key of a CA certificate.</summary>
    /// <param name="issuer">The CA that issues the certificates the responder answers for.</param>
    /// <returns>The CA's CertID key.</returns>
    public static OcspIssuerId Create(X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        // Note: issuerNameHash is over the DER subject name; issuerKeyHash over the subjectPublicKey
        // BIT STRING contents without tag, length and unused-bits octet (RFC 6960 §4.1.1).
        return new OcspIssuerId(issuer.SubjectName.RawData, issuer.PublicKey.EncodedKeyValue.RawData);
    }

    /// <summary>The issuerNameHash under a hash.</summary>
    /// <param name="hash">SHA-1 or SHA-256.</param>
    /// <returns>The hash of the CA's subject name.</returns>
    public ReadOnlyMemory<byte> NameHash(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA1" => _nameSha1,
        "SHA256" => _nameSha256,
        _ => throw new ArgumentException($"OCSP CertIDs use SHA-1 or SHA-256, not {hash.Name}.", nameof(hash)),
    };

    /// <summary>The issuerKeyHash under a hash.</summary>
    /// <param name="hash">SHA-1 or SHA-256.</param>
    /// <returns>The hash of the CA's public key bits.</returns>
    public ReadOnlyMemory<byte> KeyHash(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA1" => _keySha1,
        "SHA256" => _keySha256,
        _ => throw new ArgumentException($"OCSP CertIDs use SHA-1 or SHA-256, not {hash.Name}.", nameof(hash)),
    };

    /// <summary>Tells whether a CertID names this CA.</summary>
    /// <param name="certId">A CertID from a request.</param>
    /// <returns>Ours, not ours, or a hash we cannot compare.</returns>
    public OcspIssuerMatch Match(OcspCertId certId)
    {
        ArgumentNullException.ThrowIfNull(certId);
        if (certId.HashAlgorithm is not { } hash)
        {
            return OcspIssuerMatch.UnsupportedHash;
        }

        return certId.IssuerNameHash.Span.SequenceEqual(NameHash(hash).Span) && certId.IssuerKeyHash.Span.SequenceEqual(KeyHash(hash).Span)
            ? OcspIssuerMatch.Ours
            : OcspIssuerMatch.NotOurs;
    }

    /// <summary>Makes the CertID of a certificate this CA issued, for a response signed ahead of any request.</summary>
    /// <param name="serialNumber">The certificate's serial (INTEGER content octets, as <c>X509Certificate2.SerialNumberBytes</c>).</param>
    /// <param name="hash">SHA-1 (what RFC 5019 clients send) or SHA-256.</param>
    /// <returns>The CertID, encoded as OpenSSL encodes it.</returns>
    public OcspCertId CreateCertId(ReadOnlySpan<byte> serialNumber, HashAlgorithmName hash) =>
        OcspCertId.Create(hash, NameHash(hash).Span, KeyHash(hash).Span, serialNumber);
}
