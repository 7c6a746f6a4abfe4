namespace MobileId.Pki.Keys;

/// <summary>
/// Where private keys live: the software store (files encrypted under a master key) or a
/// PKCS#11 token. The store also holds the key-encryption key (KEK) that protects archived
/// keys at rest (PRODUCT.md §4).
/// </summary>
public interface IKeyStore
{
    /// <summary>A short name for messages and health checks: <c>software</c> or <c>pkcs11</c>.</summary>
    string Kind { get; }

    /// <summary>Creates a new key pair inside the store.</summary>
    /// <param name="label">A human-readable label (the CA name).</param>
    /// <param name="algorithm">The key algorithm.</param>
    /// <returns>The new key; its <see cref="ISigningKey.KeyId"/> opens it again.</returns>
    ISigningKey Generate(string label, KeyAlgorithm algorithm);

    /// <summary>
    /// Brings an existing private key (an imported CA's) into the store, kept as the store keeps
    /// the keys it generates: encrypted on disk, or as a sensitive, non-extractable token object.
    /// </summary>
    /// <param name="label">A human-readable label (the CA name).</param>
    /// <param name="pkcs8">The key as a PKCS#8 PrivateKeyInfo (RFC 5208). The store zeroes its own copies;
    /// the caller zeroes this buffer.</param>
    /// <returns>The stored key; its <see cref="ISigningKey.KeyId"/> opens it again.</returns>
    /// <exception cref="KeyStoreException">The key is not RSA 2048/3072/4096 or ECDSA P-256/P-384, or the store refused it.</exception>
    ISigningKey Import(string label, ReadOnlySpan<byte> pkcs8);

    /// <summary>Opens a key created earlier.</summary>
    /// <param name="keyId">The key's identifier.</param>
    /// <returns>The key.</returns>
    /// <exception cref="KeyStoreException">The key does not exist or cannot be read.</exception>
    ISigningKey Open(string keyId);

    /// <summary>Encrypts data (an archived private key) under the store's key-encryption key.</summary>
    /// <param name="plaintext">The data.</param>
    /// <param name="context">Bound to the ciphertext; the same value is needed to decrypt (e.g. the certificate serial).</param>
    /// <returns>An opaque blob.</returns>
    byte[] Wrap(ReadOnlySpan<byte> plaintext, string context);

    /// <summary>Decrypts a blob made by <see cref="Wrap"/> with the same context.</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="context">The context given to <see cref="Wrap"/>.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="KeyStoreException">The blob was altered, or the context differs.</exception>
    byte[] Unwrap(ReadOnlySpan<byte> blob, string context);

    /// <summary>Checks that the store answers (for <c>/health/ready</c>).</summary>
    /// <returns>Null when healthy, otherwise what is wrong.</returns>
    string? Check();
}

/// <summary>A key store failure with a message an operator can act on.</summary>
/// <param name="message">What went wrong.</param>
/// <param name="inner">The cause.</param>
public sealed class KeyStoreException(string message, Exception? inner = null) : Exception(message, inner);
