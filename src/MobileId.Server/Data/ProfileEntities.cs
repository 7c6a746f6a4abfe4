namespace MobileId.Server.Data;

/// <summary>What a credential profile issues (PRODUCT.md §3, Card Encoding).</summary>
public enum CardEncoding
{
    /// <summary>A mobile ID collected by the Identity Agent.</summary>
    IdentityAgent,

    /// <summary>A derived PIV credential (NIST SP 800-157, §10).</summary>
    DerivedCredential,

    /// <summary>Device certificates through SCEP and iOS OTA (§9).</summary>
    DeviceIdentityOnly,

    /// <summary>Certificates alone, without a badge.</summary>
    SoftwareCertificatesOnly,
}

/// <summary>Mobile Device Restrictions: which devices may collect.</summary>
public enum DeviceRestriction
{
    /// <summary>Any device.</summary>
    Any,

    /// <summary>Only devices registered beforehand (AddDevice).</summary>
    KnownMobiles,

    /// <summary>Only devices already associated with the person.</summary>
    MyMobilesOnly,
}

/// <summary>Require Fingerprints at Issuance / Require Facial Biometrics.</summary>
public enum BiometricRequirement
{
    NeverRequired,
    Optional,
    Required,
}

/// <summary>A credential profile (PRODUCT.md §3): what a mobile ID contains and who may do what with it.</summary>
public sealed class CredentialProfile
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public CardEncoding CardEncoding { get; set; }
    public DeviceRestriction DeviceRestriction { get; set; }
    public bool RequireValidation { get; set; }

    /// <summary>Authentication Types: PIN is always required; Face and Fingerprint may be added.</summary>
    public bool AllowFace { get; set; }
    public bool AllowFingerprint { get; set; }
    public BiometricRequirement RequireFingerprintsAtIssuance { get; set; }
    public BiometricRequirement RequireFacialBiometrics { get; set; }
    public CardFormat CardFormat { get; set; }

    /// <summary>The custom card data model's name when <see cref="CardFormat"/> is Custom.</summary>
    public string? CardDataModel { get; set; }

    /// <summary>Device Identity (Only): SCEP enrolment needs a one-time challenge from a request.</summary>
    public bool RequireChallenge { get; set; }

    /// <summary>
    /// A static SCEP/EST challenge for MDMs that cannot fetch one-time codes (PBKDF2 hash and salt; the
    /// challenge itself is shown once). Certificates enrolled with it belong to no person: their subject comes from the CSR.
    /// </summary>
    public byte[]? StaticChallengeHash { get; set; }
    public byte[]? StaticChallengeSalt { get; set; }

    /// <summary>The badge layout the phone shows (PRODUCT.md §11), or none.</summary>
    public Guid? CardLayoutId { get; set; }

    /// <summary>Unlock Credential: the operator first verifies the caller with a one-time code sent to the person's email or phone.</summary>
    public bool RequireCallerVerification { get; set; }

    public List<ProfileCertificate> Certificates { get; set; } = [];
    public List<ProfileRole> Roles { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A certificate of a profile: which policy, into which container, and how.</summary>
public sealed class ProfileCertificate
{
    public Guid Id { get; set; }
    public Guid ProfileId { get; set; }

    /// <summary>The certificate policy; null for Unmanaged (PFX-imported) certificates.</summary>
    public Guid? PolicyId { get; set; }
    public required string Container { get; set; }
    public CertificateMode Mode { get; set; }
    public int Order { get; set; }
}

/// <summary>What holders of a role may do with a profile (Can Receive … Can Unlock).</summary>
public sealed class ProfileRole
{
    public Guid ProfileId { get; set; }
    public Guid RoleId { get; set; }
    public Role? Role { get; set; }
    public bool CanReceive { get; set; }
    public bool CanRequest { get; set; }
    public bool CanValidate { get; set; }
    public bool CanCollect { get; set; }
    public bool CanUnlock { get; set; }
}

/// <summary>A badge layout (PRODUCT.md §11): its elements, top to bottom, as JSON (see <c>Features/Layouts</c>).</summary>
public sealed class CardLayout
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public required string Definition { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
