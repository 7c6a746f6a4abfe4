using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Keys;

/// <summary>The key algorithms MobileId issues and signs with (PRODUCT.md §4).</summary>
public enum KeyAlgorithm
{
    /// <summary>RSA with a 2048-bit modulus.</summary>
    Rsa2048,

    /// <summary>RSA with a 3072-bit modulus.</summary>
    Rsa3072,

    /// <summary>RSA with a 4096-bit modulus.</summary>
    Rsa4096,

    /// <summary>ECDSA on NIST P-256.</summary>
    EcdsaP256,

    /// <summary>ECDSA on NIST P-384.</summary>
    EcdsaP384,
}

/// <summary>Facts about each <see cref="KeyAlgorithm"/>.</summary>
public static class KeyAlgorithms
{
    /// <summary>The OID of NIST P-256 (secp256r1, RFC 5480 §2.1.1.1).</summary>
    internal const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>The OID of NIST P-384 (secp384r1).</summary>
    internal const string P384Oid = "1.3.132.0.34";

    /// <summary>True for the ECDSA curves.</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>Whether the algorithm is elliptic-curve.</returns>
    public static bool IsEcdsa(this KeyAlgorithm algorithm) => algorithm is KeyAlgorithm.EcdsaP256 or KeyAlgorithm.EcdsaP384;

    /// <summary>RSA modulus size in bits; 0 for ECDSA.</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>The modulus length.</returns>
    public static int RsaBits(this KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.Rsa2048 => 2048,
        KeyAlgorithm.Rsa3072 => 3072,
        KeyAlgorithm.Rsa4096 => 4096,
        _ => 0,
    };

    /// <summary>The curve of an ECDSA algorithm.</summary>
    /// <param name="algorithm">An ECDSA algorithm.</param>
    /// <returns>The named curve.</returns>
    public static ECCurve Curve(this KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => ECCurve.NamedCurves.nistP256,
        KeyAlgorithm.EcdsaP384 => ECCurve.NamedCurves.nistP384,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not an ECDSA algorithm."),
    };

    /// <summary>The algorithm of a key, or null when MobileId does not use it (another curve or RSA size, or another kind of key).</summary>
    /// <param name="key">An RSA or ECDSA key (public or private).</param>
    /// <returns>The algorithm, or null.</returns>
    public static KeyAlgorithm? Of(AsymmetricAlgorithm key) => key switch
    {
        // Note: the curve is told by its OID, not its size: secp256k1 and brainpoolP256r1 are 256-bit curves too.
        ECDsa ec => OfCurve(ec.ExportParameters(false).Curve.Oid?.Value),
        RSA rsa => OfRsaBits(rsa.KeySize),
        _ => null,
    };

    /// <summary>
    /// The algorithm of a subject public key (of a CSR, a certificate or a key), or null when
    /// MobileId does not use it: another curve or RSA size, or another kind of key (Ed25519, DSA …).
    /// </summary>
    /// <param name="key">A subject public key.</param>
    /// <returns>The algorithm, or null.</returns>
    public static KeyAlgorithm? Of(PublicKey key)
    {
        using AsymmetricAlgorithm? algorithm = Open(key);
        return algorithm is null ? null : Of(algorithm);
    }

    /// <summary>The algorithm of a certificate's public key, or null when MobileId does not use it.</summary>
    /// <param name="certificate">A certificate.</param>
    /// <returns>The algorithm, or null.</returns>
    public static KeyAlgorithm? Of(X509Certificate2 certificate) => Of(certificate.PublicKey);

    /// <summary>The ECDSA algorithm of a named curve, or null for a curve MobileId does not use.</summary>
    /// <param name="curveOid">The dotted OID of the named curve.</param>
    /// <returns>The algorithm, or null.</returns>
    public static KeyAlgorithm? OfCurve(string? curveOid) => curveOid switch
    {
        P256Oid => KeyAlgorithm.EcdsaP256,
        P384Oid => KeyAlgorithm.EcdsaP384,
        _ => null,
    };

    /// <summary>The RSA algorithm of a modulus size, or null for a size MobileId does not use.</summary>
    /// <param name="bits">The modulus length in bits.</param>
    /// <returns>The algorithm, or null.</returns>
    public static KeyAlgorithm? OfRsaBits(int bits) => bits switch
    {
        2048 => KeyAlgorithm.Rsa2048,
        3072 => KeyAlgorithm.Rsa3072,
        4096 => KeyAlgorithm.Rsa4096,
        _ => null,
    };

    /// <summary>Describes a key for messages: <c>RSA 1024</c>, <c>ECDSA on 1.3.132.0.35</c>.</summary>
    /// <param name="key">A key.</param>
    /// <returns>A short description.</returns>
    public static string Describe(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => ec.ExportParameters(false).Curve.Oid is { } curve
            ? $"ECDSA on {curve.FriendlyName ?? curve.Value}"
            : "ECDSA on an explicit curve",
        RSA rsa => $"RSA {rsa.KeySize}",
        _ => key.GetType().Name,
    };

    /// <summary>
    /// The hash paired with a key, as RFC 5480 §4 and NIST SP 800-57 pair them: SHA-384 for P-384
    /// and RSA 3072 and above, SHA-256 otherwise.
    /// </summary>
    /// <param name="algorithm">The signing key's algorithm.</param>
    /// <returns>The hash to sign with.</returns>
    public static HashAlgorithmName Hash(this KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP384 or KeyAlgorithm.Rsa3072 or KeyAlgorithm.Rsa4096 => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA256,
    };

    /// <summary>The ECDSA or RSA key of a subject public key, or null when it is neither (or cannot be read).</summary>
    private static AsymmetricAlgorithm? Open(PublicKey key)
    {
        try
        {
            return (AsymmetricAlgorithm?)key.GetECDsaPublicKey() ?? key.GetRSAPublicKey();
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
