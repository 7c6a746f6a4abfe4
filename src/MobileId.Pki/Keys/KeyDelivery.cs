using System.Security.Cryptography;
using System.Text;
using MobileId.Protocol.Device;

namespace MobileId.Pki.Keys;

/// <summary>
/// Encrypts server-made and recovered private keys to the EC P-256 key a device made for its
/// collection session (ECIES): a one-time P-256 key agreement, HKDF-SHA256 over the shared
/// secret with the context as info, and AES-256-GCM with the context as associated data. Only the
/// holder of the session key can decrypt, and a blob moved to another slot or session fails.
/// </summary>
public static class KeyDelivery
{
    /// <summary>The context a key delivered in a collection package is bound to: <c>{mobileId}|{slot}|{serialNumber}</c> (docs/protocol.md).</summary>
    public static string PackageContext(Guid mobileId, int slot, string serialNumber) => $"{mobileId:D}|{slot}|{serialNumber}";

    /// <summary>The context an unlock key delivered to a device is bound to: <c>unlock|{requestId}|{mobileId}</c> (docs/protocol.md).</summary>
    public static string UnlockContext(Guid requestId, Guid mobileId) => $"unlock|{requestId:D}|{mobileId:D}";

    /// <summary>Encrypts <paramref name="plaintext"/> to the device's session key.</summary>
    public static EncryptedKey Encrypt(ReadOnlySpan<byte> sessionKeySpki, ReadOnlySpan<byte> plaintext, string context)
    {
        using var device = ECDiffieHellman.Create();
        device.ImportSubjectPublicKeyInfo(sessionKeySpki, out _);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var key = DeriveKey(ephemeral, device.PublicKey, context);
        try
        {
            var nonce = RandomNumberGenerator.GetBytes(12);
            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[16];
            using var aes = new AesGcm(key, 16);
            aes.Encrypt(nonce, plaintext, ciphertext, tag, Encoding.UTF8.GetBytes(context));
            return new EncryptedKey(Convert.ToBase64String(ephemeral.ExportSubjectPublicKeyInfo()), Convert.ToBase64String(nonce),
                Convert.ToBase64String(ciphertext), Convert.ToBase64String(tag));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Decrypts with the session's private key (the device side).</summary>
    /// <exception cref="CryptographicException">Wrong key, wrong context, or altered data.</exception>
    public static byte[] Decrypt(ECDiffieHellman sessionKey, EncryptedKey encrypted, string context)
    {
        using var ephemeral = ECDiffieHellman.Create();
        ephemeral.ImportSubjectPublicKeyInfo(Convert.FromBase64String(encrypted.EphemeralKey), out _);
        var key = DeriveKey(sessionKey, ephemeral.PublicKey, context);
        try
        {
            var ciphertext = Convert.FromBase64String(encrypted.Ciphertext);
            var plaintext = new byte[ciphertext.Length];
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(Convert.FromBase64String(encrypted.Nonce), ciphertext, Convert.FromBase64String(encrypted.Tag), plaintext, Encoding.UTF8.GetBytes(context));
            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[] DeriveKey(ECDiffieHellman own, ECDiffieHellmanPublicKey other, string context)
    {
        var secret = own.DeriveRawSecretAgreement(other);
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: Encoding.UTF8.GetBytes("MobileId key delivery v1|" + context));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
