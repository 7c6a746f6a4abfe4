using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.AuditRecords;

/// <summary>
/// What to look for in the audit log: an action (or the start of one, such as <c>role.</c>), the actor's
/// name, the target's name or id, a person, an outcome, and a time range (from inclusive, to exclusive).
/// </summary>
public sealed record AuditQuery(string? Action, string? Actor, string? Target, Guid? PersonId, AuditOutcome? Outcome, DateTime? From, DateTime? To);

/// <summary>
/// Reading the audit log (PRODUCT.md §12) for the API and the console: below scope All only the records
/// about people the caller's <b>Audit</b> workflow covers.
/// </summary>
public sealed class AuditLog(MobileIdDbContext db, AccessPolicy access)
{
    /// <summary>The matching records the caller may see, newest first.</summary>
    public async Task<PagedResult<AuditRecordView>> SearchAsync(Caller caller, AuditQuery query, int page, int pageSize, CancellationToken cancellationToken)
    {
        var records = await VisibleAsync(caller, cancellationToken);
        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            var action = query.Action.Trim();
            records = records.Where(r => r.Action.StartsWith(action));
        }

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var actor = query.Actor.Trim();
            records = records.Where(r => r.ActorName == actor);
        }

        if (!string.IsNullOrWhiteSpace(query.Target))
        {
            var target = query.Target.Trim();
            records = records.Where(r => r.TargetName == target || r.TargetId == target);
        }

        if (query.PersonId is { } id)
        {
            records = records.Where(r => r.TargetPersonId == id);
        }

        if (query.Outcome is { } outcome)
        {
            records = records.Where(r => r.Outcome == outcome);
        }

        if (query.From is { } from)
        {
            var start = from.ToUniversalTime();
            records = records.Where(r => r.OccurredAt >= start);
        }

        if (query.To is { } to)
        {
            var end = to.ToUniversalTime();
            records = records.Where(r => r.OccurredAt < end);
        }

        var total = await records.CountAsync(cancellationToken);
        var items = await View(records.OrderByDescending(r => r.Sequence).Skip((page - 1) * pageSize).Take(pageSize)).ToListAsync(cancellationToken);
        return new PagedResult<AuditRecordView>(items, page, pageSize, total);
    }

    /// <summary>One record by its number; one the caller may not see answers as an unknown one does.</summary>
    public async Task<Result<AuditRecordView>> GetAsync(Caller caller, long sequence, CancellationToken cancellationToken) =>
        await View((await VisibleAsync(caller, cancellationToken)).Where(r => r.Sequence == sequence)).SingleOrDefaultAsync(cancellationToken) is { } record
            ? record
            : AppError.NotFound($"Audit record #{sequence}");

    private async Task<IQueryable<AuditRecord>> VisibleAsync(Caller caller, CancellationToken cancellationToken)
    {
        var records = db.AuditRecords.AsNoTracking();
        var coverage = await access.CoverageAsync(caller, Workflow.Audit, cancellationToken);
        if (coverage.Everyone)
        {
            return records;
        }

        var self = coverage.SelfId ?? Guid.Empty;
        var groups = coverage.Groups.Select(g => (Guid?)g).ToList();
        return records.Where(r => r.TargetPersonId == self || groups.Contains(r.TargetGroupId));
    }

    private static IQueryable<AuditRecordView> View(IQueryable<AuditRecord> records) =>
        records.Select(r => new AuditRecordView(r.Sequence, r.OccurredAt, r.ActorKind, r.ActorId, r.ActorName, r.Action, r.Workflow,
            r.TargetKind, r.TargetId, r.TargetName, r.TargetPersonId, r.SourceAddress, r.Outcome, r.Details, r.Hash));
}
