using System.Text.Json;

namespace MobileId.Server.Features.Audit;

/// <summary>What an audited action was done to.</summary>
public sealed record AuditTarget(string Kind, string? Id, string? Name, Guid? PersonId = null, Guid? GroupId = null)
{
    public static AuditTarget For(Person person) =>
        new("person", person.Id.ToString("D"), person.LogonName, person.Id, person.GroupId);

    public static AuditTarget Setting(string key) => new("setting", key, key);
}

/// <summary>
/// Writes audit records (PRODUCT.md §12): who, what, on whom, when, from where, outcome. Records
/// queued with <see cref="Record"/> are written by the next <c>SaveChanges</c>, in the same
/// transaction as the change; <see cref="RecordNowAsync"/> writes a record on its own (denials, failures).
/// </summary>
public sealed class AuditTrail(MobileIdDbContext db, IHttpContextAccessor httpContextAccessor, TimeProvider time)
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);

    /// <summary>Set by the command line, where there is no HTTP request.</summary>
    public string? SourceOverride { get; set; }

    public void Record(IAuditActor? actor, string action, Workflow? workflow, AuditTarget? target, AuditOutcome outcome, object? details = null)
    {
        var context = httpContextAccessor.HttpContext;
        db.AddAudit(new AuditRecord
        {
            OccurredAt = AuditChain.Truncate(time.GetUtcNow().UtcDateTime),
            ActorKind = actor?.ActorKind ?? "anonymous",
            ActorId = actor?.ActorId,
            ActorName = actor?.ActorName ?? "anonymous",
            Action = action,
            Workflow = workflow?.DisplayName(),
            TargetKind = target?.Kind,
            TargetId = Truncate(target?.Id, 200),
            TargetName = Truncate(target?.Name, 200),
            TargetPersonId = target?.PersonId,
            TargetGroupId = target?.GroupId,
            SourceAddress = SourceOverride ?? context?.Connection.RemoteIpAddress?.ToString() ?? "local",
            Outcome = outcome,
            Details = details is null ? null : details as string ?? JsonSerializer.Serialize(details, DetailsJson),
            PreviousHash = "",
            Hash = "",
        });
    }

    /// <summary>
    /// Writes one record at once. The caller's unsaved changes are discarded first: this is for
    /// outcomes where the action itself did not happen.
    /// </summary>
    public async Task RecordNowAsync(IAuditActor? actor, string action, Workflow? workflow, AuditTarget? target, AuditOutcome outcome, object? details, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        Record(actor, action, workflow, target, outcome, details);
        // Commit: this audit record alone: the caller's unsaved changes were discarded above.
        await db.SaveChangesAsync(cancellationToken);
    }

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
