using System.ComponentModel.DataAnnotations;
using MobileId.Pki.Keys;

namespace MobileId.Server.Features.Authorities;

/// <summary>The built-in CA, under <c>MobileId:Pki</c>; see docs/configuration.md.</summary>
public sealed class PkiOptions
{
    public const string Section = "MobileId:Pki";

    /// <summary><c>O=</c> of the CA subjects created by <c>init</c>.</summary>
    [Required]
    public string Organization { get; set; } = "MobileId";

    [Required, RegularExpression(CaRecords.NamePattern)]
    public string RootName { get; set; } = "MobileIdRootCA";

    [Required, RegularExpression(CaRecords.NamePattern)]
    public string IssuingName { get; set; } = "MobileIdIssuingCA";

    public KeyAlgorithm RootAlgorithm { get; set; } = KeyAlgorithm.EcdsaP384;

    public KeyAlgorithm IssuingAlgorithm { get; set; } = KeyAlgorithm.EcdsaP256;

    [Range(365, 36500)]
    public int RootValidityDays { get; set; } = 7300;

    [Range(30, 36500)]
    public int IssuingValidityDays { get; set; } = 3650;
}

public enum KeyStoreKind
{
    Software,
    Pkcs11,
}

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

/// <summary>Stops the server at start when the PKCS#11 key store is chosen but not described.</summary>
internal sealed class KeyStoreOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<KeyStoreOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, KeyStoreOptions options)
    {
        if (options.Kind != KeyStoreKind.Pkcs11)
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Pkcs11.LibraryPath))
        {
            errors.Add("MobileId:KeyStore:Pkcs11:LibraryPath is required when MobileId:KeyStore:Kind is Pkcs11 (for example /usr/lib/softhsm/libsofthsm2.so).");
        }

        if (string.IsNullOrWhiteSpace(options.Pkcs11.TokenLabel) && options.Pkcs11.SlotId is null)
        {
            errors.Add("MobileId:KeyStore:Pkcs11:TokenLabel or MobileId:KeyStore:Pkcs11:SlotId is required when MobileId:KeyStore:Kind is Pkcs11.");
        }

        return errors.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
