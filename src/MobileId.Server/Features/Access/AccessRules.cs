using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Access;

public enum ScopeRule
{
    /// <summary>The handler checks scope over the person it acts on (or filters a list by it).</summary>
    PerTarget,

    /// <summary>The action affects everyone: the workflow must be granted with scope All.</summary>
    AllScope,
}

/// <summary>
/// The access rule of an endpoint. Every endpoint under <c>/api/v1</c> must carry one; the server
/// refuses to start otherwise (see <see cref="AccessRules.EnsureEveryApiEndpointHasARule"/>).
/// </summary>
public sealed record AccessRule(Workflow? Workflow, ScopeRule Scope, bool Anonymous, bool DuringPasswordChange)
{
    public static readonly AccessRule Public = new(null, ScopeRule.PerTarget, Anonymous: true, DuringPasswordChange: true);
    public static readonly AccessRule AnyCaller = new(null, ScopeRule.PerTarget, Anonymous: false, DuringPasswordChange: true);
}

public static class AccessRules
{
    public static TBuilder RequiresWorkflow<TBuilder>(this TBuilder builder, Workflow workflow, ScopeRule scope = ScopeRule.PerTarget)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessRule(workflow, scope, Anonymous: false, DuringPasswordChange: false));

    /// <summary>Any signed-in caller, even one who still has to change the password.</summary>
    public static TBuilder RequiresCaller<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(AccessRule.AnyCaller);

    public static TBuilder IsPublic<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(AccessRule.Public);

    /// <summary>Fails start-up when an API endpoint was added without saying who may call it.</summary>
    public static void EnsureEveryApiEndpointHasARule(IEnumerable<Endpoint> endpoints)
    {
        var missing = endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<AccessRule>() is null)
            .Select(e => e.DisplayName ?? e.RoutePattern.RawText)
            .ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                "These API endpoints have no access rule (RequiresWorkflow, RequiresCaller or IsPublic): " + string.Join(", ", missing));
        }
    }
}

/// <summary>
/// Resolves the caller and applies the endpoint's <see cref="AccessRule"/> before the handler runs:
/// 401 without valid credentials, 403 when the workflow (or scope All) is not granted. Scope over
/// a particular person is checked by the handler through <see cref="AccessPolicy"/>.
/// </summary>
internal sealed class AccessMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, CallerResolver resolver, AuditTrail audit)
    {
        var rule = context.GetEndpoint()?.Metadata.GetMetadata<AccessRule>();
        var caller = await resolver.ResolveAsync(context.User, context.RequestAborted);
        if (caller is not null)
        {
            context.Items[typeof(Caller)] = caller;
        }

        if (rule is null || rule.Anonymous)
        {
            await next(context);
            return;
        }

        AppError? error = null;
        if (caller is null)
        {
            error = new AppError(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated, "Unauthenticated",
                "Sign in, or send an API client secret as 'Authorization: Bearer <secret>'.");
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        else if (caller.MustChangePassword && !rule.DuringPasswordChange)
        {
            error = AppError.Forbidden(ErrorCodes.PasswordChangeRequired,
                "You must change your password before you continue: POST /api/v1/auth/change-password.");
        }
        else if (rule.Workflow is { } workflow && !caller.Has(workflow))
        {
            error = AccessPolicy.WorkflowNotGranted(workflow);
        }
        else if (rule.Workflow is { } all && rule.Scope == ScopeRule.AllScope && !caller.HasWithScope(all, Scope.All))
        {
            error = AccessPolicy.AllScopeRequired(all);
        }

        if (error is null)
        {
            await next(context);
            if (caller is not null && context.Response.StatusCode == StatusCodes.Status403Forbidden)
            {
                // Refusals decided inside the handler (out of scope, privilege escalation) are audited too.
                await audit.RecordNowAsync(caller, "access.denied", rule.Workflow, null, AuditOutcome.Denied,
                    new { method = context.Request.Method, path = context.Request.Path.Value, reason = "refused by the handler" }, CancellationToken.None);
            }

            return;
        }

        if (caller is not null)
        {
            await audit.RecordNowAsync(caller, "access.denied", rule.Workflow, null, AuditOutcome.Denied,
                new { method = context.Request.Method, path = context.Request.Path.Value, reason = error.Code }, context.RequestAborted);
        }

        await error.ToResult().ExecuteAsync(context);
    }
}
