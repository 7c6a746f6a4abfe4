using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Keys;

/// <summary>
/// Lets <see cref="CertificateRequest"/> sign with any <see cref="ISigningKey"/>, whatever the
/// subject key's algorithm: an RSA leaf under an ECDSA CA and the reverse (which
/// <c>CertificateRequest.Create(issuerCertificate, …)</c> refuses).
/// </summary>
public sealed class SigningKeyGenerator(ISigningKey key) : X509SignatureGenerator
{
    /// <inheritdoc />
    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
        SignatureAlgorithm.Identifier(key.Algorithm, hashAlgorithm);

    /// <inheritdoc />
    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key.SignData(data, hashAlgorithm);

    /// <inheritdoc />
    protected override PublicKey BuildPublicKey() => key.PublicKey;
}

/// <summary>Signature AlgorithmIdentifiers (RFC 5758 §3.2 for ECDSA, RFC 4055 §5 for RSA).</summary>
public static class SignatureAlgorithm
{
    /// <summary>The DER AlgorithmIdentifier for a key algorithm and hash.</summary>
    /// <param name="algorithm">The signing key's algorithm.</param>
    /// <param name="hash">The hash.</param>
    /// <returns>DER bytes.</returns>
    public static byte[] Identifier(KeyAlgorithm algorithm, HashAlgorithmName hash)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(Oid(algorithm, hash));
            // Note: RSA identifiers carry an explicit NULL parameter; ECDSA ones carry none (RFC 5758 §3.2).
            if (!algorithm.IsEcdsa())
            {
                writer.WriteNull();
            }
        }

        return writer.Encode();
    }

    /// <summary>The signature algorithm OID.</summary>
    /// <param name="algorithm">The signing key's algorithm.</param>
    /// <param name="hash">The hash.</param>
    /// <returns>The dotted OID.</returns>
    public static string Oid(KeyAlgorithm algorithm, HashAlgorithmName hash) => (algorithm.IsEcdsa(), hash.Name) switch
    {
        (true, "SHA256") => "1.2.840.10045.4.3.2",
        (true, "SHA384") => "1.2.840.10045.4.3.3",
        (true, "SHA512") => "1.2.840.10045.4.3.4",
        (false, "SHA256") => "1.2.840.113549.1.1.11",
        (false, "SHA384") => "1.2.840.113549.1.1.12",
        (false, "SHA512") => "1.2.840.113549.1.1.13",
        _ => throw new CryptographicException($"No signature algorithm for {algorithm} with {hash.Name}."),
    };
}
