using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MobileId.Pki.Keys;

namespace MobileId.Agent;

/// <summary>A certificate the agent holds, with its private key encrypted under the PIN key (AES-256-GCM, the serial as associated data).</summary>
public sealed record StoredCertificate(int Slot, string Container, string Mode, string SerialNumber, string Certificate, string? KeyNonce, string? KeyCiphertext, string? KeyTag);

/// <summary>A mobile ID the agent collected.</summary>
/// <param name="Badge">The badge of the package (layout, values, photo, signed identity token), as its JSON, when the profile has one.</param>
public sealed record StoredIdentity(Guid MobileId, string Server, string Profile, string Holder, DateTime CollectedAt, List<StoredCertificate> Certificates,
    List<string> Chain, List<string> Skipped, string? Badge = null)
{
    /// <summary>The session token of the collection, sealed under the store key: <c>update</c> authenticates with it.</summary>
    public string? SessionToken { get; set; }

    /// <summary>The issuer disabled this mobile ID (its certificates are suspended); an update after Enable ID clears it.</summary>
    public bool Disabled { get; set; }

    /// <summary>Keys made for the slots an update asked to renew, sealed, kept until they are installed: an interrupted update resumes with them.</summary>
    public Dictionary<int, string> UpdateKeys { get; set; } = [];
}

/// <summary>The Identity Agent Policy (PRODUCT.md §8) as the server last sent it; the defaults until then.</summary>
public sealed record AgentPolicy(int LogLevel = 2, int MaximumLogStorageSpace = 10, int MaximumNumberOfLogFiles = -1, int MaximumRetryAttempts = 5,
    int MinimumRetryDelay = 10, string AdministratorEmailAddress = "");

/// <summary>
/// A collection under way, kept so that an interrupted one resumes with the same keys and session
/// (or is cancelled). The session token, the session key and the device keys are sealed under the PIN key.
/// </summary>
public sealed class PendingCollection
{
    public Guid MobileId { get; set; }
    public string Link { get; set; } = "";
    public string SessionToken { get; set; } = "";
    public string SessionKey { get; set; } = "";
    public Dictionary<int, string> DeviceKeys { get; set; } = [];

    /// <summary>The package is stored; only the confirmation is left.</summary>
    public bool Installed { get; set; }
    public DateTime StartedAt { get; set; }
}

/// <summary>The store file: the PIN's salt and verifier, the try counter, the pinned root, the policy, the identities and any collection under way.</summary>
public sealed class StoreFile
{
    public int Version { get; set; } = 1;
    public string Salt { get; set; } = "";
    public int Iterations { get; set; }
    public string Verifier { get; set; } = "";
    public int FailedPins { get; set; }
    public int MaxPinTries { get; set; } = 10;
    public string? RootFingerprint { get; set; }
    public AgentPolicy Policy { get; set; } = new();
    public List<StoredIdentity> Identities { get; set; } = [];
    public List<PendingCollection> Pending { get; set; } = [];
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

    /// <summary>Encrypts a secret under the PIN key, bound to <paramref name="context"/>: base64 of nonce, ciphertext and tag.</summary>
    public string Seal(byte[] secret, string context)
    {
        var sealedBytes = new byte[12 + secret.Length + 16];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(sealedBytes.AsSpan(0, 12), secret, sealedBytes.AsSpan(12, secret.Length), sealedBytes.AsSpan(12 + secret.Length), Encoding.UTF8.GetBytes(context));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>Decrypts what <see cref="Seal"/> made for the same context.</summary>
    public byte[] Unseal(string sealedText, string context)
    {
        var sealedBytes = Convert.FromBase64String(sealedText);
        var secret = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, secret.Length), sealedBytes.AsSpan(12 + secret.Length), secret, Encoding.UTF8.GetBytes(context));
        return secret;
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

    /// <summary>Deletes the store (keys, certificates, PIN verifier, pinned root, collections under way) and its logs, and its directory when nothing else is left in it.</summary>
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
        var logs = Path.Combine(directory, "logs");
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }

        if (!Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }

        return existed;
    }
}
