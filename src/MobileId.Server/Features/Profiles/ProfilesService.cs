using MobileId.Pki.Policies;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Protocols;

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

/// <summary>
/// Credential Profiles (PRODUCT.md §3): every save is checked against the rules below, and a
/// broken rule answers 400 naming the field and saying why.
/// </summary>
public sealed class ProfilesService(MobileIdDbContext db, CardDataModels models, AuditTrail audit, TimeProvider time)
{
    /// <summary>The container of each built-in card format.</summary>
    public static readonly IReadOnlyDictionary<CardFormat, string> BuiltInContainers = new Dictionary<CardFormat, string>
    {
        [CardFormat.None] = "Agent Store",
        [CardFormat.Mobile] = "System Store",
        [CardFormat.CitrixSecureVault] = "Citrix SecureVault",
        [CardFormat.MobileIronAppConnect] = "MobileIron AppConnect",
    };

    public async Task<IReadOnlyList<ProfileView>> ListAsync(CancellationToken cancellationToken)
    {
        var profiles = await Query().OrderBy(p => p.Name).ToListAsync(cancellationToken);
        var policies = await PolicyNamesAsync(cancellationToken);
        var roles = await RoleNamesAsync(cancellationToken);
        var layouts = await LayoutNamesAsync(cancellationToken);
        return profiles.Select(p => View(p, policies, roles, layouts)).ToList();
    }

