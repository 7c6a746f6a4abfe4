using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MobileId.Pki.Keys;

/// <summary>
/// Private keys as files in a directory, each a PKCS#8 key encrypted with AES-256-GCM under a
/// 256-bit master key. The master key comes from a file readable by the owner only (created
/// on first use with mode 0600) or, when set, from base64 text such as an environment variable.
/// </summary>
public sealed class SoftwareKeyStore : IKeyStore
{
    private const string Magic = "MIDK1";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly string _directory;
    private readonly byte[] _masterKey;

    /// <summary>Opens (and on first use creates) a software key store.</summary>
    /// <param name="directory">Where the key files live.</param>
    /// <param name="masterKeyBase64">The master key as base64 (32 bytes); null to use <c>master.key</c> in the directory.</param>
    public SoftwareKeyStore(string directory, string? masterKeyBase64 = null)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _masterKey = masterKeyBase64 is not null ? DecodeMasterKey(masterKeyBase64) : LoadOrCreateMasterKeyFile(Path.Combine(directory, "master.key"));
    }

    /// <inheritdoc />
    public string Kind => "software";

    /// <inheritdoc />
    public ISigningKey Generate(string label, KeyAlgorithm algorithm)
    {
        AsymmetricAlgorithm key = algorithm.IsEcdsa() ? ECDsa.Create(algorithm.Curve()) : RSA.Create(algorithm.RsaBits());
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            var path = PathOf(keyId);
            var blob = Encrypt(pkcs8, "key:" + keyId);
            WriteOwnerOnly(path, blob);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        return new SoftwareSigningKey(keyId, algorithm, key);
    }

    /// <inheritdoc />
    public ISigningKey Open(string keyId)
    {
        if (keyId.Length != 32 || !keyId.All(char.IsAsciiHexDigitLower))
        {
            throw new KeyStoreException($"'{keyId}' is not a software key identifier.");
        }

        var path = PathOf(keyId);
        if (!File.Exists(path))
        {
            throw new KeyStoreException($"Key {keyId} is not in the software key store at {_directory}.");
        }

        var pkcs8 = Decrypt(File.ReadAllBytes(path), "key:" + keyId);
        try
        {
            return SoftwareSigningKey.FromPkcs8(keyId, pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <inheritdoc />
    public ISigningKey Import(string label, ReadOnlySpan<byte> pkcs8)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var key = SoftwareSigningKey.FromPkcs8(keyId, pkcs8);
        try
        {
            WriteOwnerOnly(PathOf(keyId), Encrypt(pkcs8, "key:" + keyId));
        }
        catch
        {
            key.Dispose();
            throw;
        }

        return key;
    }

    /// <inheritdoc />
    public byte[] Wrap(ReadOnlySpan<byte> plaintext, string context) => Encrypt(plaintext, "wrap:" + context);

    /// <inheritdoc />
    public byte[] Unwrap(ReadOnlySpan<byte> blob, string context) => Decrypt(blob, "wrap:" + context);

    /// <inheritdoc />
    public string? Check() => Directory.Exists(_directory) ? null : $"The key directory {_directory} is missing.";

    private static void WriteOwnerOnly(string path, ReadOnlySpan<byte> content)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        stream.Write(content);
    }

    private string PathOf(string keyId) => Path.Combine(_directory, keyId + ".key");

    private byte[] Encrypt(ReadOnlySpan<byte> plaintext, string context)
    {
        var magic = Encoding.ASCII.GetBytes(Magic);
        var blob = new byte[magic.Length + NonceSize + TagSize + plaintext.Length];
        magic.CopyTo(blob, 0);
        var nonce = blob.AsSpan(magic.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_masterKey, TagSize);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(magic.Length + NonceSize + TagSize), blob.AsSpan(magic.Length + NonceSize, TagSize),
            Encoding.UTF8.GetBytes(context));
        return blob;
    }

    private byte[] Decrypt(ReadOnlySpan<byte> blob, string context)
    {
        var magic = Encoding.ASCII.GetBytes(Magic);
        if (blob.Length < magic.Length + NonceSize + TagSize || !blob[..magic.Length].SequenceEqual(magic))
        {
            throw new KeyStoreException("The data is not a MobileId software key-store blob.");
        }

        var plaintext = new byte[blob.Length - magic.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_masterKey, TagSize);
        try
        {
            aes.Decrypt(blob.Slice(magic.Length, NonceSize), blob[(magic.Length + NonceSize + TagSize)..],
                blob.Slice(magic.Length + NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(context));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new KeyStoreException("The encrypted key does not decrypt: it was altered, belongs to another master key, or is used out of context.", ex);
        }

        return plaintext;
    }

    private static byte[] DecodeMasterKey(string base64)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException ex)
        {
            throw new KeyStoreException("The master key is not base64.", ex);
        }

        return key.Length == 32 ? key : throw new KeyStoreException($"The master key must be 32 bytes (256 bits); it is {key.Length}.");
    }

    private static byte[] LoadOrCreateMasterKeyFile(string path)
    {
        if (File.Exists(path))
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                throw new KeyStoreException($"The master key file {path} can be read by other users; run: chmod 600 {path}");
            }

            return DecodeMasterKey(File.ReadAllText(path));
        }

        var key = RandomNumberGenerator.GetBytes(32);
        // Note: the file is made owner-only before the key is written into it.
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
        }

        return key;
    }
}

/// <summary>A key held in memory after it was read from the software store.</summary>
internal sealed class SoftwareSigningKey(string keyId, KeyAlgorithm algorithm, AsymmetricAlgorithm key) : ISigningKey
{
    public string KeyId { get; } = keyId;
    public KeyAlgorithm Algorithm { get; } = algorithm;
    public PublicKey PublicKey { get; } = key is ECDsa ec ? new PublicKey(ec) : new PublicKey((RSA)key);

    public byte[] SignData(ReadOnlySpan<byte> data, HashAlgorithmName hash) => key switch
    {
        ECDsa ec => ec.SignData(data, hash, DSASignatureFormat.Rfc3279DerSequence),
        RSA rsa => rsa.SignData(data, hash, RSASignaturePadding.Pkcs1),
        _ => throw new KeyStoreException("Unsupported key type."),
    };

    public void Dispose() => key.Dispose();

    public static SoftwareSigningKey FromPkcs8(string keyId, ReadOnlySpan<byte> pkcs8)
    {
        var key = Pkcs8Key.Load(pkcs8, out var algorithm);
        return new SoftwareSigningKey(keyId, algorithm, key);
    }
}
