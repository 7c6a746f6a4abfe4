using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MobileId.Pki.Keys;

namespace MobileId.Agent;

/// <summary>A certificate the agent holds, with its private key encrypted under the data key (AES-256-GCM, the serial as associated data).</summary>
public sealed record StoredCertificate(int Slot, string Container, string Mode, string SerialNumber, string Certificate, string? KeyNonce, string? KeyCiphertext, string? KeyTag);

/// <summary>A mobile ID the agent collected.</summary>
/// <param name="Badge">The badge of the package (layout, values, photo, signed identity token), as its JSON, when the profile has one.</param>
public sealed record StoredIdentity(Guid MobileId, string Server, string Profile, string Holder, DateTime CollectedAt, List<StoredCertificate> Certificates,
    List<string> Chain, List<string> Skipped, string? Badge = null)
{
    /// <summary>
    /// The bearer token that starts and completes an unlock of this mobile ID (docs/protocol.md), kept
    /// in clear: on its own it only shows a challenge, and the unlock needs the operator's code. Null
    /// when the server keeps no unlock key for this mobile ID (it cannot be unlocked).
    /// </summary>
    public string? UnlockToken { get; init; }

    /// <summary>The session token of the collection, sealed under the store key: <c>update</c> authenticates with it.</summary>
    public string? SessionToken { get; set; }

    /// <summary>The issuer disabled this mobile ID (its certificates are suspended); an update after Enable ID clears it.</summary>
    public bool Disabled { get; set; }

    /// <summary>Keys made for the slots an update asked to renew, sealed, kept until they are installed: an interrupted update resumes with them.</summary>
    public Dictionary<int, string> UpdateKeys { get; set; } = [];
}

/// <summary>
/// A collection under way, kept so that an interrupted one resumes with the same keys and session
/// (or is cancelled). The session token, the session key and the device keys are sealed under the data key.
/// </summary>
public sealed class PendingCollection
{
    public Guid MobileId { get; set; }
    public string Link { get; set; } = "";
    public string SessionToken { get; set; } = "";
    public string SessionKey { get; set; } = "";
    public Dictionary<int, string> DeviceKeys { get; set; } = [];

    /// <summary>What the confirmation escrows for unlock (base64url), the same on every retry.</summary>
    public string? UnlockToken { get; set; }

    /// <summary>The package is stored; only the confirmation is left.</summary>
    public bool Installed { get; set; }
    public DateTime StartedAt { get; set; }
}

/// <summary>An unlock under way (docs/protocol.md): useless without the operator's unlock code, so kept in clear.</summary>
/// <param name="Key">The ephemeral P-256 private key (PKCS#8, base64) the unlock key comes back encrypted to.</param>
public sealed record PendingUnlock(Guid MobileId, Guid RequestId, string Challenge, DateTime ExpiresAt, string Key);

/// <summary>
/// The store file (version 2): the data key wrapped under the PIN key and, once a mobile ID can be
/// unlocked, under the unlock key; the try counter, the pinned root, the policy, the identities,
/// any collection and any unlock under way. Version 1 had only a PIN verifier; it is rewritten as
/// version 2 when it is next opened with its PIN.
/// </summary>
public sealed class StoreFile
{
    public const int Current = 2;

    public int Version { get; set; } = Current;
    public string Salt { get; set; } = "";
    public int Iterations { get; set; }

    /// <summary>Version 1 only: HMAC of the PIN key, which was also the data key.</summary>
    public string? Verifier { get; set; }

    /// <summary>The data key sealed under the PIN key; null while the store is blocked.</summary>
    public string? PinWrap { get; set; }

    /// <summary>The data key sealed under the unlock key; null until the store made an unlock key.</summary>
    public string? UnlockWrap { get; set; }

