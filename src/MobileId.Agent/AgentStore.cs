using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MobileId.Pki.Keys;

namespace MobileId.Agent;

/// <summary>A certificate the agent holds, with its private key encrypted under the PIN key (AES-256-GCM, the serial as associated data).</summary>
public sealed record StoredCertificate(int Slot, string Container, string Mode, string SerialNumber, string Certificate, string? KeyNonce, string? KeyCiphertext, string? KeyTag);

/// <summary>A mobile ID the agent collected.</summary>
public sealed record StoredIdentity(Guid MobileId, string Server, string Profile, string Holder, DateTime CollectedAt, List<StoredCertificate> Certificates,
    List<string> Chain, List<string> Skipped);

/// <summary>The store file: the PIN's salt and verifier, the try counter, the pinned root, and the identities.</summary>
public sealed class StoreFile
{
    public int Version { get; set; } = 1;
    public string Salt { get; set; } = "";
    public int Iterations { get; set; }
    public string Verifier { get; set; } = "";
    public int FailedPins { get; set; }
    public int MaxPinTries { get; set; } = 10;
    public string? RootFingerprint { get; set; }
    public List<StoredIdentity> Identities { get; set; } = [];
}

/// <summary>A PIN rejected: how many tries are left, or the store was wiped.</summary>
public sealed class PinException(string message) : Exception(message);

/// <summary>
/// The agent's key store: one JSON file in a directory only its owner can read. Private keys are
/// encrypted with AES-256-GCM under a key derived from the PIN (PBKDF2-HMAC-SHA256, 600,000
/// iterations, random salt). A wrong PIN is counted; at the limit the store is wiped, as a smart
/// card blocks.
/// </summary>
public sealed class AgentStore
{
    public const int MinimumPinLength = 6;
    private const int Iterations = 600_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly string _path;
    private readonly byte[] _key;

    private AgentStore(string path, StoreFile file, byte[] key)
    {
        _path = path;
        Contents = file;
        _key = key;
    }

    public StoreFile Contents { get; }

    public static string PathIn(string directory) => Path.Combine(directory, "store.json");

    /// <summary>Reads the store without the PIN (public information only).</summary>
    public static StoreFile? Peek(string directory) =>
        File.Exists(PathIn(directory)) ? JsonSerializer.Deserialize<StoreFile>(File.ReadAllText(PathIn(directory)), Json) : null;

    /// <summary>Opens the store with the PIN, creating it on first use.</summary>
    /// <exception cref="PinException">The PIN is wrong or too short.</exception>
    public static AgentStore Open(string directory, string pin)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            if (pin.Length < MinimumPinLength)
            {
                throw new PinException($"Choose a PIN of at least {MinimumPinLength} characters.");
            }

            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var salt = RandomNumberGenerator.GetBytes(16);
            var key = Derive(pin, salt, Iterations);
            var created = new StoreFile { Salt = Convert.ToBase64String(salt), Iterations = Iterations, Verifier = Convert.ToBase64String(Verifier(key)) };
            var store = new AgentStore(path, created, key);
            store.Save();
            return store;
        }

        var file = JsonSerializer.Deserialize<StoreFile>(File.ReadAllText(path), Json)!;
        var derived = Derive(pin, Convert.FromBase64String(file.Salt), file.Iterations);
        if (!CryptographicOperations.FixedTimeEquals(Verifier(derived), Convert.FromBase64String(file.Verifier)))
        {
            file.FailedPins++;
            if (file.FailedPins >= file.MaxPinTries)
            {
                File.Delete(path);
                throw new PinException($"Wrong PIN {file.FailedPins} times: the store was wiped. Collect your mobile ID again.");
            }

            WriteFile(path, file);
            throw new PinException($"Wrong PIN. {file.MaxPinTries - file.FailedPins} tries left before the store is wiped.");
        }

        var opened = new AgentStore(path, file, derived);
        if (file.FailedPins > 0)
        {
            file.FailedPins = 0;
            opened.Save();
        }

        return opened;
    }

    public StoredCertificate Protect(int slot, string container, string mode, string serial, byte[] certificate, byte[]? pkcs8)
    {
        if (pkcs8 is null)
        {
            return new StoredCertificate(slot, container, mode, serial, Convert.ToBase64String(certificate), null, null, null);
        }

        var nonce = RandomNumberGenerator.GetBytes(12);
        var ciphertext = new byte[pkcs8.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, pkcs8, ciphertext, tag, Encoding.ASCII.GetBytes(serial));
        return new StoredCertificate(slot, container, mode, serial, Convert.ToBase64String(certificate), Convert.ToBase64String(nonce),
            Convert.ToBase64String(ciphertext), Convert.ToBase64String(tag));
    }

    public byte[]? PrivateKey(StoredCertificate certificate)
    {
        if (certificate.KeyCiphertext is null)
        {
            return null;
        }

        var ciphertext = Convert.FromBase64String(certificate.KeyCiphertext);
        var plaintext = new byte[ciphertext.Length];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(Convert.FromBase64String(certificate.KeyNonce!), ciphertext, Convert.FromBase64String(certificate.KeyTag!), plaintext,
            Encoding.ASCII.GetBytes(certificate.SerialNumber));
        return plaintext;
    }

    public void Save() => WriteFile(_path, Contents);

    private static void WriteFile(string path, StoreFile file)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(file, Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static byte[] Derive(string pin, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(pin), salt, iterations, HashAlgorithmName.SHA256, 32);

    private static byte[] Verifier(byte[] key) => HMACSHA256.HashData(key, "mobileid-agent PIN check"u8);

    /// <summary>The private key of a stored certificate, decrypted with the PIN key; null when the store holds no key for it.</summary>
    /// <param name="certificate">A certificate of this store.</param>
    /// <returns>The key (RSA or ECDSA); the caller disposes it.</returns>
    public AsymmetricAlgorithm? OpenPrivateKey(StoredCertificate certificate)
    {
        var pkcs8 = PrivateKey(certificate);
        if (pkcs8 is null)
        {
            return null;
        }

        try
        {
            return KeyPackages.FromPkcs8(pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Deletes the store (keys, certificates, PIN verifier, pinned root) and its directory when nothing else is left in it.</summary>
    /// <param name="directory">The store's directory.</param>
    /// <returns>True when there was a store to delete.</returns>
    public static bool Wipe(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return false;
        }

        var path = PathIn(directory);
        var existed = File.Exists(path);
        File.Delete(path);
        File.Delete(path + ".tmp");
        if (!Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }

        return existed;
    }
}
