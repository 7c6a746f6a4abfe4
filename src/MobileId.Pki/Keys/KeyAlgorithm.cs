using System.Security.Cryptography;

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
}
