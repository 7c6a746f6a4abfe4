using static MobileId.Testing.Console.ConsoleAdministrators;

namespace MobileId.Server.Tests.Console;

/// <summary>Edit Roles in the console: the role list and editor, and the roles a person holds.</summary>
public sealed class ConsoleRolesTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private MobileIdApp App => fixture.App;

    private Task<RoleView?> StoredAsync(string name) =>
        App.WithServicesAsync(async s => (await s.GetRequiredService<RolesService>().ListAsync(CancellationToken.None)).SingleOrDefault(r => r.Name == name));

    private Task<IReadOnlyList<string>> HeldAsync(Guid person) =>
        App.WithServicesAsync(async s => (IReadOnlyList<string>)await s.GetRequiredService<MobileIdDbContext>().PersonRoles
            .Where(r => r.PersonId == person).Select(r => r.Role!.Name).OrderBy(n => n).ToListAsync());

    [Fact]
    public async Task CreateRole_AdministratorWithScopeAll_StoresTheRoleAndShowsItsPage()
    {
        // Arrange
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson, Workflow.Devices);
        var name = "guards-" + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var created = await SubmitAsync(browser, "/console/roles/new", "role", ("name", name), ("description", "Gate guards"),
            ("scope", "Department"), ("workflows", "FindPerson"), ("workflows", "Devices"), ("password", "true"), ("certificate", "true"));
        var page = await browser.GetStringAsync(created.Headers.Location!.PathAndQuery);
        var list = await browser.GetStringAsync("/console/roles?q=" + name);
        var stored = await StoredAsync(name);

        // Assert
        Assert.Equal(HttpStatusCode.Found, created.StatusCode);
        Assert.NotNull(stored);
        Assert.Equal($"/console/roles/{stored.Id}?created=1", created.Headers.Location.PathAndQuery);
        Assert.Contains("Role created.", page, StringComparison.Ordinal);
        Assert.Contains($"<h1>Role {name}</h1>", page, StringComparison.Ordinal);
        Assert.Contains("value=\"Devices\" checked", page, StringComparison.Ordinal);
        Assert.Contains("value=\"Department\" selected", page, StringComparison.Ordinal);
        Assert.Contains($">{name}</a>", list, StringComparison.Ordinal);
        Assert.Equal((Scope.Department, true, true, "Gate guards"), (stored.Scope, stored.AllowPasswordLogon, stored.AllowCertificateLogon, stored.Description));
        Assert.Equal([Workflow.FindPerson, Workflow.Devices], stored.Workflows);
    }

    [Fact]
    public async Task CreateRole_WithoutName_ShowsTheMessageNextToTheNameAndCreatesNothing()
    {
        // Arrange
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson);
        var before = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Roles.CountAsync());

        // Act
        using var response = await SubmitAsync(browser, "/console/roles/new", "role", ("name", " "), ("scope", "All"), ("workflows", "FindPerson"));
        var html = await ReadAsync(response, HttpStatusCode.BadRequest);
        var after = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Roles.CountAsync());

        // Assert
        Assert.Contains("<span class=\"field-error\" id=\"name-error\">Role name is required, at most 100 characters.</span>", html, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"FindPerson\" checked", html, StringComparison.Ordinal);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task CreateRole_EditRolesWithDepartmentScope_IsRefusedAndCreatesNothing()
    {
        // Arrange: the list and the editor show; changes need scope All, as in the API.
        using var browser = await SignedInWithAsync(App, Scope.Department, Workflow.EditRoles, Workflow.FindPerson);
        var name = "dept-made-" + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var list = await browser.GetAsync("/console/roles");
        using var response = await SubmitAsync(browser, "/console/roles/new", "role", ("name", name), ("scope", "Self"), ("workflows", "FindPerson"));
        var html = await ReadAsync(response, HttpStatusCode.Forbidden);

        // Assert
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("with scope All", html, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Null(await StoredAsync(name));
    }

    [Fact]
    public async Task UpdateRole_NewScopeAndWorkflows_SavesAndShowsThem()
    {
        // Arrange
        var role = await RoleAsync(App, Scope.Self, Workflow.FindPerson);
        var id = (await StoredAsync(role))!.Id;
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson, Workflow.Audit);

        // Act
        using var response = await SubmitAsync(browser, $"/console/roles/{id}", "role", ("name", role), ("scope", "All"),
            ("workflows", "Audit"), ("password", "true"));
        var html = await ReadAsync(response, HttpStatusCode.OK);
        var stored = await StoredAsync(role);

        // Assert
        Assert.Contains("Role saved.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Audit\" checked", html, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"FindPerson\" checked", html, StringComparison.Ordinal);
        Assert.Equal(Scope.All, stored!.Scope);
        Assert.Equal([Workflow.Audit], stored.Workflows);
    }

    [Fact]
    public async Task UpdateRole_GrantingAWorkflowTheEditorLacks_IsRefusedAndUnchanged()
    {
        // Arrange
        var role = await RoleAsync(App, Scope.Department, Workflow.FindPerson);
        var id = (await StoredAsync(role))!.Id;
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson);

        // Act
        using var response = await SubmitAsync(browser, $"/console/roles/{id}", "role", ("name", role), ("scope", "Department"),
            ("workflows", "FindPerson"), ("workflows", "Audit"));
        var html = await ReadAsync(response, HttpStatusCode.Forbidden);

        // Assert
        Assert.Contains("grants Audit with scope Department, which your own roles do not", html, StringComparison.Ordinal);
        Assert.Equal([Workflow.FindPerson], (await StoredAsync(role))!.Workflows);
    }

    [Fact]
    public async Task UpdateRole_UnknownId_Answers404()
    {
        // Arrange
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles);

        // Act
        using var response = await browser.GetAsync($"/console/roles/{Guid.NewGuid()}");

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DeleteRole_HeldByNobody_IsGoneAndTheListSaysSo()
    {
        // Arrange
        var role = await RoleAsync(App, Scope.Self, Workflow.FindPerson);
        var id = (await StoredAsync(role))!.Id;
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson);

        // Act
        using var response = await SubmitAsync(browser, $"/console/roles/{id}", "delete-role");
        var list = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Contains("The role was deleted.", list, StringComparison.Ordinal);
        Assert.DoesNotContain($">{role}</a>", list, StringComparison.Ordinal);
        Assert.Null(await StoredAsync(role));
    }

    [Fact]
    public async Task DeleteRole_HeldByAPerson_ShowsWhyAndKeepsIt()
    {
        // Arrange
        var role = await RoleAsync(App, Scope.Self, Workflow.FindPerson);
        var id = (await StoredAsync(role))!.Id;
        await App.CreatePersonAsync("holder." + Guid.NewGuid().ToString("N")[..8], null, null, role);
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson);

        // Act
        using var response = await SubmitAsync(browser, $"/console/roles/{id}", "delete-role");
        var html = await ReadAsync(response, HttpStatusCode.Conflict);

        // Assert
        Assert.Contains("is held by 1 people and 0 API clients; take it from them first.", html, StringComparison.Ordinal);
        Assert.NotNull(await StoredAsync(role));
    }

    [Fact]
    public async Task PersonRoles_CheckedRoles_AreAssignedAndThePersonPageLinksThere()
    {
        // Arrange
        var person = await App.CreatePersonAsync("assignee." + Guid.NewGuid().ToString("N")[..8], null, null, "Cardholder");
        var role = await RoleAsync(App, Scope.Self, Workflow.FindPerson);
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson, Workflow.RequestMyId, Workflow.IssueDevice,
            Workflow.CollectMyUpdates);

        // Act
        var personPage = await browser.GetStringAsync($"/console/people/{person.Id}");
        using var response = await SubmitAsync(browser, $"/console/people/{person.Id}/roles", "person-roles", ("roles", "Cardholder"), ("roles", role));
        var html = await ReadAsync(response, HttpStatusCode.OK);

        // Assert
        Assert.Contains($"href=\"/console/people/{person.Id}/roles\">Edit Roles</a>", personPage, StringComparison.Ordinal);
        Assert.Contains($"value=\"{role}\" checked", html, StringComparison.Ordinal);
        Assert.Contains("Roles saved:", html, StringComparison.Ordinal);
        Assert.Equal(new[] { role, "Cardholder" }.Order(StringComparer.Ordinal), await HeldAsync(person.Id));
    }

    [Fact]
    public async Task PersonRoles_UnknownRole_ShowsTheMessageNextToTheRolesAndChangesNothing()
    {
        // Arrange
        var person = await App.CreatePersonAsync("unknown-role." + Guid.NewGuid().ToString("N")[..8], null, null, "Cardholder");
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson);

        // Act
        using var response = await SubmitAsync(browser, $"/console/people/{person.Id}/roles", "person-roles", ("roles", "no-such-role"));
        var html = await ReadAsync(response, HttpStatusCode.BadRequest);

        // Assert
        Assert.Contains("<span class=\"field-error\" id=\"roles-error\">No role is named &#x27;no-such-role&#x27;.", html, StringComparison.Ordinal);
        Assert.Equal(["Cardholder"], await HeldAsync(person.Id));
    }

    [Fact]
    public async Task PersonRoles_GivingARoleBeyondOwnRights_IsRefusedAndChangesNothing()
    {
        // Arrange: the editor may find people and edit roles, but not hand out Administrator.
        var person = await App.CreatePersonAsync("no-admin." + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson);

        // Act
        using var response = await SubmitAsync(browser, $"/console/people/{person.Id}/roles", "person-roles", ("roles", "Administrator"));
        var html = await ReadAsync(response, HttpStatusCode.Forbidden);

        // Assert
        Assert.Contains("you cannot hand out more than you hold", html, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Empty(await HeldAsync(person.Id));
    }

    [Fact]
    public async Task PersonPage_WithoutEditRoles_HasNoLinkToTheRoles()
    {
        // Arrange
        var person = await App.CreatePersonAsync("no-link." + Guid.NewGuid().ToString("N")[..8]);
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.FindPerson);

        // Act
        var page = await browser.GetStringAsync($"/console/people/{person.Id}");

        // Assert
        Assert.Contains("<dt>Roles</dt>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/roles\">Edit Roles</a>", page, StringComparison.Ordinal);
    }
}