    public async Task<Result<ProfileView>> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var profile = await Query().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        return profile is null
            ? AppError.NotFound("That credential profile")
            : View(profile, await PolicyNamesAsync(cancellationToken), await RoleNamesAsync(cancellationToken), await LayoutNamesAsync(cancellationToken));
    }

    public async Task<Result<ProfileView>> SaveAsync(Caller caller, Guid? id, ProfileInput input, CancellationToken cancellationToken)
    {
        CredentialProfile? profile = null;
        if (id is { } existing)
        {
            profile = await db.CredentialProfiles.Include(p => p.Certificates).Include(p => p.Roles).SingleOrDefaultAsync(p => p.Id == existing, cancellationToken);
            if (profile is null)
            {
                return AppError.NotFound("That credential profile");
            }
        }

        var policies = await db.CertificatePolicies.AsNoTracking().ToListAsync(cancellationToken);
        var roles = await db.Roles.AsNoTracking().ToListAsync(cancellationToken);
        var layouts = await LayoutNamesAsync(cancellationToken);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            Add("name", "A profile name is required, at most 100 characters.");
        }

        if (input.Description is { Length: > 1000 })
        {
            Add("description", "The description is at most 1000 characters.");
        }

        var encoding = input.CardEncoding ?? CardEncoding.IdentityAgent;
        var format = input.CardFormat ?? CardFormat.Mobile;
        // Note: every MobileId profile delivers to phones, which cannot capture biometrics for
        // enrolment at issuance; such a profile could never issue (PRODUCT.md §3).
        if ((input.RequireFingerprintsAtIssuance ?? BiometricRequirement.NeverRequired) != BiometricRequirement.NeverRequired)
        {
            Add("requireFingerprintsAtIssuance",
                "Require Fingerprints at Issuance must be Never required for a mobile profile: a phone cannot capture fingerprints for enrolment, so no mobile ID could ever be issued under this profile.");
        }

        if ((input.RequireFacialBiometrics ?? BiometricRequirement.NeverRequired) != BiometricRequirement.NeverRequired)
        {
            Add("requireFacialBiometrics",
                "Require Facial Biometrics must be Never required for a mobile profile: a phone cannot capture a facial image for enrolment, so no mobile ID could ever be issued under this profile.");
        }

        IReadOnlyList<CardContainer> containers = [];
        string? modelName = null;
        if (format == CardFormat.Custom)
        {
            var set = models.Current;
            if (string.IsNullOrWhiteSpace(input.CardDataModel))
            {
                Add("cardDataModel", "A custom card format needs the name of a card data model; see GET /api/v1/card-data-models.");
            }
            else if (set.Find(input.CardDataModel.Trim()) is { } model)
            {
                modelName = model.Name;
                containers = model.Containers;
            }
            else
            {
                var refused = set.Errors.FirstOrDefault(e => e.File.StartsWith(input.CardDataModel.Trim(), StringComparison.OrdinalIgnoreCase));
                Add("cardDataModel", $"'{input.CardDataModel}' is not a loaded card data model{(refused is null ? "" : $" ({refused} was refused)")}; see GET /api/v1/card-data-models.");
            }
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(input.CardDataModel))
            {
                Add("cardDataModel", "A card data model is only used with the Custom card format.");
            }

            containers = [new CardContainer(BuiltInContainers[format], "", true, false, true, false)];
        }

        Guid? layoutId = null;
        if (!string.IsNullOrWhiteSpace(input.CardLayout))
        {
            layoutId = layouts.Where(l => l.Value == input.CardLayout.Trim()).Select(l => (Guid?)l.Key).FirstOrDefault();
            if (layoutId is null)
            {
                Add("cardLayout", $"'{input.CardLayout}' is not a card layout; see GET /api/v1/card-layouts.");
            }
        }

        if (input.RequireChallenge == true && encoding != CardEncoding.DeviceIdentityOnly)
        {
            Add("requireChallenge", "Require Challenge is for Device Identity (Only) profiles, whose devices enrol through SCEP.");
        }

        if (!string.IsNullOrEmpty(input.StaticChallenge))
        {
            if (encoding != CardEncoding.DeviceIdentityOnly)
            {
                Add("staticChallenge", "A static challenge is for Device Identity (Only) profiles, whose devices enrol through SCEP or EST.");
            }
            else if (input.StaticChallenge.Length < StaticChallenges.MinimumLength || input.StaticChallenge.Length > 255 || input.StaticChallenge.Any(char.IsControl))
            {
                Add("staticChallenge", $"A static challenge is shared with an MDM for a long time: use {StaticChallenges.MinimumLength} to 255 printable characters.");
            }
        }

        var certificates = new List<ProfileCertificate>();
        var entries = input.Certificates ?? [];
        if (entries.Count == 0 && encoding is CardEncoding.DeviceIdentityOnly or CardEncoding.SoftwareCertificatesOnly or CardEncoding.DerivedCredential)
        {
            Add("certificates", $"A {Display(encoding)} profile issues certificates: add at least one.");
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var field = $"certificates[{i}]";
            var entry = entries[i];
            var mode = entry.Mode ?? CertificateMode.IssueNew;
            CertificatePolicyRecord? policy = null;
            if (mode == CertificateMode.Unmanaged)
            {
                if (!string.IsNullOrWhiteSpace(entry.Policy))
                {
                    Add($"{field}.policy", "Unmanaged certificates are the person's PFX uploads (Upload PFX Certificates); leave the policy empty.");
                }
            }
            else if ((policy = policies.FirstOrDefault(p => p.Name == entry.Policy?.Trim())) is null)
            {
                Add($"{field}.policy", $"'{entry.Policy}' is not a certificate policy; see GET /api/v1/policies.");
            }

            var container = containers.FirstOrDefault(c => string.Equals(c.Name, entry.Container?.Trim() ?? containers.FirstOrDefault()?.Name, StringComparison.OrdinalIgnoreCase));
            if (container is null)
            {
                Add($"{field}.container", $"'{entry.Container}' is not a container of the {Display(format)} card format; its containers are: {string.Join(", ", containers.Select(c => c.Name))}.");
            }
            else if (!container.Certificate)
            {
                Add($"{field}.container", $"The container '{container.Name}' of card data model {modelName} does not hold certificates.");
            }
            else if (container.Unique && certificates.Any(c => string.Equals(c.Container, container.Name, StringComparison.OrdinalIgnoreCase) && c.Mode != CertificateMode.HistoricOnly)
                && mode != CertificateMode.HistoricOnly && format == CardFormat.Custom)
            {
                Add($"{field}.container", $"The container '{container.Name}' holds one certificate, and another certificate of this profile already goes there.");
            }

            if (mode is CertificateMode.UseExisting or CertificateMode.HistoricOnly && policy is { Archive: false })
            {
                Add($"{field}.mode", $"{Display(mode)} recovers archived keys, but policy '{policy.Name}' does not archive its keys.");
            }

            if (mode == CertificateMode.HistoricOnly && format is CardFormat.CitrixSecureVault or CardFormat.MobileIronAppConnect)
            {
                Add($"{field}.mode", $"Historic certificates are never sent to {Display(format)} stores.");
            }

            if (encoding == CardEncoding.DeviceIdentityOnly && (mode != CertificateMode.IssueNew || policy is { KeyGeneration: KeyGeneration.Server }))
            {
                Add($"{field}.mode", "Device Identity (Only) certificates are issued new, for a key the device makes and sends in its SCEP or EST request.");
            }

            if (encoding == CardEncoding.DerivedCredential && policy is { AutomaticRenewal: true })
            {
                Add($"{field}.policy", $"Derived credentials never renew automatically (replacement is cancel and reissue), but policy '{policy.Name}' has Automatic Renewal.");
            }

            certificates.Add(new ProfileCertificate
            {
                Id = Guid.CreateVersion7(), PolicyId = policy?.Id, Container = container?.Name ?? entry.Container ?? "", Mode = mode, Order = i,
            });
        }

        var profileRoles = new List<ProfileRole>();
        var roleEntries = input.Roles ?? [];
        for (var i = 0; i < roleEntries.Count; i++)
        {
            var entry = roleEntries[i];
            var role = roles.FirstOrDefault(r => string.Equals(r.Name, entry.Role?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (role is null)
            {
                Add($"roles[{i}].role", $"'{entry.Role}' is not a role; see GET /api/v1/roles.");
                continue;
            }

            if (profileRoles.Any(r => r.RoleId == role.Id))
            {
                Add($"roles[{i}].role", $"The role '{role.Name}' is listed twice.");
                continue;
            }

            profileRoles.Add(new ProfileRole
            {
                RoleId = role.Id, CanReceive = entry.CanReceive, CanRequest = entry.CanRequest, CanValidate = entry.CanValidate,
                CanCollect = entry.CanCollect, CanUnlock = entry.CanUnlock,
            });
        }

        if (errors.Count > 0)
        {
            return AppError.Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }

        if (await db.CredentialProfiles.AnyAsync(p => p.Name == name && p.Id != id, cancellationToken))
        {
            return AppError.Conflict($"A credential profile named '{name}' already exists.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var before = profile is null ? null : View(profile, policies.ToDictionary(p => p.Id, p => p.Name), roles.ToDictionary(r => r.Id, r => r.Name), layouts);
        if (profile is null)
        {
            profile = new CredentialProfile { Id = Guid.CreateVersion7(), Name = name!, CreatedAt = now };
            db.CredentialProfiles.Add(profile);
        }
        else
        {
            db.ProfileCertificates.RemoveRange(profile.Certificates);
            db.ProfileRoles.RemoveRange(profile.Roles);
        }

        profile.Name = name!;
        profile.Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        profile.CardEncoding = encoding;
        profile.DeviceRestriction = input.DeviceRestriction ?? DeviceRestriction.Any;
        profile.RequireValidation = input.RequireValidation ?? false;
        profile.AllowFace = input.AllowFace ?? false;
        profile.AllowFingerprint = input.AllowFingerprint ?? false;
        profile.RequireFingerprintsAtIssuance = BiometricRequirement.NeverRequired;
        profile.RequireFacialBiometrics = BiometricRequirement.NeverRequired;
        profile.CardFormat = format;
        profile.CardDataModel = modelName;
        profile.RequireChallenge = input.RequireChallenge ?? false;
        profile.CardLayoutId = layoutId;
        profile.RequireCallerVerification = input.RequireCallerVerification ?? false;
        // Note: left out keeps the static challenge (it is never shown again); an empty one removes it.
        if (input.StaticChallenge == "" || encoding != CardEncoding.DeviceIdentityOnly)
        {
            (profile.StaticChallengeHash, profile.StaticChallengeSalt) = (null, null);
        }
        else if (input.StaticChallenge is { } challenge)
        {
            (profile.StaticChallengeHash, profile.StaticChallengeSalt) = StaticChallenges.Hash(challenge);
        }
        foreach (var certificate in certificates)
        {
            certificate.ProfileId = profile.Id;
            db.ProfileCertificates.Add(certificate);
        }

        foreach (var role in profileRoles)
        {
            role.ProfileId = profile.Id;
            db.ProfileRoles.Add(role);
        }

        profile.Certificates = certificates;
        profile.Roles = profileRoles;
        profile.UpdatedAt = now;
        var view = View(profile, policies.ToDictionary(p => p.Id, p => p.Name), roles.ToDictionary(r => r.Id, r => r.Name), layouts);
        audit.Record(caller, before is null ? "profile.created" : "profile.updated", Workflow.CredentialProfiles,
            new AuditTarget("profile", profile.Id.ToString("D"), profile.Name), AuditOutcome.Success, before is null ? view : new { before, after = view });
        await db.SaveChangesAsync(cancellationToken);
        return view;
    }

    public async Task<AppError?> DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var profile = await db.CredentialProfiles.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (profile is null)
        {
            return AppError.NotFound("That credential profile");
        }

        db.CredentialProfiles.Remove(profile);
        audit.Record(caller, "profile.deleted", Workflow.CredentialProfiles, new AuditTarget("profile", profile.Id.ToString("D"), profile.Name),
            AuditOutcome.Success, null);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    private IQueryable<CredentialProfile> Query() =>
        db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).Include(p => p.Roles).AsSplitQuery();

    private Task<Dictionary<Guid, string>> RoleNamesAsync(CancellationToken cancellationToken) =>
        db.Roles.AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.Name, cancellationToken);

    private Task<Dictionary<Guid, string>> PolicyNamesAsync(CancellationToken cancellationToken) =>
        db.CertificatePolicies.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);

    private Task<Dictionary<Guid, string>> LayoutNamesAsync(CancellationToken cancellationToken) =>
        db.CardLayouts.AsNoTracking().ToDictionaryAsync(l => l.Id, l => l.Name, cancellationToken);

    private ProfileView View(CredentialProfile p, IReadOnlyDictionary<Guid, string> policies, IReadOnlyDictionary<Guid, string> roles,
        IReadOnlyDictionary<Guid, string> layouts)
    {
        var containers = p.CardFormat == CardFormat.Custom
            ? models.Current.Find(p.CardDataModel ?? "")?.Containers.Select(c => c.Name).ToList() ?? []
            : [BuiltInContainers[p.CardFormat]];
        List<string> authentication = ["PIN"];
        if (p.AllowFace)
        {
            authentication.Add("Face");
        }

        if (p.AllowFingerprint)
        {
            authentication.Add("Fingerprint");
        }

        return new ProfileView(p.Id, p.Name, p.Description, p.CardEncoding, p.DeviceRestriction, p.RequireValidation, authentication,
            p.RequireFingerprintsAtIssuance, p.RequireFacialBiometrics, p.CardFormat, p.CardDataModel, p.RequireChallenge, containers,
            p.Certificates.OrderBy(c => c.Order).Select(c => new ProfileCertificateView(c.PolicyId is { } pid ? policies.GetValueOrDefault(pid) : null, c.Container, c.Mode)).ToList(),
            p.Roles.Select(r => new ProfileRoleView(roles.GetValueOrDefault(r.RoleId) ?? "", r.CanReceive, r.CanRequest, r.CanValidate, r.CanCollect, r.CanUnlock))
                .OrderBy(r => r.Role, StringComparer.Ordinal).ToList(),
            p.CardLayoutId is { } layout ? layouts.GetValueOrDefault(layout) : null, p.UpdatedAt, p.RequireCallerVerification, p.StaticChallengeHash is not null);
    }

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
