namespace MobileId.Pki.Keys;

/// <summary>
/// Where the PKCS#11 token is. The user PIN is not part of these options: it is handed to
/// <see cref="Pkcs11KeyStore"/> separately so that options can be logged or shown without it.
/// </summary>
public sealed class Pkcs11KeyStoreOptions
{
    /// <summary>The label of the key-encryption key that <see cref="Pkcs11KeyStore"/> creates on first use.</summary>
    public const string DefaultKekLabel = "mobileid-kek";

    /// <summary>
    /// Full path of the vendor's PKCS#11 module, e.g. <c>/usr/lib/softhsm/libsofthsm2.so</c> for
    /// SoftHSM2 on Debian.
    /// </summary>
    public string LibraryPath { get; set; } = "";

    /// <summary>The token label (as <c>pkcs11-tool --list-slots</c> shows it). Either this or <see cref="SlotId"/> is required.</summary>
    public string? TokenLabel { get; set; }

    /// <summary>
    /// The slot number, for modules whose tokens share one label. When both are set, the token in
    /// this slot must also carry <see cref="TokenLabel"/>.
    /// </summary>
    public ulong? SlotId { get; set; }

    /// <summary>The label of the AES key that wraps archived keys; created inside the token when missing.</summary>
    public string KekLabel { get; set; } = DefaultKekLabel;

    /// <summary>How many idle sessions are kept open for reuse; more are opened under load and closed after use.</summary>
    public int MaxIdleSessions { get; set; } = 8;

    /// <summary>A short description of the token for messages: its label or its slot.</summary>
    internal string TokenDescription => TokenLabel is { Length: > 0 } label ? $"'{label}'" : $"in slot {SlotId}";
}
