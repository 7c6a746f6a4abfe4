using System.Security.Cryptography;

namespace MobileId.Pki.Keys;

/// <summary>Reads a PKCS#8 PrivateKeyInfo (RFC 5208) of one of the algorithms MobileId signs with.</summary>
internal static class Pkcs8Key
{
    /// <summary>Loads an RSA or ECDSA private key.</summary>
    /// <param name="pkcs8">The DER PrivateKeyInfo.</param>
    /// <param name="algorithm">The key's algorithm.</param>
    /// <returns>The key; the caller disposes it.</returns>
    /// <exception cref="KeyStoreException">The data is not a PKCS#8 key, or its algorithm is not one MobileId uses.</exception>
    public static AsymmetricAlgorithm Load(ReadOnlySpan<byte> pkcs8, out KeyAlgorithm algorithm)
    {
        AsymmetricAlgorithm key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        catch (CryptographicException)
        {
            // Not an EC key: RSA below.
            key.Dispose();
            key = RSA.Create();
            try
            {
                key.ImportPkcs8PrivateKey(pkcs8, out _);
            }
            catch (CryptographicException ex)
            {
                key.Dispose();
                throw new KeyStoreException("The key is not an RSA or ECDSA private key in PKCS#8 form.", ex);
            }
        }

        if (KeyAlgorithms.Of(key) is not { } known)
        {
            var description = KeyAlgorithms.Describe(key);
            key.Dispose();
            throw new KeyStoreException($"The key is {description}; MobileId uses RSA 2048, 3072 or 4096 and ECDSA P-256 or P-384.");
        }

        algorithm = known;
        return key;
    }
}
