using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace MobileId.Pki.Tests.Keys;

[Collection(SoftHsmCollection.Name)]
public sealed class Pkcs11KeyStoreTests(SoftHsmFixture hsm)
{
    private static readonly byte[] Data = "to be signed inside the token"u8.ToArray();

    public static TheoryData<KeyAlgorithm> Algorithms() =>
        [KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP384, KeyAlgorithm.Rsa2048, KeyAlgorithm.Rsa3072, KeyAlgorithm.Rsa4096];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Generate_EachAlgorithm_SignsVerifiablyWithTheTokensPublicKey(KeyAlgorithm algorithm)
    {
        // Arrange
        using var key = hsm.Store.Generate("ca-" + algorithm, algorithm);

        // Act
        var signature = key.SignData(Data, algorithm.Hash());

        // Assert
        Assert.Equal(algorithm, key.Algorithm);
        Assert.Matches("^[0-9a-f]{32}$", key.KeyId);
        Assert.True(Verify(key.PublicKey, algorithm, Data, signature, algorithm.Hash()));
        Assert.False(Verify(key.PublicKey, algorithm, "other data"u8.ToArray(), signature, algorithm.Hash()));
        if (algorithm.IsEcdsa())
        {
            using var ec = key.PublicKey.GetECDsaPublicKey()!;
            Assert.Equal(algorithm.Curve().Oid.Value, ec.ExportParameters(false).Curve.Oid.Value);
        }
        else
        {
            using var rsa = key.PublicKey.GetRSAPublicKey()!;
            Assert.Equal(algorithm.RsaBits(), rsa.KeySize);
            Assert.Equal(new byte[] { 1, 0, 1 }, rsa.ExportParameters(false).Exponent);
        }
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256, "SHA256")]
    [InlineData(KeyAlgorithm.EcdsaP256, "SHA384")]
    [InlineData(KeyAlgorithm.EcdsaP384, "SHA512")]
    [InlineData(KeyAlgorithm.Rsa2048, "SHA256")]
    [InlineData(KeyAlgorithm.Rsa2048, "SHA384")]
    [InlineData(KeyAlgorithm.Rsa2048, "SHA512")]
    public void SignData_AnySupportedHash_VerifiesInDotNet(KeyAlgorithm algorithm, string hashName)
    {
        // Arrange
        var hash = new HashAlgorithmName(hashName);
        using var key = hsm.Store.Generate("hashes", algorithm);

        // Act
        var signature = key.SignData(Data, hash);

        // Assert
        Assert.True(Verify(key.PublicKey, algorithm, Data, signature, hash));
    }

    [Fact]
    public void SignData_Md5_ThrowsCryptographicException()
    {
        using var key = hsm.Store.Generate("md5", KeyAlgorithm.EcdsaP256);

        Assert.Throws<CryptographicException>(() => key.SignData(Data, HashAlgorithmName.MD5));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Rsa2048)]
    public void Generate_PrivateKey_IsASensitiveNonExtractableTokenObject(KeyAlgorithm algorithm)
    {
        // Arrange
        using var key = hsm.Store.Generate("non-extractable", algorithm);

        // Act
        var (values, secretValue) = PrivateKeyAttributes(key);

        // Assert
        Assert.True(values[CKA.CKA_TOKEN]);
        Assert.True(values[CKA.CKA_PRIVATE]);
        Assert.True(values[CKA.CKA_SENSITIVE]);
        Assert.True(values[CKA.CKA_ALWAYS_SENSITIVE]);
        Assert.False(values[CKA.CKA_EXTRACTABLE]);
        Assert.True(values[CKA.CKA_NEVER_EXTRACTABLE]);
        Assert.True(values[CKA.CKA_LOCAL], "generated inside the token");
        Assert.True(values[CKA.CKA_SIGN]);
        Assert.False(values[CKA.CKA_DECRYPT]);
        Assert.True(secretValue.CannotBeRead, "C_GetAttributeValue must refuse the private value (CKR_ATTRIBUTE_SENSITIVE)");
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Import_EachAlgorithm_OpensInANewStoreAndSignsVerifiablyWithTheOriginalPublicKey(KeyAlgorithm algorithm)
    {
        // Arrange
        using AsymmetricAlgorithm original = algorithm.IsEcdsa() ? ECDsa.Create(algorithm.Curve()) : RSA.Create(algorithm.RsaBits());
        var pkcs8 = original.ExportPkcs8PrivateKey();
        var originalPublicKey = original is ECDsa ec ? new PublicKey(ec) : new PublicKey((RSA)original);

        // Act
        using var imported = hsm.Store.Import("imported-" + algorithm, pkcs8);
        using var other = new Pkcs11KeyStore(SoftHsmFixture.Options(), SoftHsmFixture.UserPin);
        using var reopened = other.Open(imported.KeyId);
        var signature = reopened.SignData(Data, algorithm.Hash());

        // Assert
        Assert.Equal(algorithm, imported.Algorithm);
        Assert.Equal(algorithm, reopened.Algorithm);
        Assert.Equal(originalPublicKey.ExportSubjectPublicKeyInfo(), reopened.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.True(Verify(originalPublicKey, algorithm, Data, signature, algorithm.Hash()));
        Assert.True(Verify(originalPublicKey, algorithm, Data, imported.SignData(Data, algorithm.Hash()), algorithm.Hash()));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP384)]
    [InlineData(KeyAlgorithm.Rsa2048)]
    public void Import_PrivateKey_IsASensitiveNonExtractableSigningObjectThatRemembersItCameFromOutside(KeyAlgorithm algorithm)
    {
        // Arrange
        using AsymmetricAlgorithm original = algorithm.IsEcdsa() ? ECDsa.Create(algorithm.Curve()) : RSA.Create(algorithm.RsaBits());
        using var key = hsm.Store.Import("imported-flags", original.ExportPkcs8PrivateKey());

        // Act
        var (values, secretValue) = PrivateKeyAttributes(key);
        var label = hsm.Store.Run("reading the label", session => session.GetAttributeValue(((Pkcs11SigningKey)key).PrivateKey, [CKA.CKA_LABEL])[0].GetValueAsString());

        // Assert
        Assert.True(values[CKA.CKA_TOKEN]);
        Assert.True(values[CKA.CKA_PRIVATE]);
        Assert.True(values[CKA.CKA_SENSITIVE]);
        Assert.False(values[CKA.CKA_EXTRACTABLE]);
        Assert.True(values[CKA.CKA_SIGN]);
        Assert.False(values[CKA.CKA_DECRYPT]);
        Assert.False(values[CKA.CKA_LOCAL], "imported, not generated inside the token");
        Assert.False(values[CKA.CKA_ALWAYS_SENSITIVE], "the value was known outside the token");
        Assert.True(secretValue.CannotBeRead, "C_GetAttributeValue must refuse the private value (CKR_ATTRIBUTE_SENSITIVE)");
        Assert.Equal("imported-flags", label);
    }

    [Fact]
    public void Import_KeyOfAnotherCurve_IsRefusedBeforeTheTokenIsTouched()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP521);

        var error = Assert.Throws<KeyStoreException>(() => hsm.Store.Import("p521", key.ExportPkcs8PrivateKey()));

        Assert.Contains("MobileId uses RSA 2048, 3072 or 4096 and ECDSA P-256 or P-384", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_InANewStoreInstance_SignsWithTheSameKeyAndLeavesOtherStoresWorking()
    {
        // Arrange
        using var key = hsm.Store.Generate("reopened", KeyAlgorithm.EcdsaP384);
        var publicKey = key.PublicKey.ExportSubjectPublicKeyInfo();

        // Act
        byte[] signature;
        using (var other = new Pkcs11KeyStore(SoftHsmFixture.Options(), SoftHsmFixture.UserPin))
        {
            using var reopened = other.Open(key.KeyId.ToUpperInvariant());
            Assert.Equal(key.KeyId, reopened.KeyId);
            Assert.Equal(KeyAlgorithm.EcdsaP384, reopened.Algorithm);
            Assert.Equal(publicKey, reopened.PublicKey.ExportSubjectPublicKeyInfo());
            signature = reopened.SignData(Data, HashAlgorithmName.SHA384);
        }

        // Assert
        Assert.True(Verify(key.PublicKey, KeyAlgorithm.EcdsaP384, Data, signature, HashAlgorithmName.SHA384));
        // Note: disposing the second store must not finalise the module under the first one.
        Assert.True(Verify(key.PublicKey, KeyAlgorithm.EcdsaP384, Data, key.SignData(Data, HashAlgorithmName.SHA384), HashAlgorithmName.SHA384));
        Assert.Null(hsm.Store.Check());
    }

    [Fact]
    public void Open_RsaKeyInANewStoreInstance_ReportsItsSize()
    {
        using var key = hsm.Store.Generate("reopened-rsa", KeyAlgorithm.Rsa3072);
        using var other = new Pkcs11KeyStore(SoftHsmFixture.Options(), SoftHsmFixture.UserPin);

        using var reopened = other.Open(key.KeyId);

        Assert.Equal(KeyAlgorithm.Rsa3072, reopened.Algorithm);
        Assert.Equal(key.PublicKey.ExportSubjectPublicKeyInfo(), reopened.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.True(Verify(key.PublicKey, KeyAlgorithm.Rsa3072, Data, reopened.SignData(Data, HashAlgorithmName.SHA384), HashAlgorithmName.SHA384));
    }

    [Theory]
    [InlineData("00112233445566778899aabbccddeeff", "not on the PKCS#11 token")]
    [InlineData("../../etc/passwd", "not a PKCS#11 key identifier")]
    [InlineData("abc", "not a PKCS#11 key identifier")]
    [InlineData("", "not a PKCS#11 key identifier")]
    public void Open_UnknownOrMalformedKeyId_ThrowsKeyStoreException(string keyId, string message)
    {
        var error = Assert.Throws<KeyStoreException>(() => hsm.Store.Open(keyId));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignData_FromManyThreads_AllSignaturesVerify()
    {
        // Arrange
        using var ec = hsm.Store.Generate("threads-ec", KeyAlgorithm.EcdsaP256);
        using var rsa = hsm.Store.Generate("threads-rsa", KeyAlgorithm.Rsa2048);
        var results = new (ISigningKey Key, byte[] Data, byte[] Signature)[200];

        // Act
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            var key = i % 2 == 0 ? ec : rsa;
            var data = BitConverter.GetBytes(i);
            results[i] = (key, data, key.SignData(data, HashAlgorithmName.SHA256));
        });

        // Assert
        Assert.All(results, r => Assert.True(Verify(r.Key.PublicKey, r.Key.Algorithm, r.Data, r.Signature, HashAlgorithmName.SHA256)));
    }

    [Fact]
    public void ListObjects_WithPkcs11Tool_ShowsThePrivateKeyWithItsLabelAndNeverExtractable()
    {
        // Arrange
        var label = "pkcs11-tool-" + Guid.NewGuid().ToString("N")[..8];
        using var key = hsm.Store.Generate(label, KeyAlgorithm.EcdsaP256);

        // Act
        var result = hsm.Run("pkcs11-tool", "--module", SoftHsmFixture.Module, "--token-label", SoftHsmFixture.TokenLabel,
            "--list-objects", "--login", "--pin", SoftHsmFixture.UserPin);

        // Assert
        result.AssertSucceeded();
        var objects = result.StandardOutput.Split(["\nPrivate Key Object", "\nPublic Key Object", "\nSecret Key Object", "\nData object", "\nCertificate Object"],
            StringSplitOptions.None);
        var privateKey = Assert.Single(objects, o => o.Contains("label:      " + label + "\n", StringComparison.Ordinal)
            && o.StartsWith("; EC\n", StringComparison.Ordinal));
        Assert.Contains("ID:         " + key.KeyId, privateKey, StringComparison.Ordinal);
        Assert.Contains("sign", privateKey, StringComparison.Ordinal);
        Assert.Contains("sensitive, always sensitive, never extractable, local", privateKey, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_HealthyToken_ReturnsNull() => Assert.Null(hsm.Store.Check());

    [Fact]
    public void Check_BadLibraryPath_SaysTheLibraryIsMissingAndHowToFixIt()
    {
        // Arrange
        using var store = new Pkcs11KeyStore(new Pkcs11KeyStoreOptions { LibraryPath = "/usr/lib/no-such/libpkcs11.so", TokenLabel = "x" }, "1");

        // Act
        var message = store.Check();
        var error = Assert.Throws<KeyStoreException>(() => store.Generate("x", KeyAlgorithm.EcdsaP256));

        // Assert
        Assert.NotNull(message);
        Assert.Contains("/usr/lib/no-such/libpkcs11.so does not exist", message, StringComparison.Ordinal);
        Assert.Contains("LibraryPath", message, StringComparison.Ordinal);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Check_FileIsNotALibrary_SaysItCannotBeLoaded()
    {
        // Arrange
        var path = Path.Combine(hsm.Directory, "not-a-module.so");
        File.WriteAllText(path, "this is not an ELF file");
        using var store = new Pkcs11KeyStore(new Pkcs11KeyStoreOptions { LibraryPath = path, TokenLabel = "x" }, "1");

        // Act
        var message = store.Check();

        // Assert
        Assert.NotNull(message);
        Assert.Contains($"{path} could not be loaded as a PKCS#11 library", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnknownTokenLabel_NamesTheTokensPresentAndHowToCreateOne()
    {
        // Arrange
        using var store = new Pkcs11KeyStore(SoftHsmFixture.Options("no-such-token"), SoftHsmFixture.UserPin);

        // Act
        var message = store.Check();
        var error = Assert.Throws<KeyStoreException>(() => store.Open("00112233445566778899aabbccddeeff"));

        // Assert
        Assert.NotNull(message);
        Assert.Contains("No PKCS#11 token 'no-such-token'", message, StringComparison.Ordinal);
        Assert.Contains($"'{SoftHsmFixture.TokenLabel}'", message, StringComparison.Ordinal);
        Assert.Contains("softhsm2-util --init-token --free --label no-such-token", message, StringComparison.Ordinal);
        Assert.Equal(message, error.Message);
        Assert.Null(hsm.Store.Check());
    }

    [Fact]
    public void Check_WrongPin_SaysThePinIsWrong()
    {
        // Arrange
        using var store = new Pkcs11KeyStore(SoftHsmFixture.Options(SoftHsmFixture.PinTokenLabel), "0000");

        // Act
        var message = store.Check();
        var error = Assert.Throws<KeyStoreException>(() => store.Wrap([1, 2, 3], "ctx"));

        // Assert
        Assert.NotNull(message);
        Assert.Contains("user PIN for PKCS#11 token 'mobileid-pin' is wrong", message, StringComparison.Ordinal);
        Assert.Equal(message, error.Message);
        Assert.Equal(CKR.CKR_PIN_INCORRECT, Assert.IsType<Pkcs11Exception>(error.InnerException).RV);
    }

    [Fact]
    public void Check_AfterAWrongPin_DoesNotLogInAgain()
    {
        // Arrange
        using var store = new Pkcs11KeyStore(SoftHsmFixture.Options(SoftHsmFixture.PinTokenLabel), "0000");
        var first = Assert.Throws<KeyStoreException>(() => store.Open("00112233445566778899aabbccddeeff"));

        // Act
        var message = store.Check();
        var second = Assert.Throws<KeyStoreException>(() => store.Generate("x", KeyAlgorithm.EcdsaP256));

        // Assert: the same C_Login failure is reported, no new one was made.
        Assert.Equal(first.Message, message);
        Assert.Same(first.InnerException, second.InnerException);
    }

    [Fact]
    public void Check_RightPinAfterAWrongOne_ReturnsNull()
    {
        using (var wrong = new Pkcs11KeyStore(SoftHsmFixture.Options(SoftHsmFixture.PinTokenLabel), "0000"))
        {
            Assert.NotNull(wrong.Check());
        }

        using var right = new Pkcs11KeyStore(SoftHsmFixture.Options(SoftHsmFixture.PinTokenLabel), SoftHsmFixture.UserPin);

        Assert.Null(right.Check());
    }

    [Theory]
    [InlineData("", "mobileid-test", "5678", "LibraryPath")]
    [InlineData(SoftHsmFixture.Module, null, "5678", "TokenLabel")]
    [InlineData(SoftHsmFixture.Module, "mobileid-test", "", "user PIN")]
    public void Create_MissingSetting_ThrowsKeyStoreExceptionNamingIt(string library, string? token, string pin, string named)
    {
        var error = Assert.Throws<KeyStoreException>(() => new Pkcs11KeyStore(new Pkcs11KeyStoreOptions { LibraryPath = library, TokenLabel = token }, pin));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_AfterDispose_ThrowsObjectDisposedException()
    {
        var store = new Pkcs11KeyStore(SoftHsmFixture.Options(), SoftHsmFixture.UserPin);
        Assert.Null(store.Check());

        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.Generate("late", KeyAlgorithm.EcdsaP256));
        Assert.Null(hsm.Store.Check());
    }

    /// <summary>The private key object's flags, and its private value as the token answers for it.</summary>
    private (Dictionary<CKA, bool> Flags, IObjectAttribute Secret) PrivateKeyAttributes(ISigningKey key)
    {
        var handle = ((Pkcs11SigningKey)key).PrivateKey;
        List<CKA> flags = [CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_SENSITIVE, CKA.CKA_ALWAYS_SENSITIVE, CKA.CKA_EXTRACTABLE,
            CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_SIGN, CKA.CKA_DECRYPT, CKA.CKA_LOCAL];
        var secret = key.Algorithm.IsEcdsa() ? CKA.CKA_VALUE : CKA.CKA_PRIVATE_EXPONENT;
        var values = hsm.Store.Run("reading attributes", session => session.GetAttributeValue(handle, flags).ToDictionary(a => (CKA)a.Type, a => a.GetValueAsBool()));
        return (values, hsm.Store.Run("reading the private value", session => session.GetAttributeValue(handle, [secret])[0]));
    }

    internal static bool Verify(PublicKey publicKey, KeyAlgorithm algorithm, byte[] data, byte[] signature, HashAlgorithmName hash)
    {
        if (algorithm.IsEcdsa())
        {
            using var ec = publicKey.GetECDsaPublicKey()!;
            return ec.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        using var rsa = publicKey.GetRSAPublicKey()!;
        return rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
    }
}
