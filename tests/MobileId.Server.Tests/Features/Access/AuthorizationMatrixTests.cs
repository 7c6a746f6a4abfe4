using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using MobileId.Server.Features.Setup;

namespace MobileId.Server.Tests.Features.Access;

/// <summary>
/// The authorization matrix (PRODUCT.md §2): every API endpoint × each built-in role × each scope ×
/// a target inside and outside that scope. The expected answer is computed from the endpoint's
/// <see cref="AccessRule"/>, the built-in role's workflows and this file's own model of scope, never
/// from what the server answers. A new endpoint without a rule, or without a row in
/// <see cref="Rows"/>, fails <see cref="Endpoints_EveryApiEndpoint_HasAnAccessRuleAndAMatrixRow"/>.
/// </summary>
public sealed partial class AuthorizationMatrixTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private static readonly ConditionalWeakTable<MobileIdApp, Task<MatrixWorld>> Worlds = new();

    private MatrixWorld _world = null!;

    private MobileIdApp App => fixture.App;

    public async Task InitializeAsync() => _world = await Worlds.GetValue(App, MatrixWorld.CreateAsync);

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, Scope> RolesAndScopes()
    {
        var data = new TheoryData<string, Scope>();
        foreach (var role in InitService.BuiltInRoles)
        {
            foreach (var scope in Enum.GetValues<Scope>())
            {
                data.Add(role.Name, scope);
            }
        }

        return data;
    }

    [Fact]
    public void Endpoints_EveryApiEndpoint_HasAnAccessRuleAndAMatrixRow()
    {
        // Arrange
        var endpoints = ApiEndpoints.Of(App);

        // Act
        var withoutRule = endpoints.Where(e => e.Rule is null).Select(e => e.Key).ToList();
        var withoutRow = endpoints.Where(e => !Rows.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        var staleRows = Rows.Keys.Except(endpoints.Select(e => e.Key)).ToList();

        // Assert
        Assert.True(endpoints.Count >= 20, $"Only {endpoints.Count} API endpoints found; is the endpoint data source the app's?");
        Assert.True(withoutRule.Count == 0, "API endpoints without an AccessRule: " + string.Join(", ", withoutRule));
        Assert.True(withoutRow.Count == 0,
            "API endpoints without a row in the authorization matrix (add a sample request to AuthorizationMatrixTests.Rows): " + string.Join(", ", withoutRow));
        Assert.True(staleRows.Count == 0, "Matrix rows for endpoints that no longer exist: " + string.Join(", ", staleRows));
    }

    [Fact]
    public void EnsureEveryApiEndpointHasARule_EndpointWithoutRule_ThrowsNamingIt()
    {
        // Arrange
        var real = App.Services.GetRequiredService<EndpointDataSource>().Endpoints.ToList();
        var fake = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/api/v1/unguarded/{id:guid}"), 0,
            new EndpointMetadataCollection(new HttpMethodMetadata(["DELETE"])), "DELETE /api/v1/unguarded/{id:guid}");
        var outsideApi = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/pki/unguarded"), 0,
            EndpointMetadataCollection.Empty, "GET /pki/unguarded");

        // Act
        AccessRules.EnsureEveryApiEndpointHasARule([.. real, outsideApi]);
        var error = Assert.Throws<InvalidOperationException>(() => AccessRules.EnsureEveryApiEndpointHasARule([.. real, outsideApi, fake]));

        // Assert
        Assert.Contains("DELETE /api/v1/unguarded/{id:guid}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/pki/unguarded", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/v1/people", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoint_NoCredentials_Returns401UnlessPublic()
    {
        // Arrange
        using var client = App.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var anyRole = InitService.BuiltInRoles[0];
        var failures = new List<string>();

        // Act
        foreach (var endpoint in ApiEndpoints.Of(App).Where(e => Rows.ContainsKey(e.Key)))
        {
            var row = Rows[endpoint.Key];
            var expected = endpoint.Rule is { Anonymous: true }
                ? row.Success
                : new Expectation(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated, "no credentials");
            var context = new MatrixRequest(App, _world, _world.B, anyRole, Scope.All, expected);
            using var request = await row.BuildAsync(context);
            using var response = await client.SendAsync(request);
            if (await CheckAsync(response, expected) is { } failure)
            {
                failures.Add($"{endpoint.Key}: {failure}");
            }
        }

        // Assert
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(RolesAndScopes))]
    public async Task Endpoint_BuiltInRoleWithScope_AnswersAsTheRulesSay(string roleName, Scope scope)
    {
        // Arrange: an API client with the role, the scope replacing the role's, acting for the caller person in DeptA.
        var role = InitService.BuiltInRoles.Single(r => r.Name == roleName);
        using var client = await App.ClientForAsync(roleName, scope, _world.Self.Id);
        var endpoints = ApiEndpoints.Of(App);
        var failures = new List<string>();
        var requests = 0;

        // Act
        foreach (var endpoint in endpoints)
        {
            Assert.True(Rows.TryGetValue(endpoint.Key, out var row), $"{endpoint.Key} has no row in the authorization matrix.");
            Assert.NotNull(endpoint.Rule);
            IReadOnlyList<MatrixPerson> targets = row.Target is TargetKind.None or TargetKind.PeopleList or TargetKind.GroupList
                ? [_world.Inside(scope)]
                : new[] { _world.Inside(scope), _world.Outside(scope) }.OfType<MatrixPerson>().ToList();
            foreach (var target in targets)
            {
                var expected = Expect(endpoint.Rule, row, role, scope, target);
                var context = new MatrixRequest(App, _world, target, role, scope, expected);
                using var request = await row.BuildAsync(context);
                using var response = await client.SendAsync(request);
                requests++;
                var failure = await CheckAsync(response, expected);
                if (failure is null && expected.Code == ErrorCodes.OutOfScope &&
                    (await response.Content.ReadAsStringAsync()).Contains(target.Logon, StringComparison.OrdinalIgnoreCase))
                {
                    // PRODUCT.md §2: a caller sees only the people in scope, so the refusal must not name the person.
                    failure = $"the out_of_scope refusal reveals the logon name of {target.Name}";
                }

                if (failure is null && row.VerifyAsync is not null)
                {
                    failure = await row.VerifyAsync(context, await response.Content.ReadAsStringAsync());
                }

                if (failure is not null)
                {
                    failures.Add($"{endpoint.Key} on {target.Name}: {failure}");
                }
            }
        }

        // Assert
        Assert.True(requests >= endpoints.Count, $"Only {requests} requests were sent for {endpoints.Count} endpoints.");
        Assert.True(failures.Count == 0,
            $"{roleName} with scope {scope}: {failures.Count} of {requests} answers differ from the rules:\n" + string.Join("\n", failures));
    }

    /// <summary>
    /// What the rules say: the endpoint's workflow must be granted (workflow_not_granted), with scope
    /// All when the rule says so (all_scope_required); then the target must lie in the scope
    /// (out_of_scope), and whoever sets a password must hold the target's roles (privilege_escalation).
    /// </summary>
    private Expectation Expect(AccessRule rule, MatrixRow row, Role role, Scope scope, MatrixPerson target)
    {
        if (rule.Anonymous || rule.Workflow is not { } workflow)
        {
            return row.Success;
        }

        if (!role.Workflows.Contains(workflow))
        {
            return Denied(ErrorCodes.WorkflowNotGranted, $"{role.Name} does not grant {workflow}");
        }

        if (rule.Scope == ScopeRule.AllScope && scope != Scope.All)
        {
            return Denied(ErrorCodes.AllScopeRequired, $"{workflow} changes everyone, scope is {scope}");
        }

        return row.Target switch
        {
            TargetKind.Person when !_world.Covers(scope, target) =>
                Denied(ErrorCodes.OutOfScope, $"{target.Name} is outside scope {scope}"),
            TargetKind.Person when row.NeverForOneself && target == _world.Self =>
                Denied(ErrorCodes.WorkflowNotGranted, "nobody may do this for themself"),
            TargetKind.Person when row.TargetRolesMustBeHeld && target.Roles.FirstOrDefault(r => !MayHandOut(role, scope, r)) is { } held =>
                Denied(ErrorCodes.PrivilegeEscalation, $"{target.Name} holds {held.Name}, which {role.Name} with scope {scope} does not cover"),
            TargetKind.NewInGroup when !_world.CoversGroup(scope, target.GroupId) =>
                Denied(ErrorCodes.OutOfScope, $"the group of {target.Name} is outside scope {scope}"),
            TargetKind.ImportInGroup when !_world.CoversGroup(scope, target.GroupId) =>
                new Expectation(StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed,
                    $"the import rejects a row in the group of {target.Name}, outside scope {scope}"),
            _ => row.Success,
        };
    }

    /// <summary>
    /// The rule against privilege escalation (PRODUCT.md §2): a Self-scoped role reaches only its holder;
    /// any other needs each of its workflows held with at least its scope. The client's scope applies to all its workflows.
    /// </summary>
    private static bool MayHandOut(Role callerRole, Scope callerScope, Role role) =>
        role.Scope == Scope.Self || (role.Workflows.IsSubsetOf(callerRole.Workflows) && callerScope >= role.Scope);

    private static Expectation Denied(string code, string why) => new(StatusCodes.Status403Forbidden, code, why);

    /// <summary>Null when the response is what was expected, otherwise what differs.</summary>
    private static async Task<string?> CheckAsync(HttpResponseMessage response, Expectation expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var shown = body.Length > 300 ? body[..300] + "…" : body;
        if (status != expected.Status)
        {
            return $"expected {expected.Status}{(expected.Code is null ? "" : " " + expected.Code)} ({expected.Why}) but got {status}: {shown}";
        }

        if (expected.Code is null)
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"expected a problem+json body with code {expected.Code} but got {response.Content.Headers.ContentType}: {shown}";
        }

        var code = JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        return code == expected.Code ? null : $"expected code {expected.Code} ({expected.Why}) but got {code}: {shown}";
    }
}

