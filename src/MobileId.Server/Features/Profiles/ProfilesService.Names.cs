namespace MobileId.Server.Features.Profiles;

/// <summary>The user-visible names of profile settings (PRODUCT.md §3), as the console and messages show them.</summary>
public sealed partial class ProfilesService
{
    /// <summary>The text a list of profiles is searched in (<c>q</c>): name, description, card encoding and card format.</summary>
    public static IEnumerable<string?> SearchText(ProfileView profile) =>
        [profile.Name, profile.Description, profile.CardEncoding.ToString(), profile.CardFormat.ToString()];

    /// <summary>The user-visible name of a card encoding (PRODUCT.md §3).</summary>
    public static string Display(CardEncoding encoding) => encoding switch
    {
        CardEncoding.IdentityAgent => "Identity Agent",
        CardEncoding.DerivedCredential => "Derived Credential",
        CardEncoding.DeviceIdentityOnly => "Device Identity (Only)",
        CardEncoding.SoftwareCertificatesOnly => "Software Certificates (Only)",
    };

    /// <summary>The user-visible name of a card format.</summary>
    public static string Display(CardFormat format) => format switch
    {
        CardFormat.None => "None",
        CardFormat.Mobile => "Mobile",
        CardFormat.CitrixSecureVault => "Citrix SecureVault",
        CardFormat.MobileIronAppConnect => "MobileIron AppConnect",
        CardFormat.Custom => "Custom",
    };

    /// <summary>The user-visible name of a certificate mode.</summary>
    public static string Display(CertificateMode mode) => mode switch
    {
        CertificateMode.IssueNew => "Issue new",
        CertificateMode.UseExisting => "Use existing",
        CertificateMode.HistoricOnly => "Historic Only",
        CertificateMode.Unmanaged => "Unmanaged",
    };

    /// <summary>The user-visible name of a mobile device restriction.</summary>
    public static string Display(DeviceRestriction restriction) => restriction switch
    {
        DeviceRestriction.Any => "Any",
        DeviceRestriction.KnownMobiles => "Known Mobiles",
        DeviceRestriction.MyMobilesOnly => "My Mobiles Only",
    };

    /// <summary>The user-visible name of a biometric requirement.</summary>
    public static string Display(BiometricRequirement requirement) => requirement switch
    {
        BiometricRequirement.NeverRequired => "Never required",
        BiometricRequirement.Optional => "Optional",
        BiometricRequirement.Required => "Required",
    };
}
