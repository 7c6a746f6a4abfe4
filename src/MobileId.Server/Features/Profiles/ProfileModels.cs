namespace MobileId.Server.Features.Profiles;

public sealed record ProfileCertificateInput(string? Policy, string? Container, CertificateMode? Mode);

public sealed record ProfileRoleInput(string? Role, bool CanReceive, bool CanRequest, bool CanValidate, bool CanCollect, bool CanUnlock);

public sealed record ProfileInput(
    string? Name, string? Description, CardEncoding? CardEncoding, DeviceRestriction? DeviceRestriction, bool? RequireValidation,
    bool? AllowFace, bool? AllowFingerprint, BiometricRequirement? RequireFingerprintsAtIssuance, BiometricRequirement? RequireFacialBiometrics,
    CardFormat? CardFormat, string? CardDataModel, bool? RequireChallenge, List<ProfileCertificateInput>? Certificates, List<ProfileRoleInput>? Roles,
    string? CardLayout = null, bool? RequireCallerVerification = null, string? StaticChallenge = null);

public sealed record ProfileCertificateView(string? Policy, string Container, CertificateMode Mode);

public sealed record ProfileRoleView(string Role, bool CanReceive, bool CanRequest, bool CanValidate, bool CanCollect, bool CanUnlock);

public sealed record ProfileView(
    Guid Id, string Name, string? Description, CardEncoding CardEncoding, DeviceRestriction DeviceRestriction, bool RequireValidation,
    IReadOnlyList<string> AuthenticationTypes, BiometricRequirement RequireFingerprintsAtIssuance, BiometricRequirement RequireFacialBiometrics,
    CardFormat CardFormat, string? CardDataModel, bool RequireChallenge, IReadOnlyList<string> Containers,
    IReadOnlyList<ProfileCertificateView> Certificates, IReadOnlyList<ProfileRoleView> Roles, string? CardLayout, DateTime UpdatedAt,
    bool RequireCallerVerification, bool HasStaticChallenge);
