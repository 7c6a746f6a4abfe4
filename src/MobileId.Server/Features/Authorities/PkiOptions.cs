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