    /// <summary>The unlock key, sealed under the data key (it is escrowed with the server at each confirmation).</summary>
    public string? UnlockKey { get; set; }
    public int FailedPins { get; set; }
    public int MaxPinTries { get; set; } = 10;
    public string? RootFingerprint { get; set; }
    public AgentPolicy Policy { get; set; } = new();
    public List<StoredIdentity> Identities { get; set; } = [];
    public List<PendingCollection> Pending { get; set; } = [];
    public List<PendingUnlock> Unlocks { get; set; } = [];

    /// <summary>The PIN can no longer open the store: only an unlock can.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Blocked => Version >= Current && PinWrap is null;

    /// <summary>At the PIN try limit the store is blocked (not wiped): a mobile ID in it can be unlocked.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Unlockable => UnlockWrap is not null && Identities.Any(i => i.UnlockToken is not null);
}

/// <summary>A PIN rejected: how many tries are left, or the store was blocked or wiped.</summary>
public sealed class PinException(string message) : Exception(message);

/// <summary>
/// The agent's key store: one JSON file in a directory only its owner can read. Private keys and
/// secrets are encrypted with AES-256-GCM under a random data key. The data key is kept sealed under
/// a key derived from the PIN (PBKDF2-HMAC-SHA256, 600,000 iterations, random salt) and, once a
/// mobile ID in the store can be unlocked, under the unlock key that the server holds in escrow. A
/// wrong PIN is counted; at the limit the store is blocked (the PIN's seal is deleted, the keys stay,
/// and <c>unlock</c> with the helpdesk sets a new PIN) or, when nothing in it can be unlocked,
/// wiped, as a smart card blocks.
/// </summary>
public sealed class AgentStore
{
    public const int MinimumPinLength = 6;
    private const int Iterations = 600_000;
    private const string DataKeyContext = "data-key";
    private const string UnlockKeyContext = "unlock-key";
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

