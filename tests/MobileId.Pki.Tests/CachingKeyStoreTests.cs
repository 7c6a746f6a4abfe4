using System.Security.Cryptography;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests;

public sealed class CachingKeyStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mid-cache-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Open_Twice_DecryptsOnceAndADisposedCopyLeavesTheKeyUsable()
    {
        // Arrange
        using var store = new CachingKeyStore(new SoftwareKeyStore(_directory));
        string keyId;
        using (var made = store.Generate("ca", KeyAlgorithm.EcdsaP256))
        {
            keyId = made.KeyId;
        }

        var first = store.Open(keyId);
        var publicKey = first.PublicKey.ExportSubjectPublicKeyInfo();
        first.Dispose();
        File.Delete(Path.Combine(_directory, Directory.GetFiles(_directory, keyId + "*").Select(Path.GetFileName).Single()!));

        // Act: the file is gone, so only the cached key can sign.
        using var second = store.Open(keyId);
        var signature = second.SignData("data"u8, HashAlgorithmName.SHA256);

        // Assert
        using var ec = ECDsa.Create();
        ec.ImportSubjectPublicKeyInfo(publicKey, out _);
        Assert.True(ec.VerifyData("data"u8, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Throws<KeyStoreException>(() => new SoftwareKeyStore(_directory).Open(keyId));
    }

    [Fact]
    public void Open_AfterAFailure_TriesTheStoreAgain()
    {
        // Arrange: a store whose first open fails, as when a token is briefly away.
        var software = new SoftwareKeyStore(_directory);
        string keyId;
        using (var made = software.Generate("ca", KeyAlgorithm.EcdsaP256))
        {
            keyId = made.KeyId;
        }

        var flaky = new FailsOnceStore(software);
        using var store = new CachingKeyStore(flaky);

        // Act
        var failure = Assert.Throws<KeyStoreException>(() => store.Open(keyId));
        using var opened = store.Open(keyId);
        using var again = store.Open(keyId);

        // Assert: failed once, opened once, then served from the cache.
        Assert.Equal("token away", failure.Message);
        Assert.Equal(keyId, opened.KeyId);
        Assert.Equal(2, flaky.Opens);
    }

    private sealed class FailsOnceStore(IKeyStore inner) : IKeyStore
    {
        public int Opens { get; private set; }

        public string Kind => inner.Kind;

        public ISigningKey Generate(string label, KeyAlgorithm algorithm) => inner.Generate(label, algorithm);

        public ISigningKey Import(string label, ReadOnlySpan<byte> pkcs8) => inner.Import(label, pkcs8);

        public ISigningKey Open(string keyId) => ++Opens == 1 ? throw new KeyStoreException("token away") : inner.Open(keyId);

        public byte[] Wrap(ReadOnlySpan<byte> plaintext, string context) => inner.Wrap(plaintext, context);

        public byte[] Unwrap(ReadOnlySpan<byte> blob, string context) => inner.Unwrap(blob, context);

        public string? Check() => inner.Check();
    }
}
