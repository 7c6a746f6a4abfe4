using System.Security.Cryptography;
using MobileId.Pki.Keys;
using Net.Pkcs11Interop.Common;

namespace MobileId.Pki.Tests.Keys;

[Collection(SoftHsmCollection.Name)]
public sealed class Pkcs11KeyStoreWrapTests(SoftHsmFixture hsm)
{
    [Fact]
    public void Wrap_ThenUnwrapInTheSameContext_ReturnsThePlaintext()
    {
        // Arrange
        var secret = RandomNumberGenerator.GetBytes(1217);

        // Act
        var blob = hsm.Store.Wrap(secret, "serial:01AB");

        // Assert
        Assert.Equal(secret, hsm.Store.Unwrap(blob, "serial:01AB"));
        Assert.Equal("MIDP1"u8.ToArray(), blob[..5]);
        Assert.Equal(5 + 1 + 16 + 12 + secret.Length + 16, blob.Length); // magic, KEK id, nonce, ciphertext, 128-bit tag
        Assert.Equal(-1, blob.AsSpan().IndexOf(secret.AsSpan(0, 16)));
        Assert.NotEqual(blob, hsm.Store.Wrap(secret, "serial:01AB"));
    }

    [Fact]
    public void Wrap_EmptyPlaintext_RoundTrips()
    {
        var blob = hsm.Store.Wrap([], "empty");

        Assert.Empty(hsm.Store.Unwrap(blob, "empty"));
    }

    [Fact]
    public void Unwrap_WrongContext_ThrowsKeyStoreException()
    {
        var blob = hsm.Store.Wrap(RandomNumberGenerator.GetBytes(64), "serial:01AB");

        var error = Assert.Throws<KeyStoreException>(() => hsm.Store.Unwrap(blob, "serial:01AC"));

        Assert.Contains("altered or is used out of context", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unwrap_AnyByteAltered_ThrowsKeyStoreException()
    {
        // Arrange
        var blob = hsm.Store.Wrap(RandomNumberGenerator.GetBytes(48), "serial:01AB");

        // Act / Assert: every byte (magic, KEK id, nonce, ciphertext, tag) is covered.
        for (var i = 0; i < blob.Length; i++)
        {
            var altered = (byte[])blob.Clone();
            altered[i] ^= 0x01;
            Assert.Throws<KeyStoreException>(() => hsm.Store.Unwrap(altered, "serial:01AB"));
        }

        Assert.Throws<KeyStoreException>(() => hsm.Store.Unwrap(blob.AsSpan(0, blob.Length - 1), "serial:01AB"));
        Assert.Throws<KeyStoreException>(() => hsm.Store.Unwrap(blob.AsSpan(0, 10), "serial:01AB"));
    }

    [Fact]
    public void Unwrap_InANewStoreInstance_FindsTheSameKekByLabel()
    {
        // Arrange
        var secret = RandomNumberGenerator.GetBytes(32);
        var blob = hsm.Store.Wrap(secret, "ctx");

        // Act
        byte[] unwrapped;
        byte[] otherBlob;
        using (var other = new Pkcs11KeyStore(SoftHsmFixture.Options(), SoftHsmFixture.UserPin))
        {
            unwrapped = other.Unwrap(blob, "ctx");
            otherBlob = other.Wrap(secret, "ctx");
        }

        // Assert
        Assert.Equal(secret, unwrapped);
        Assert.Equal(secret, hsm.Store.Unwrap(otherBlob, "ctx"));
        Assert.Equal(1, CountSecretKeys(Pkcs11KeyStoreOptions.DefaultKekLabel));
    }

    [Fact]
    public void Wrap_Kek_IsANonExtractableAes256KeyInTheToken()
    {
        // Arrange
        hsm.Store.Wrap([1], "create the KEK");

        // Act
        var values = hsm.Store.Run("reading the KEK", session =>
        {
            var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
            var kek = Assert.Single(session.FindAllObjects([f.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), f.Create(CKA.CKA_LABEL, Pkcs11KeyStoreOptions.DefaultKekLabel)]));
            var attributes = session.GetAttributeValue(kek, [CKA.CKA_KEY_TYPE, CKA.CKA_VALUE_LEN, CKA.CKA_TOKEN, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_VALUE]);
            return (Type: (CKK)attributes[0].GetValueAsUlong(), Length: attributes[1].GetValueAsUlong(), Token: attributes[2].GetValueAsBool(),
                Sensitive: attributes[3].GetValueAsBool(), Extractable: attributes[4].GetValueAsBool(), ValueHidden: attributes[5].CannotBeRead);
        });

        // Assert
        Assert.Equal(CKK.CKK_AES, values.Type);
        Assert.Equal(32UL, values.Length);
        Assert.True(values.Token);
        Assert.True(values.Sensitive);
        Assert.False(values.Extractable);
        Assert.True(values.ValueHidden);
    }

    [Fact]
    public void Unwrap_KekNotOnTheToken_SaysWhichKekIsMissing()
    {
        // Arrange: a blob in the right format that names a KEK id the token does not hold.
        var blob = hsm.Store.Wrap([1, 2, 3], "ctx");
        var kekIdLength = blob[5];
        for (var i = 6; i < 6 + kekIdLength; i++)
        {
            blob[i] = 0xEE;
        }

        // Act
        var error = Assert.Throws<KeyStoreException>(() => hsm.Store.Unwrap(blob, "ctx"));

        // Assert
        Assert.Contains("key-encryption key eeee", error.Message, StringComparison.Ordinal);
    }

    private int CountSecretKeys(string label) => hsm.Store.Run("counting", session =>
    {
        var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
        return session.FindAllObjects([f.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), f.Create(CKA.CKA_LABEL, label)]).Count;
    });
}
