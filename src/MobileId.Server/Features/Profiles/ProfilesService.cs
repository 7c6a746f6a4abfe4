using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Profiles;

/// <summary>
/// Credential Profiles (PRODUCT.md §3): every save is checked against the rules below, and a
/// broken rule answers 400 naming the field and saying why.
/// </summary>
public sealed partial class ProfilesService(MobileIdDbContext db, CardDataModels models, AuditTrail audit, TimeProvider time)
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
        var checkedInput = new ProfileRules(input, models.Current, policies, roles, layouts).Check();
        if (!checkedInput.IsSuccess)
        {
            return checkedInput.Error;
        }

        var draft = checkedInput.Value;
        var name = draft.Name;
        if (await db.CredentialProfiles.AnyAsync(p => p.Name == name && p.Id != id, cancellationToken))
        {
            return AppError.Conflict($"A credential profile named '{name}' already exists.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var policyNames = policies.ToDictionary(p => p.Id, p => p.Name);
        var roleNames = roles.ToDictionary(r => r.Id, r => r.Name);
        var before = profile is null ? null : View(profile, policyNames, roleNames, layouts);
        if (profile is null)
        {
            profile = new CredentialProfile { Id = Guid.CreateVersion7(), Name = name, CreatedAt = now };
            db.CredentialProfiles.Add(profile);
        }
        else
        {
            db.ProfileCertificates.RemoveRange(profile.Certificates);
            db.ProfileRoles.RemoveRange(profile.Roles);
        }

        Apply(profile, input, draft);
        profile.UpdatedAt = now;
        var view = View(profile, policyNames, roleNames, layouts);
        audit.Record(caller, before is null ? "profile.created" : "profile.updated", Workflow.CredentialProfiles,
            new AuditTarget("profile", profile.Id.ToString("D"), profile.Name), AuditOutcome.Success, before is null ? view : new { before, after = view });
        // Commit: the profile, its certificate and role rows and the audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return view;
    }

    private void Apply(CredentialProfile profile, ProfileInput input, ProfileDraft draft)
    {
        profile.Name = draft.Name;
        profile.Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        profile.CardEncoding = draft.Encoding;
        profile.DeviceRestriction = input.DeviceRestriction ?? DeviceRestriction.Any;
        profile.RequireValidation = input.RequireValidation ?? false;
        profile.AllowFace = input.AllowFace ?? false;
        profile.AllowFingerprint = input.AllowFingerprint ?? false;
        profile.RequireFingerprintsAtIssuance = BiometricRequirement.NeverRequired;
        profile.RequireFacialBiometrics = BiometricRequirement.NeverRequired;
        profile.CardFormat = draft.Format;
        profile.CardDataModel = draft.CardDataModel;
        profile.RequireChallenge = input.RequireChallenge ?? false;
        profile.CardLayoutId = draft.LayoutId;
        profile.RequireCallerVerification = input.RequireCallerVerification ?? false;
        // Note: left out keeps the static challenge (it is never shown again); an empty one removes it.
        if (input.StaticChallenge == "" || draft.Encoding != CardEncoding.DeviceIdentityOnly)
        {
            (profile.StaticChallengeHash, profile.StaticChallengeSalt) = (null, null);
        }
        else if (input.StaticChallenge is { } challenge)
        {
            (profile.StaticChallengeHash, profile.StaticChallengeSalt) = StaticChallenges.Hash(challenge);
        }

        foreach (var certificate in draft.Certificates)
        {
            certificate.ProfileId = profile.Id;
            db.ProfileCertificates.Add(certificate);
        }

        foreach (var role in draft.Roles)
        {
            role.ProfileId = profile.Id;
            db.ProfileRoles.Add(role);
        }

        profile.Certificates = draft.Certificates;
        profile.Roles = draft.Roles;
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
        // Commit: the profile's removal and its audit record together, once.
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
}
