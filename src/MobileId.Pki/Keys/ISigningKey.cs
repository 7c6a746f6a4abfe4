using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Keys;

/// <summary>
/// A private key that signs but may never leave its store (software file or PKCS#11 token).
/// Certificates, CRLs and OCSP responses are all signed through this one interface.
/// </summary>
public interface ISigningKey : IDisposable
{
    /// <summary>The store's identifier of the key (a file name or a PKCS#11 CKA_ID in hex).</summary>
    string KeyId { get; }

    /// <summary>The key's algorithm.</summary>
    KeyAlgorithm Algorithm { get; }

    /// <summary>The public half.</summary>
    PublicKey PublicKey { get; }

    /// <summary>
    /// Signs data. ECDSA signatures are DER-encoded (RFC 3279 §2.2.3); RSA uses PKCS#1 v1.5,
    /// as RFC 5280 profiles and every relying party accept.
    /// </summary>
    /// <param name="data">The bytes to sign (hashed inside).</param>
    /// <param name="hash">The hash algorithm.</param>
    /// <returns>The signature value.</returns>
    byte[] SignData(ReadOnlySpan<byte> data, HashAlgorithmName hash);
}
