using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.People;

namespace MobileId.Server.Features.Audit;

public sealed record AuditRecordView(long Sequence, DateTime OccurredAt, string ActorKind, string? ActorId, string ActorName, string Action,
    string? Workflow, string? TargetKind, string? TargetId, string? TargetName, Guid? TargetPersonId, string? SourceAddress,
    AuditOutcome Outcome, string? Details, string Hash);

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Audit");
        group.MapGet("", List).WithName("ListAuditRecords")
            .WithSummary("Audit records, newest first. Below scope All only records about people in scope are listed.")
            .RequiresWorkflow(Workflow.Audit);
        group.MapGet("/verify", Verify).WithName("VerifyAuditChain").WithSummary("Checks the whole hash chain.")
            .RequiresWorkflow(Workflow.Audit, ScopeRule.AllScope);
        return app;
    }

    private static async Task<Results<Ok<PagedResult<AuditRecordView>>, ProblemHttpResult>> List(
        Caller caller, MobileIdDbContext db, AccessPolicy access, IOptions<ApiOptions> options,
        [FromQuery] string? action, [FromQuery] string? actor, [FromQuery] Guid? personId, [FromQuery] AuditOutcome? outcome,
        [FromQuery] DateTime? from, [FromQuery] DateTime? to, [FromQuery] int? page, [FromQuery] int? pageSize, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } error)
        {
            return error.ToResult();
        }

        var query = db.AuditRecords.AsNoTracking();
        var coverage = await access.CoverageAsync(caller, Workflow.Audit, cancellationToken);
        if (!coverage.Everyone)
        {
            var self = coverage.SelfId ?? Guid.Empty;
            var groups = coverage.Groups.Select(g => (Guid?)g).ToList();
            query = query.Where(r => r.TargetPersonId == self || groups.Contains(r.TargetGroupId));
        }

        if (!string.IsNullOrWhiteSpace(action))
        {
            query = query.Where(r => r.Action.StartsWith(action));
        }

        if (!string.IsNullOrWhiteSpace(actor))
        {
            query = query.Where(r => r.ActorName == actor);
        }

        if (personId is { } id)
        {
            query = query.Where(r => r.TargetPersonId == id);
        }

        if (outcome is { } o)
        {
            query = query.Where(r => r.Outcome == o);
        }

        if (from is { } f)
        {
            var start = f.ToUniversalTime();
            query = query.Where(r => r.OccurredAt >= start);
        }

        if (to is { } t)
        {
            var end = t.ToUniversalTime();
            query = query.Where(r => r.OccurredAt < end);
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(r => r.Sequence).Skip((p - 1) * size).Take(size)
            .Select(r => new AuditRecordView(r.Sequence, r.OccurredAt, r.ActorKind, r.ActorId, r.ActorName, r.Action, r.Workflow,
                r.TargetKind, r.TargetId, r.TargetName, r.TargetPersonId, r.SourceAddress, r.Outcome, r.Details, r.Hash))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResult<AuditRecordView>(items, p, size, total));
    }

    private static async Task<Ok<AuditVerification>> Verify(AuditVerifier verifier, CancellationToken cancellationToken) =>
        TypedResults.Ok(await verifier.VerifyAsync(cancellationToken));
}
