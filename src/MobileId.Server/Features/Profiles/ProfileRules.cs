using MobileId.Pki.Policies;

namespace MobileId.Server.Features.Profiles;

/// <summary>A profile input that passed every rule: what <see cref="ProfilesService"/> saves.</summary>
internal sealed record ProfileDraft(
    string Name, CardEncoding Encoding, CardFormat Format, string? CardDataModel, Guid? LayoutId,
    List<ProfileCertificate> Certificates, List<ProfileRole> Roles);

/// <summary>
/// The rules of a credential profile (PRODUCT.md §3). Every broken rule is reported with the
/// field it concerns, so one answer lists them all.
/// </summary>
internal sealed class ProfileRules(
    ProfileInput input, CardDataModelSet models, IReadOnlyList<CertificatePolicyRecord> policies, IReadOnlyList<Role> roles,
    IReadOnlyDictionary<Guid, string> layouts)
{
    private readonly FieldErrors _errors = new();
    private readonly CardEncoding _encoding = input.CardEncoding ?? CardEncoding.IdentityAgent;
    private readonly CardFormat _format = input.CardFormat ?? CardFormat.Mobile;
    private IReadOnlyList<CardContainer> _containers = [];
    private string? _modelName;

    public Result<ProfileDraft> Check()
    {
        var name = input.Name?.Trim();
        CheckText(name);
        CheckBiometrics();
        CheckFormat();
        var layoutId = CheckLayout();
        CheckChallenges();
        var certificates = CheckCertificates();
        var profileRoles = CheckRoles();
        if (_errors.ToAppError() is { } error)
        {
            return error;
        }

        return new ProfileDraft(name!, _encoding, _format, _modelName, layoutId, certificates, profileRoles);
    }

    private void CheckText(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            _errors.Add("name", "A profile name is required, at most 100 characters.");
        }

        if (input.Description is { Length: > 1000 })
        {
            _errors.Add("description", "The description is at most 1000 characters.");
        }
    }

    private void CheckBiometrics()
    {
        // Note: every MobileId profile delivers to phones, which cannot capture biometrics for
        // enrolment at issuance; such a profile could never issue (PRODUCT.md §3).
        if ((input.RequireFingerprintsAtIssuance ?? BiometricRequirement.NeverRequired) != BiometricRequirement.NeverRequired)
        {
            _errors.Add("requireFingerprintsAtIssuance",
                "Require Fingerprints at Issuance must be Never required for a mobile profile: a phone cannot capture fingerprints for enrolment, so no mobile ID could ever be issued under this profile.");
        }

        if ((input.RequireFacialBiometrics ?? BiometricRequirement.NeverRequired) != BiometricRequirement.NeverRequired)
        {
            _errors.Add("requireFacialBiometrics",
                "Require Facial Biometrics must be Never required for a mobile profile: a phone cannot capture a facial image for enrolment, so no mobile ID could ever be issued under this profile.");
        }
    }

    private void CheckFormat()
    {
        if (_format != CardFormat.Custom)
        {
            if (!string.IsNullOrWhiteSpace(input.CardDataModel))
            {
                _errors.Add("cardDataModel", "A card data model is only used with the Custom card format.");
            }

            _containers = [new CardContainer(ProfilesService.BuiltInContainers[_format], "", true, false, true, false)];
            return;
        }

        if (string.IsNullOrWhiteSpace(input.CardDataModel))
        {
            _errors.Add("cardDataModel", "A custom card format needs the name of a card data model; see GET /api/v1/card-data-models.");
        }
        else if (models.Find(input.CardDataModel.Trim()) is { } model)
        {
            _modelName = model.Name;
            _containers = model.Containers;
        }
        else
        {
            var refused = models.Errors.FirstOrDefault(e => e.File.StartsWith(input.CardDataModel.Trim(), StringComparison.OrdinalIgnoreCase));
            _errors.Add("cardDataModel", $"'{input.CardDataModel}' is not a loaded card data model{(refused is null ? "" : $" ({refused} was refused)")}; see GET /api/v1/card-data-models.");
        }
    }

    private Guid? CheckLayout()
    {
        if (string.IsNullOrWhiteSpace(input.CardLayout))
        {
            return null;
        }

        var layoutId = layouts.Where(l => l.Value == input.CardLayout.Trim()).Select(l => (Guid?)l.Key).FirstOrDefault();
        if (layoutId is null)
        {
            _errors.Add("cardLayout", $"'{input.CardLayout}' is not a card layout; see GET /api/v1/card-layouts.");
        }

        return layoutId;
    }

    private void CheckChallenges()
    {
        if (input.RequireChallenge == true && _encoding != CardEncoding.DeviceIdentityOnly)
        {
            _errors.Add("requireChallenge", "Require Challenge is for Device Identity (Only) profiles, whose devices enrol through SCEP.");
        }

        if (string.IsNullOrEmpty(input.StaticChallenge))
        {
            return;
        }

        if (_encoding != CardEncoding.DeviceIdentityOnly)
        {
            _errors.Add("staticChallenge", "A static challenge is for Device Identity (Only) profiles, whose devices enrol through SCEP or EST.");
        }
        else if (input.StaticChallenge.Length < StaticChallenges.MinimumLength || input.StaticChallenge.Length > 255 || input.StaticChallenge.Any(char.IsControl))
        {
            _errors.Add("staticChallenge", $"A static challenge is shared with an MDM for a long time: use {StaticChallenges.MinimumLength} to 255 printable characters.");
        }
    }

    private List<ProfileCertificate> CheckCertificates()
    {
        var certificates = new List<ProfileCertificate>();
        var entries = input.Certificates ?? [];
        if (entries.Count == 0 && _encoding is CardEncoding.DeviceIdentityOnly or CardEncoding.SoftwareCertificatesOnly or CardEncoding.DerivedCredential)
        {
            _errors.Add("certificates", $"A {ProfilesService.Display(_encoding)} profile issues certificates: add at least one.");
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var field = $"certificates[{i}]";
            var entry = entries[i];
            var mode = entry.Mode ?? CertificateMode.IssueNew;
            var policy = CheckPolicy(field, entry, mode);
            var container = CheckContainer(field, entry, mode, certificates);
            CheckMode(field, mode, policy);
            certificates.Add(new ProfileCertificate
            {
                Id = Guid.CreateVersion7(), PolicyId = policy?.Id, Container = container?.Name ?? entry.Container ?? "", Mode = mode, Order = i,
            });
        }

        return certificates;
    }

    private CertificatePolicyRecord? CheckPolicy(string field, ProfileCertificateInput entry, CertificateMode mode)
    {
        if (mode == CertificateMode.Unmanaged)
        {
            if (!string.IsNullOrWhiteSpace(entry.Policy))
            {
                _errors.Add($"{field}.policy", "Unmanaged certificates are the person's PFX uploads (Upload PFX Certificates); leave the policy empty.");
            }

            return null;
        }

        var policy = policies.FirstOrDefault(p => p.Name == entry.Policy?.Trim());
        if (policy is null)
        {
            _errors.Add($"{field}.policy", $"'{entry.Policy}' is not a certificate policy; see GET /api/v1/policies.");
        }

        return policy;
    }

    private CardContainer? CheckContainer(string field, ProfileCertificateInput entry, CertificateMode mode, List<ProfileCertificate> earlier)
    {
        var container = _containers.FirstOrDefault(c => string.Equals(c.Name, entry.Container?.Trim() ?? _containers.FirstOrDefault()?.Name, StringComparison.OrdinalIgnoreCase));
        if (container is null)
        {
            _errors.Add($"{field}.container", $"'{entry.Container}' is not a container of the {ProfilesService.Display(_format)} card format; its containers are: {string.Join(", ", _containers.Select(c => c.Name))}.");
        }
        else if (!container.Certificate)
        {
            _errors.Add($"{field}.container", $"The container '{container.Name}' of card data model {_modelName} does not hold certificates.");
        }
        else if (container.Unique && earlier.Any(c => string.Equals(c.Container, container.Name, StringComparison.OrdinalIgnoreCase) && c.Mode != CertificateMode.HistoricOnly)
            && mode != CertificateMode.HistoricOnly && _format == CardFormat.Custom)
        {
            _errors.Add($"{field}.container", $"The container '{container.Name}' holds one certificate, and another certificate of this profile already goes there.");
        }

        return container;
    }

    private void CheckMode(string field, CertificateMode mode, CertificatePolicyRecord? policy)
    {
        if (mode is CertificateMode.UseExisting or CertificateMode.HistoricOnly && policy is { Archive: false })
        {
            _errors.Add($"{field}.mode", $"{ProfilesService.Display(mode)} recovers archived keys, but policy '{policy.Name}' does not archive its keys.");
        }

        if (mode == CertificateMode.HistoricOnly && _format is CardFormat.CitrixSecureVault or CardFormat.MobileIronAppConnect)
        {
            _errors.Add($"{field}.mode", $"Historic certificates are never sent to {ProfilesService.Display(_format)} stores.");
        }

        if (_encoding == CardEncoding.DeviceIdentityOnly && (mode != CertificateMode.IssueNew || policy is { KeyGeneration: KeyGeneration.Server }))
        {
            _errors.Add($"{field}.mode", "Device Identity (Only) certificates are issued new, for a key the device makes and sends in its SCEP or EST request.");
        }

        if (_encoding == CardEncoding.DerivedCredential && policy is { AutomaticRenewal: true })
        {
            _errors.Add($"{field}.policy", $"Derived credentials never renew automatically (replacement is cancel and reissue), but policy '{policy.Name}' has Automatic Renewal.");
        }
    }

    private List<ProfileRole> CheckRoles()
    {
        var profileRoles = new List<ProfileRole>();
        var roleEntries = input.Roles ?? [];
        for (var i = 0; i < roleEntries.Count; i++)
        {
            var entry = roleEntries[i];
            var role = roles.FirstOrDefault(r => string.Equals(r.Name, entry.Role?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (role is null)
            {
                _errors.Add($"roles[{i}].role", $"'{entry.Role}' is not a role; see GET /api/v1/roles.");
                continue;
            }

            if (profileRoles.Any(r => r.RoleId == role.Id))
            {
                _errors.Add($"roles[{i}].role", $"The role '{role.Name}' is listed twice.");
                continue;
            }

            profileRoles.Add(new ProfileRole
            {
                RoleId = role.Id, CanReceive = entry.CanReceive, CanRequest = entry.CanRequest, CanValidate = entry.CanValidate,
                CanCollect = entry.CanCollect, CanUnlock = entry.CanUnlock,
            });
        }

        return profileRoles;
    }
}
