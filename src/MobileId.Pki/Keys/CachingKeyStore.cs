using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Keys;

/// <summary>
/// Keeps software keys that were opened once (CA and OCSP responder keys: a handful, used for
/// every certificate, CRL and response), so that each is read and decrypted once per process.
/// Callers still dispose what <see cref="Open"/> returns; that releases nothing, the store owns
/// the keys until it is disposed. Not for PKCS#11: a token key's handle does not survive a
/// reconnection to the token, so that store looks its keys up each time.
/// </summary>
/// <param name="inner">The key store.</param>
public sealed class CachingKeyStore(IKeyStore inner) : IKeyStore, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ISigningKey>> _open = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Kind => inner.Kind;

    /// <summary>The store that does the work.</summary>
    public IKeyStore Inner => inner;

    /// <inheritdoc />
    public ISigningKey Generate(string label, KeyAlgorithm algorithm) => inner.Generate(label, algorithm);

    /// <inheritdoc />
    public ISigningKey Import(string label, ReadOnlySpan<byte> pkcs8) => inner.Import(label, pkcs8);

    /// <inheritdoc />
    public ISigningKey Open(string keyId)
    {
        var lazy = _open.GetOrAdd(keyId, id => new Lazy<ISigningKey>(() => inner.Open(id), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return new SharedKey(lazy.Value);
        }
        catch (KeyStoreException)
        {
            // Note: a key that could not be opened (token away, file missing) is tried again next time.
            _open.TryRemove(new KeyValuePair<string, Lazy<ISigningKey>>(keyId, lazy));
            throw;
        }
    }

    /// <inheritdoc />
    public byte[] Wrap(ReadOnlySpan<byte> plaintext, string context) => inner.Wrap(plaintext, context);

    /// <inheritdoc />
    public byte[] Unwrap(ReadOnlySpan<byte> blob, string context) => inner.Unwrap(blob, context);

    /// <inheritdoc />
    public string? Check() => inner.Check();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var lazy in _open.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Dispose();
        }

        _open.Clear();
        (inner as IDisposable)?.Dispose();
    }

    /// <summary>A cached key handed out to one caller: disposing it leaves the key open for the next.</summary>
    private sealed class SharedKey(ISigningKey key) : ISigningKey
    {
        public string KeyId => key.KeyId;

        public KeyAlgorithm Algorithm => key.Algorithm;

        public PublicKey PublicKey => key.PublicKey;

        public byte[] SignData(ReadOnlySpan<byte> data, HashAlgorithmName hash) => key.SignData(data, hash);

        public void Dispose()
        {
        }
    }
}
