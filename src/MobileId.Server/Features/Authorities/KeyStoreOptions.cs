using MobileId.Pki.Keys;

namespace MobileId.Server.Features.Authorities;

/// <summary>Where private keys live, under <c>MobileId:KeyStore</c>.</summary>
public sealed class KeyStoreOptions
{
    public const string Section = "MobileId:KeyStore";

    /// <summary><c>Software</c> (default) or <c>Pkcs11</c> (an HSM).</summary>
    public KeyStoreKind Kind { get; set; } = KeyStoreKind.Software;

    /// <summary>The PKCS#11 module and token: <c>LibraryPath</c>, <c>TokenLabel</c> or <c>SlotId</c>, <c>KekLabel</c>.</summary>
    public Pkcs11KeyStoreOptions Pkcs11 { get; set; } = new();

    /// <summary>
    /// The environment variable that holds the token's user PIN. The PIN is never read from
    /// configuration files, where it would sit next to everything else.
    /// </summary>
    public string Pkcs11PinVariable { get; set; } = "MOBILEID_PKCS11_PIN";

    /// <summary>Or a file (mode 0600) whose first line is the PIN, e.g. a mounted secret.</summary>
    public string? Pkcs11PinFile { get; set; }

    /// <summary>The software store's master key as base64 (32 bytes). Empty: the file <c>{DataDirectory}/keys/master.key</c>, made on first use with mode 0600.</summary>
    public string? MasterKey { get; set; }
}