/// <summary>What a sample request acts on, which decides how scope applies to it.</summary>
public enum TargetKind
{
    /// <summary>Nothing in particular (the caller itself, settings, roles): only the workflow rule applies.</summary>
    None,

    /// <summary>An existing person, named in the route: the person must lie in the scope.</summary>
    Person,

    /// <summary>Something new (a person, a group) placed in the target's group: the group must lie in the scope.</summary>
    NewInGroup,

    /// <summary>A CSV row adding a person to the target's group: out-of-scope rows reject the file (400).</summary>
    ImportInGroup,

    /// <summary>Find Person's search: lists exactly the people in scope.</summary>
    PeopleList,

    /// <summary>The group list: the groups in scope and the caller's own group.</summary>
    GroupList,

    /// <summary>Audit records about one person: listed only when the person is in scope.</summary>
    AuditList,
}

/// <summary>The answer the rules predict: a status and, for failures, the problem code.</summary>
public sealed record Expectation(int Status, string? Code, string Why)
{
    public bool Succeeds => Status is >= 200 and < 300;
}

/// <summary>One request of the matrix: who asks (role, scope), about whom, and what the rules predict.</summary>
public sealed record MatrixRequest(MobileIdApp App, MatrixWorld World, MatrixPerson Target, Role Role, Scope Scope, Expectation Expected)
{
    /// <summary>Unique text for names that must not repeat (logons, group and role names).</summary>
    public string Unique { get; } = Guid.NewGuid().ToString("N")[..12];
}

/// <summary>A sample request for one endpoint, valid and repeatable when access is granted.</summary>
public sealed record MatrixRow(
    TargetKind Target,
    Expectation Success,
    Func<MatrixRequest, Task<HttpRequestMessage>> BuildAsync,
    bool TargetRolesMustBeHeld = false,
    Func<MatrixRequest, string, Task<string?>>? VerifyAsync = null,
    bool NeverForOneself = false);
