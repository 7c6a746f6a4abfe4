using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Pki.Policies;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Certificates;

public sealed record PolicyInput(
    string? Name, string? Ca, KeyAlgorithm? KeyAlgorithm, List<X509KeyUsageFlags>? KeyUsage, List<string>? ExtendedKeyUsages,
    string? SubjectTemplate, bool? SanEmail, string? UpnSuffix, List<string>? PolicyOids, int? ValidityDays, KeyGeneration? KeyGeneration,
    bool? Archive, bool? AutomaticRenewal, int? RenewalDaysBeforeExpiry);

public sealed record PolicyView(
    Guid Id, string Name, string Ca, KeyAlgorithm KeyAlgorithm, IReadOnlyList<string> KeyUsage, IReadOnlyList<string> ExtendedKeyUsages,
    string SubjectTemplate, bool SanEmail, string? UpnSuffix, IReadOnlyList<string> PolicyOids, int ValidityDays, KeyGeneration KeyGeneration,
    bool Archive, bool AutomaticRenewal, int RenewalDaysBeforeExpiry);

/// <summary>Certificate policies (PRODUCT.md §4), checked by <see cref="CertificatePolicyRules"/> on every save.</summary>
public sealed class PoliciesService(MobileIdDbContext db, AuditTrail audit, TimeProvider time)
{
    /// <summary>The text a list of policies is searched in (<c>q</c>): name, CA and key algorithm.</summary>
    public static IEnumerable<string?> SearchText(PolicyView policy) => [policy.Name, policy.Ca, policy.KeyAlgorithm.ToString()];

    public async Task<IReadOnlyList<PolicyView>> ListAsync(CancellationToken cancellationToken)
    {
        var cas = await db.CertificateAuthorities.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        return (await db.CertificatePolicies.AsNoTracking().OrderBy(p => p.Name).ToListAsync(cancellationToken))
            .Select(p => View(p, cas.GetValueOrDefault(p.IssuerId) ?? "")).ToList();
    }

    public async Task<Result<PolicyView>> SaveAsync(Caller caller, Guid? id, PolicyInput input, CancellationToken cancellationToken)
    {
        CertificatePolicyRecord? record = null;
        if (id is { } existing)
        {
            record = await db.CertificatePolicies.SingleOrDefaultAsync(p => p.Id == existing, cancellationToken);
            if (record is null)
            {
                return AppError.NotFound("That certificate policy");
            }
        }

        var usage = (input.KeyUsage ?? []).Aggregate(X509KeyUsageFlags.None, (a, b) => a | b);
        var definition = new CertificatePolicyDefinition(input.Name?.Trim(), input.KeyAlgorithm ?? KeyAlgorithm.EcdsaP256, usage,
            input.ExtendedKeyUsages ?? [], input.SubjectTemplate, input.SanEmail ?? false, string.IsNullOrWhiteSpace(input.UpnSuffix) ? null : input.UpnSuffix.Trim(),
            input.PolicyOids ?? [], input.ValidityDays ?? 365, input.KeyGeneration ?? KeyGeneration.Device, input.Archive ?? false,
            input.AutomaticRenewal ?? false, input.RenewalDaysBeforeExpiry ?? 0);
        var errors = CertificatePolicyRules.Validate(definition);
        var ca = await db.CertificateAuthorities.AsNoTracking()
            .SingleOrDefaultAsync(c => c.Name == (input.Ca ?? "") && c.Kind == CaKind.Issuing && c.Status == CaStatus.Active && c.KeyId != "", cancellationToken);
        if (ca is null)
        {
            errors["ca"] = [$"'{input.Ca}' is not an active issuing CA of this server; see GET /pki/ca."];
        }

        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        if (await db.CertificatePolicies.AnyAsync(p => p.Name == definition.Name && p.Id != id, cancellationToken))
        {
            return AppError.Conflict($"A certificate policy named '{definition.Name}' already exists.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        record ??= db.CertificatePolicies.Add(new CertificatePolicyRecord { Id = Guid.CreateVersion7(), Name = "", SubjectTemplate = "", CreatedAt = now }).Entity;
        record.Name = definition.Name!;
        record.IssuerId = ca!.Id;
        record.KeyAlgorithm = definition.KeyAlgorithm;
        record.KeyUsage = (int)definition.KeyUsage;
        record.ExtendedKeyUsages = string.Join(',', definition.ExtendedKeyUsages);
        record.SubjectTemplate = definition.SubjectTemplate!;
        record.SanEmail = definition.SanEmail;
        record.UpnSuffix = definition.UpnSuffix;
        record.PolicyOids = string.Join(',', definition.PolicyOids);
        record.ValidityDays = definition.ValidityDays;
        record.KeyGeneration = definition.KeyGeneration;
        record.Archive = definition.Archive;
        record.AutomaticRenewal = definition.AutomaticRenewal;
        record.RenewalDaysBeforeExpiry = definition.RenewalDaysBeforeExpiry;
        record.UpdatedAt = now;
        var view = View(record, ca.Name);
        audit.Record(caller, id is null ? "policy.created" : "policy.updated", Workflow.CertificateAuthorities,
            new AuditTarget("policy", record.Id.ToString("D"), record.Name), AuditOutcome.Success, view);
        // Commit: the policy and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return view;
    }

    public static CertificatePolicyDefinition Definition(CertificatePolicyRecord p) => new(p.Name, p.KeyAlgorithm, (X509KeyUsageFlags)p.KeyUsage,
        Split(p.ExtendedKeyUsages), p.SubjectTemplate, p.SanEmail, p.UpnSuffix, Split(p.PolicyOids), p.ValidityDays, p.KeyGeneration, p.Archive,
        p.AutomaticRenewal, p.RenewalDaysBeforeExpiry);

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static PolicyView View(CertificatePolicyRecord p, string ca) => new(p.Id, p.Name, ca, p.KeyAlgorithm,
        Enum.GetValues<X509KeyUsageFlags>().Where(f => f != X509KeyUsageFlags.None && ((X509KeyUsageFlags)p.KeyUsage).HasFlag(f)).Select(f => f.ToString()).ToList(),
        Split(p.ExtendedKeyUsages), p.SubjectTemplate, p.SanEmail, p.UpnSuffix, Split(p.PolicyOids), p.ValidityDays, p.KeyGeneration, p.Archive,
        p.AutomaticRenewal, p.RenewalDaysBeforeExpiry);
}
