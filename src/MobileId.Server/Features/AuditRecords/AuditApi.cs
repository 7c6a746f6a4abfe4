using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;

using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.AuditRecords;

public sealed record AuditRecordView(long Sequence, DateTime OccurredAt, string ActorKind, string? ActorId, string ActorName, string Action,
    string? Workflow, string? TargetKind, string? TargetId, string? TargetName, Guid? TargetPersonId, string? SourceAddress,
    AuditOutcome Outcome, string? Details, string Hash);

public static class AuditApi
{
    /// <summary>Searching the audit records.</summary>
    public static IServiceCollection AddMobileIdAuditRecords(this IServiceCollection services) => services.AddScoped<AuditLog>();

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Audit");
        group.MapGet("", List).WithName("ListAuditRecords")
            .WithSummary("Audit records, newest first; filter by action (prefix), actor, target (name or id), person, outcome and time. Below scope All only records about people in scope are listed.")
            .RequiresWorkflow(Workflow.Audit);
        group.MapGet("/verify", Verify).WithName("VerifyAuditChain").WithSummary("Checks the whole hash chain.")
            .RequiresWorkflow(Workflow.Audit, ScopeRule.AllScope);
        return app;
    }

    private static async Task<Results<Ok<PagedResult<AuditRecordView>>, ProblemHttpResult>> List(
        Caller caller, AuditLog log, IOptions<ApiOptions> options,
        [FromQuery] string? action, [FromQuery] string? actor, [FromQuery] string? target, [FromQuery] Guid? personId, [FromQuery] AuditOutcome? outcome,
        [FromQuery] DateTime? from, [FromQuery] DateTime? to, [FromQuery] int? page, [FromQuery] int? pageSize, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } error)
        {
            return error.ToResult();
        }

        return TypedResults.Ok(await log.SearchAsync(caller, new AuditQuery(action, actor, target, personId, outcome, from, to), p, size, cancellationToken));
    }

    private static async Task<Ok<AuditVerification>> Verify(AuditVerifier verifier, CancellationToken cancellationToken) =>
        TypedResults.Ok(await verifier.VerifyAsync(cancellationToken));
}
