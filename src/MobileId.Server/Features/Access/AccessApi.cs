using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Access;

public sealed record SignInResponse(string LogonName, bool MustChangePassword);

public sealed record MeResponse(string Kind, Guid Id, string Name, Guid? PersonId, Guid? GroupId, bool MustChangePassword,
    IReadOnlyList<GrantView> Grants);

public sealed record GrantView(Workflow Workflow, string Name, Scope Scope);

public sealed record AssignRolesResponse(IReadOnlyList<string> Roles);

public static class AccessApi
{
    /// <summary>Callers, the access policy, sign-in by password or certificate, roles and API clients.</summary>
    public static IServiceCollection AddMobileIdAccess(this IServiceCollection services)
    {
        services.AddScoped<CallerResolver>();
        services.AddScoped<AccessPolicy>();
        services.AddSingleton<PasswordHasher>();
        services.AddScoped<SignInService>();
        services.AddScoped<CertificateSignIn>();
        services.AddScoped<RolesService>();
        services.AddScoped<ApiClientsService>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccessApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/v1/auth").WithTags("Sign-in");
        auth.MapPost("/sign-in", SignIn).WithName("SignIn").WithSummary("Signs in with logon name and password; sets the session cookie.").IsPublic();
        auth.MapPost("/sign-out", SignOut).WithName("SignOut").WithSummary("Ends the session.").RequiresCaller();
        auth.MapPost("/change-password", ChangePassword).WithName("ChangePassword")
            .WithSummary("Changes the signed-in person's password (required after a generated password).").RequiresCaller();
        app.MapGet("/api/v1/me", Me).WithTags("Sign-in").WithName("GetMe").WithSummary("Who the caller is and what it may do.").RequiresCaller();

        var roles = app.MapGroup("/api/v1/roles").WithTags("Edit Roles");
        roles.MapGet("", ListRoles).WithName("ListRoles").WithSummary("Roles with their workflows and scope, paged; q filters by name and description.").RequiresWorkflow(Workflow.EditRoles);
        roles.MapPost("", CreateRole).WithName("CreateRole").RequiresWorkflow(Workflow.EditRoles, ScopeRule.AllScope);
        roles.MapPut("/{id:guid}", UpdateRole).WithName("UpdateRole").RequiresWorkflow(Workflow.EditRoles, ScopeRule.AllScope);
        roles.MapDelete("/{id:guid}", DeleteRole).WithName("DeleteRole").RequiresWorkflow(Workflow.EditRoles, ScopeRule.AllScope);
        app.MapPut("/api/v1/people/{id:guid}/roles", AssignRoles).WithTags("Edit Roles").WithName("AssignRoles")
            .WithSummary("Replaces the roles a person holds.").RequiresWorkflow(Workflow.EditRoles);

        var clients = app.MapGroup("/api/v1/api-clients").WithTags("API clients");
        clients.MapGet("", ListApiClients).WithName("ListApiClients").WithSummary("API clients, paged; q filters by name and role.").RequiresWorkflow(Workflow.EditRoles, ScopeRule.AllScope);
        clients.MapPost("", CreateApiClient).WithName("CreateApiClient")
            .WithSummary("Creates an API client; the response holds its secret, shown this once.").RequiresWorkflow(Workflow.EditRoles, ScopeRule.AllScope);
        clients.MapDelete("/{id:guid}", DeleteApiClient).WithName("DeleteApiClient").RequiresWorkflow(Workflow.EditRoles, ScopeRule.AllScope);
        return app;
    }

    private static async Task<Results<Ok<SignInResponse>, ProblemHttpResult>> SignIn(
        SignInRequest request, SignInService signIn, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await signIn.SignInAsync(request, cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Error.ToResult();
        }

        var person = result.Value;
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            Caller.PersonPrincipal(person, CookieAuthenticationDefaults.AuthenticationScheme));
        return TypedResults.Ok(new SignInResponse(person.LogonName, person.MustChangePassword));
    }

    private static async Task<NoContent> SignOut(Caller caller, SignInService signIn, HttpContext context, CancellationToken cancellationToken)
    {
        await signIn.SignOutAsync(caller, context, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(
        ChangePasswordRequest request, Caller caller, SignInService signIn, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await signIn.ChangePasswordAsync(caller, request, cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Error.ToResult();
        }

        // The old session carries the old security stamp; issue one with the new stamp.
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            Caller.PersonPrincipal(result.Value, CookieAuthenticationDefaults.AuthenticationScheme));
        return TypedResults.NoContent();
    }

    private static Ok<MeResponse> Me(Caller caller) => TypedResults.Ok(new MeResponse(
        caller.ActorKind, caller.Id, caller.Name, caller.PersonId, caller.GroupId, caller.MustChangePassword,
        caller.Grants.OrderBy(g => g.Workflow).Select(g => new GrantView(g.Workflow, g.Workflow.DisplayName(), g.Scope)).ToList()));

    private static async Task<Results<Ok<PagedResult<RoleView>>, ProblemHttpResult>> ListRoles([AsParameters] ListQuery query, RolesService roles,
        IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await roles.ListAsync(cancellationToken), query, options, r => [r.Name, r.Description]);

    private static async Task<Results<Created<RoleView>, ProblemHttpResult>> CreateRole(
        RoleInput input, Caller caller, RolesService roles, CancellationToken cancellationToken)
    {
        var result = await roles.CreateAsync(caller, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/roles/{result.Value.Id}", result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<RoleView>, ProblemHttpResult>> UpdateRole(
        Guid id, RoleInput input, Caller caller, RolesService roles, CancellationToken cancellationToken)
    {
        var result = await roles.UpdateAsync(caller, id, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteRole(
        Guid id, Caller caller, RolesService roles, CancellationToken cancellationToken) =>
        await roles.DeleteAsync(caller, id, cancellationToken) is { } error ? error.ToResult() : TypedResults.NoContent();

    private static async Task<Results<Ok<AssignRolesResponse>, ProblemHttpResult>> AssignRoles(
        Guid id, AssignRolesRequest request, Caller caller, RolesService roles, CancellationToken cancellationToken)
    {
        if (request.Roles is null)
        {
            return AppError.Validation("roles", "roles is required: the full list of role names the person should hold.").ToResult();
        }

        var result = await roles.AssignAsync(caller, id, request.Roles, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(new AssignRolesResponse(result.Value)) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<PagedResult<ApiClientView>>, ProblemHttpResult>> ListApiClients([AsParameters] ListQuery query,
        ApiClientsService clients, IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await clients.ListAsync(cancellationToken), query, options, c => [c.Name, c.Role]);

    private static async Task<Results<Created<CreatedApiClient>, ProblemHttpResult>> CreateApiClient(
        CreateApiClientRequest request, Caller caller, ApiClientsService clients, CancellationToken cancellationToken)
    {
        var result = await clients.CreateAsync(caller, request, cancellationToken);
        return result.IsSuccess
            ? TypedResults.Created($"/api/v1/api-clients/{result.Value.Client.Id}", result.Value)
            : result.Error.ToResult();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteApiClient(
        Guid id, Caller caller, ApiClientsService clients, CancellationToken cancellationToken) =>
        await clients.DeleteAsync(caller, id, cancellationToken) is { } error ? error.ToResult() : TypedResults.NoContent();
}