    /// <summary>Opens the store with the PIN, creating it on first use; a version-1 store is rewritten as version 2.</summary>
    /// <exception cref="PinException">The PIN is wrong or too short, or the store is blocked.</exception>
    public static AgentStore Open(string directory, string pin)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            CheckNewPin(pin);
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var store = new AgentStore(path, new StoreFile(), RandomNumberGenerator.GetBytes(32));
            store.SetPin(pin);
            return store;
        }

        var file = JsonSerializer.Deserialize<StoreFile>(File.ReadAllText(path), Json)!;
        if (file.Blocked)
        {
            throw new PinException(BlockedMessage);
        }

        var derived = Derive(pin, Convert.FromBase64String(file.Salt), file.Iterations);
        var dataKey = file.Version < StoreFile.Current ? OpenVersion1(file, derived) : TryUnseal(derived, file.PinWrap!, DataKeyContext);
        if (dataKey is null)
        {
            file.FailedPins++;
            if (file.FailedPins >= file.MaxPinTries && file.Unlockable)
            {
                file.PinWrap = null;
                WriteFile(path, file);
                throw new PinException($"Wrong PIN {file.FailedPins} times: {BlockedMessage}");
            }

            if (file.FailedPins >= file.MaxPinTries)
            {
                File.Delete(path);
                throw new PinException($"Wrong PIN {file.FailedPins} times: the store was wiped. Collect your mobile ID again.");
            }

            WriteFile(path, file);
            throw new PinException($"Wrong PIN. {file.MaxPinTries - file.FailedPins} tries left before the store is {(file.Unlockable ? "blocked" : "wiped")}.");
        }

        var opened = new AgentStore(path, file, dataKey);
        if (file.Version < StoreFile.Current)
        {
            // Note: a version-1 store's data key is its old PIN key; from now on it is sealed like any other.
            file.Version = StoreFile.Current;
            file.Verifier = null;
            file.PinWrap = Seal(derived, dataKey, DataKeyContext);
            file.FailedPins = 0;
            opened.Save();
        }
        else if (file.FailedPins > 0)
        {
            file.FailedPins = 0;
            opened.Save();
        }

        return opened;
    }

    /// <summary>What a blocked store tells its owner.</summary>
    public const string BlockedMessage = "the store is blocked (its keys are kept). Run `mobileid-agent unlock` and call your helpdesk with the challenge it shows.";

    /// <summary>Opens the store with the unlock key the server released (blocked or not).</summary>
    /// <exception cref="CryptographicException">The key is not this store's unlock key.</exception>
    public static AgentStore OpenWithUnlockKey(string directory, byte[] unlockKey)
    {
        var path = PathIn(directory);
        var file = JsonSerializer.Deserialize<StoreFile>(File.ReadAllText(path), Json)!;
        var dataKey = TryUnseal(unlockKey, file.UnlockWrap ?? throw new CryptographicException("This store has no unlock key."), DataKeyContext)
            ?? throw new CryptographicException("The unlock key does not open this store.");
        return new AgentStore(path, file, dataKey);
    }

    /// <summary>Seals the data key under a new PIN (new salt), clears the try counter and saves: the store is no longer blocked.</summary>
    /// <exception cref="PinException">The PIN is too short.</exception>
    public void SetPin(string pin)
    {
        CheckNewPin(pin);
        var salt = RandomNumberGenerator.GetBytes(16);
        Contents.Salt = Convert.ToBase64String(salt);
        Contents.Iterations = Iterations;
        Contents.PinWrap = Seal(Derive(pin, salt, Iterations), _key, DataKeyContext);
        Contents.FailedPins = 0;
        Save();
    }

    /// <summary>The store's unlock key (made on first use, and the data key sealed under it), for escrow with the server.</summary>
    public byte[] UnlockKey()
    {
        if (Contents.UnlockKey is { } kept)
        {
            return Unseal(kept, UnlockKeyContext);
        }

        var unlockKey = RandomNumberGenerator.GetBytes(32);
        Contents.UnlockKey = Seal(unlockKey, UnlockKeyContext);
        Contents.UnlockWrap = Seal(unlockKey, _key, DataKeyContext);
        Save();
        return unlockKey;
    }

    private static void CheckNewPin(string pin)
    {
        if (pin.Length < MinimumPinLength)
        {
            throw new PinException($"Choose a PIN of at least {MinimumPinLength} characters.");
        }
    }

    private static byte[]? OpenVersion1(StoreFile file, byte[] derived) =>
        CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(derived, "mobileid-agent PIN check"u8), Convert.FromBase64String(file.Verifier ?? ""))
            ? derived
            : null;

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

    /// <summary>Encrypts a secret under the data key, bound to <paramref name="context"/>: base64 of nonce, ciphertext and tag.</summary>
    public string Seal(byte[] secret, string context) => Seal(_key, secret, context);

    /// <summary>Decrypts what <see cref="Seal(byte[], string)"/> made for the same context.</summary>
    public byte[] Unseal(string sealedText, string context) =>
        TryUnseal(_key, sealedText, context) ?? throw new CryptographicException($"The store's {context} does not decrypt.");

    private static string Seal(byte[] key, byte[] secret, string context)
    {
        var sealedBytes = new byte[12 + secret.Length + 16];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(sealedBytes.AsSpan(0, 12), secret, sealedBytes.AsSpan(12, secret.Length), sealedBytes.AsSpan(12 + secret.Length), Encoding.UTF8.GetBytes(context));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The secret, or null when the key or the context is wrong (AES-GCM's tag does not verify).</summary>
    private static byte[]? TryUnseal(byte[] key, string sealedText, string context)
    {
        var sealedBytes = Convert.FromBase64String(sealedText);
        var secret = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(key, 16);
        try
        {
            aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, secret.Length), sealedBytes.AsSpan(12 + secret.Length), secret, Encoding.UTF8.GetBytes(context));
            return secret;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    public void Save() => WriteFile(_path, Contents);

    /// <summary>Writes what <see cref="Peek"/> read, for changes that need no key (an unlock under way).</summary>
    public static void Write(string directory, StoreFile file) => WriteFile(PathIn(directory), file);

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

    /// <summary>The private key of a stored certificate, decrypted with the data key; null when the store holds no key for it.</summary>
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
