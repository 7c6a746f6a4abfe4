using System.Security.Cryptography;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests;

public sealed class SoftwareKeyStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mid-keys-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.EcdsaP384)]
    [InlineData(KeyAlgorithm.Rsa2048)]
    [InlineData(KeyAlgorithm.Rsa3072)]
    public void Generate_ThenOpenInANewStore_SignsVerifiablyWithTheSameKey(KeyAlgorithm algorithm)
    {
        // Arrange
        var data = "to be signed"u8.ToArray();
        string keyId;
        byte[] publicKey;
        using (var key = new SoftwareKeyStore(_directory).Generate("ca", algorithm))
        {
            keyId = key.KeyId;
            publicKey = key.PublicKey.ExportSubjectPublicKeyInfo();
        }

        // Act
        using var reopened = new SoftwareKeyStore(_directory).Open(keyId);
        var signature = reopened.SignData(data, algorithm.Hash());

        // Assert
        Assert.Equal(algorithm, reopened.Algorithm);
        Assert.Equal(publicKey, reopened.PublicKey.ExportSubjectPublicKeyInfo());
        if (algorithm.IsEcdsa())
        {
            using var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(publicKey, out _);
            Assert.True(ec.VerifyData(data, signature, algorithm.Hash(), DSASignatureFormat.Rfc3279DerSequence));
        }
        else
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(publicKey, out _);
            Assert.True(rsa.VerifyData(data, signature, algorithm.Hash(), RSASignaturePadding.Pkcs1));
        }
    }

    [Fact]
    public void Files_OnDisk_AreOwnerOnlyAndHoldNoPlainKey()
    {
        // Arrange / Act
        var store = new SoftwareKeyStore(_directory);
        using var key = store.Generate("ca", KeyAlgorithm.EcdsaP256);

        // Assert
        var master = Path.Combine(_directory, "master.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(master));
        var keyFile = Path.Combine(_directory, key.KeyId + ".key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        var bytes = File.ReadAllBytes(keyFile);
        Assert.StartsWith("MIDK1", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));
        Assert.Throws<CryptographicException>(() => ECDsa.Create().ImportPkcs8PrivateKey(bytes.AsSpan(5 + 12 + 16), out _));
    }

    [Fact]
    public void Open_MasterKeyReadableByOthers_IsRefusedWithTheFix()
    {
        var store = new SoftwareKeyStore(_directory);
        using var key = store.Generate("ca", KeyAlgorithm.EcdsaP256);
        File.SetUnixFileMode(Path.Combine(_directory, "master.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var error = Assert.Throws<KeyStoreException>(() => new SoftwareKeyStore(_directory));
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrap_Unwrap_RoundTripsOnlyInTheSameContextAndUnaltered()
    {
        var store = new SoftwareKeyStore(_directory);
        var secret = RandomNumberGenerator.GetBytes(100);

        var blob = store.Wrap(secret, "serial:01AB");

        Assert.Equal(secret, store.Unwrap(blob, "serial:01AB"));
        Assert.Throws<KeyStoreException>(() => store.Unwrap(blob, "serial:01AC"));
        blob[^1] ^= 1;
        Assert.Throws<KeyStoreException>(() => store.Unwrap(blob, "serial:01AB"));
    }

    [Fact]
    public void Open_WithAnotherMasterKey_FailsWithAClearMessage()
    {
        string keyId;
        using (var key = new SoftwareKeyStore(_directory).Generate("ca", KeyAlgorithm.EcdsaP256))
        {
            keyId = key.KeyId;
        }

        var other = new SoftwareKeyStore(_directory, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        var error = Assert.Throws<KeyStoreException>(() => other.Open(keyId));
        Assert.Contains("another master key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Create_BadMasterKeyText_IsRefused(string masterKey) =>
        Assert.Throws<KeyStoreException>(() => new SoftwareKeyStore(_directory, masterKey));

    [Fact]
    public void Open_UnknownOrMalformedKeyId_IsRefused()
    {
        var store = new SoftwareKeyStore(_directory);
        Assert.Throws<KeyStoreException>(() => store.Open("../../etc/passwd"));
        Assert.Throws<KeyStoreException>(() => store.Open(new string('a', 32)));
    }

    public static TheoryData<KeyAlgorithm> AllAlgorithms() =>
        [KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP384, KeyAlgorithm.Rsa2048, KeyAlgorithm.Rsa3072, KeyAlgorithm.Rsa4096];

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public void Import_EachAlgorithm_OpensAgainAndSignsVerifiablyWithTheOriginalPublicKey(KeyAlgorithm algorithm)
    {
        // Arrange
        var data = "signed by an imported CA key"u8.ToArray();
        using AsymmetricAlgorithm original = algorithm.IsEcdsa() ? ECDsa.Create(algorithm.Curve()) : RSA.Create(algorithm.RsaBits());
        var pkcs8 = original.ExportPkcs8PrivateKey();
        string keyId;

        // Act
        using (var imported = new SoftwareKeyStore(_directory).Import("imported-ca", pkcs8))
        {
            keyId = imported.KeyId;
            Assert.Equal(algorithm, imported.Algorithm);
        }

        using var reopened = new SoftwareKeyStore(_directory).Open(keyId);
        var signature = reopened.SignData(data, algorithm.Hash());

        // Assert
        Assert.Equal(algorithm, reopened.Algorithm);
        Assert.True(original switch
        {
            ECDsa ec => ec.VerifyData(data, signature, algorithm.Hash(), DSASignatureFormat.Rfc3279DerSequence),
            RSA rsa => rsa.VerifyData(data, signature, algorithm.Hash(), RSASignaturePadding.Pkcs1),
            _ => false,
        });
        var file = File.ReadAllBytes(Path.Combine(_directory, keyId + ".key"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, keyId + ".key")));
        Assert.Equal(-1, file.AsSpan().IndexOf(pkcs8.AsSpan(pkcs8.Length - 32)));
    }

    [Theory]
    [InlineData("nistP521", 0, "ECDSA on")]
    [InlineData("secp256k1", 0, "ECDSA on")]
    [InlineData(null, 1024, "RSA 1024")]
    public void Import_KeyOfAnotherCurveOrSize_IsRefusedNamingIt(string? curve, int rsaBits, string named)
    {
        using AsymmetricAlgorithm key = curve is null ? RSA.Create(rsaBits) : ECDsa.Create(ECCurve.CreateFromFriendlyName(curve));
        var store = new SoftwareKeyStore(_directory);

        var error = Assert.Throws<KeyStoreException>(() => store.Import("weak", key.ExportPkcs8PrivateKey()));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("MobileId uses RSA 2048, 3072 or 4096 and ECDSA P-256 or P-384", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFiles(_directory, "*.key"), f => !f.EndsWith("master.key", StringComparison.Ordinal));
    }

    [Fact]
    public void Import_NotAKey_IsRefused()
    {
        var store = new SoftwareKeyStore(_directory);

        var error = Assert.Throws<KeyStoreException>(() => store.Import("junk", "not a key"u8));

        Assert.Contains("not an RSA or ECDSA private key", error.Message, StringComparison.Ordinal);
    }
}
