using MobileId.Server.Console.Shared;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Console.Pages.Admin.Profiles;

/// <summary>The profile form's fields (the API's profile input, as strings and check boxes).</summary>
public sealed class ProfileForm
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? CardEncoding { get; set; }
    public string? DeviceRestriction { get; set; }
    public bool RequireValidation { get; set; }
    public bool AllowFace { get; set; }
    public bool AllowFingerprint { get; set; }
    public string? RequireFingerprintsAtIssuance { get; set; }
    public string? RequireFacialBiometrics { get; set; }
    public string? CardFormat { get; set; }
    public string? CardDataModel { get; set; }
    public string? CardLayout { get; set; }
    public bool RequireChallenge { get; set; }
    public string? StaticChallenge { get; set; }
    public bool HasStaticChallenge { get; set; }
    public bool RemoveStaticChallenge { get; set; }
    public bool RequireCallerVerification { get; set; }
    public List<CertificateRow> Certificates { get; set; } = [];
    public List<RoleRow> Roles { get; set; } = [];

    /// <summary>The form of a saved profile (or the defaults of a new one).</summary>
    public static ProfileForm Of(ProfileView? profile) => new()
    {
        Name = profile?.Name,
        Description = profile?.Description,
        CardEncoding = (profile?.CardEncoding ?? Data.CardEncoding.IdentityAgent).ToString(),
        DeviceRestriction = (profile?.DeviceRestriction ?? Data.DeviceRestriction.Any).ToString(),
        RequireValidation = profile?.RequireValidation ?? false,
        AllowFace = profile?.AuthenticationTypes.Contains("Face") ?? false,
        AllowFingerprint = profile?.AuthenticationTypes.Contains("Fingerprint") ?? false,
        RequireFingerprintsAtIssuance = (profile?.RequireFingerprintsAtIssuance ?? BiometricRequirement.NeverRequired).ToString(),
        RequireFacialBiometrics = (profile?.RequireFacialBiometrics ?? BiometricRequirement.NeverRequired).ToString(),
        CardFormat = (profile?.CardFormat ?? MobileId.Protocol.Device.CardFormat.Mobile).ToString(),
        CardDataModel = profile?.CardDataModel,
        CardLayout = profile?.CardLayout,
        RequireChallenge = profile?.RequireChallenge ?? false,
        HasStaticChallenge = profile?.HasStaticChallenge ?? false,
        RequireCallerVerification = profile?.RequireCallerVerification ?? false,
        Certificates = profile?.Certificates.Select(c => new CertificateRow { Policy = c.Policy, Container = c.Container, Mode = c.Mode.ToString() }).ToList() ?? [],
        Roles = profile?.Roles.Select(r => new RoleRow
        {
            Role = r.Role, CanReceive = r.CanReceive, CanRequest = r.CanRequest, CanValidate = r.CanValidate, CanCollect = r.CanCollect, CanUnlock = r.CanUnlock,
        }).ToList() ?? [],
    };

    /// <summary>
    /// The used certificate rows first (so that a row's number is its index in the request, as field
    /// errors name it) and blank rows to add more; a row for every role, the profile's first.
    /// </summary>
    public ProfileForm WithBlankRows(int blankCertificateRows, IReadOnlyList<string> roles)
    {
        // Note: form mapping leaves a list that no field named empty (null).
        Certificates = [.. (Certificates ?? []).Where(c => c.Used), .. Enumerable.Range(0, blankCertificateRows).Select(_ => new CertificateRow())];
        var listed = (Roles ?? []).Where(r => !string.IsNullOrEmpty(r.Role)).ToList();
        Roles = [.. listed, .. roles.Where(name => !listed.Any(r => string.Equals(r.Role, name, StringComparison.OrdinalIgnoreCase))).Select(name => new RoleRow { Role = name })];
        return this;
    }

    /// <summary>The service input this form says: the used certificate rows and the roles with a right ticked.</summary>
    public ProfileInput ToInput() => new(Name, Description, FormValues.Enum<Data.CardEncoding>(CardEncoding), FormValues.Enum<Data.DeviceRestriction>(DeviceRestriction),
        RequireValidation, AllowFace, AllowFingerprint, FormValues.Enum<BiometricRequirement>(RequireFingerprintsAtIssuance),
        FormValues.Enum<BiometricRequirement>(RequireFacialBiometrics), FormValues.Enum<MobileId.Protocol.Device.CardFormat>(CardFormat), FormValues.Text(CardDataModel), RequireChallenge,
        Certificates.Where(c => c.Used).Select(c => new ProfileCertificateInput(FormValues.Text(c.Policy), FormValues.Text(c.Container), FormValues.Enum<CertificateMode>(c.Mode))).ToList(),
        Roles.Where(r => r.Any).Select(r => new ProfileRoleInput(r.Role, r.CanReceive, r.CanRequest, r.CanValidate, r.CanCollect, r.CanUnlock)).ToList(),
        FormValues.Text(CardLayout), RequireCallerVerification, RemoveStaticChallenge ? "" : FormValues.Text(StaticChallenge));
}

/// <summary>A row of the Certificates table; used once a mode is chosen.</summary>
public sealed class CertificateRow
{
    public string? Policy { get; set; }
    public string? Container { get; set; }
    public string? Mode { get; set; }

    public bool Used => !string.IsNullOrEmpty(Mode);
}

/// <summary>A row of the Roles table; sent when one of its rights is ticked.</summary>
public sealed class RoleRow
{
    public string? Role { get; set; }
    public bool CanReceive { get; set; }
    public bool CanRequest { get; set; }
    public bool CanValidate { get; set; }
    public bool CanCollect { get; set; }
    public bool CanUnlock { get; set; }

    public bool Any => CanReceive || CanRequest || CanValidate || CanCollect || CanUnlock;

    public bool Has(string right) => right switch
    {
        "CanReceive" => CanReceive,
        "CanRequest" => CanRequest,
        "CanValidate" => CanValidate,
        "CanCollect" => CanCollect,
        _ => CanUnlock,
    };
}
