using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Testing;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Setup;

namespace MobileId.Server.Tests.Features.Access;

public abstract partial class SignInTests<TFixture>
{
    [Fact]
    public async Task AssignRolesAndCreateApiClient_HelpdeskClient_Returns403WorkflowNotGranted()
    {
        // Arrange: Helpdesk does not grant Edit Roles at all, so the request stops before any escalation check.
        var (target, _) = await PersonWithPasswordAsync("Cardholder");
        using var helpdesk = await App.ClientForAsync("Helpdesk", Scope.All);

        // Act
        using var assign = await helpdesk.PutAsJsonAsync($"/api/v1/people/{target.Id}/roles", new { roles = new[] { "Cardholder", "Administrator" } });
        using var create = await helpdesk.PostAsJsonAsync("/api/v1/api-clients", new { name = "helpdesk-made", role = "Administrator", scope = "All" });

        // Assert
        await MobileIdApp.AssertProblemAsync(assign, 403, ErrorCodes.WorkflowNotGranted);
        await MobileIdApp.AssertProblemAsync(create, 403, ErrorCodes.WorkflowNotGranted);
        Assert.Equal(["Cardholder"], await RolesOfAsync(target.Id));
        Assert.False(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().ApiClients.AnyAsync(c => c.Name == "helpdesk-made")));
    }

    [Fact]
    public async Task AssignRolesAndCreateApiClient_EditRolesWithoutTheAdministratorsWorkflows_Returns403PrivilegeEscalation()
    {
        // Arrange: a helpdesk lead may edit roles, but holds only the Helpdesk workflows besides.
        var lead = "Helpdesk lead " + Guid.NewGuid().ToString("N")[..8];
        var helpdesk = InitService.BuiltInRoles.Single(r => r.Name == "Helpdesk");
        var role = await App.WithServicesAsync(s => s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput(lead, null, Scope.All, [.. helpdesk.Workflows, Workflow.EditRoles], null, null), CancellationToken.None));
        Assert.True(role.IsSuccess, role.Error?.Detail);
        var (target, _) = await PersonWithPasswordAsync("Cardholder");
        using var client = await App.ClientForAsync(lead, Scope.All);
        var name = "lead-made-" + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var assignAdministrator = await client.PutAsJsonAsync($"/api/v1/people/{target.Id}/roles", new { roles = new[] { "Cardholder", "Administrator" } });
        using var createAdministrator = await client.PostAsJsonAsync("/api/v1/api-clients", new { name, role = "Administrator", scope = "All" });

        // Assert: refused; handing out what the lead does hold still works.
        await MobileIdApp.AssertProblemAsync(assignAdministrator, 403, ErrorCodes.PrivilegeEscalation);
        await MobileIdApp.AssertProblemAsync(createAdministrator, 403, ErrorCodes.PrivilegeEscalation);
        Assert.Equal(["Cardholder"], await RolesOfAsync(target.Id));
        using var assignHelpdesk = await client.PutAsJsonAsync($"/api/v1/people/{target.Id}/roles", new { roles = new[] { "Cardholder", "Helpdesk" } });
        Assert.Equal(HttpStatusCode.OK, assignHelpdesk.StatusCode);
        Assert.Equal(["Cardholder", "Helpdesk"], await RolesOfAsync(target.Id));
        using var createHelpdesk = await client.PostAsJsonAsync("/api/v1/api-clients", new { name, role = "Helpdesk", scope = "All" });
        Assert.Equal(HttpStatusCode.Created, createHelpdesk.StatusCode);
    }

    [Fact]
    public async Task CreateAndAssignRole_RequestIdHeldByNoOne_OnlyAnAdministratorWithScopeAllMayGrantIt()
    {
        // Arrange: Request ID and Request My ID belong to no role by default (PRODUCT.md §2).
        var department = await App.CreateGroupAsync("Department " + Guid.NewGuid().ToString("N")[..8]);
        var operatorPerson = await App.CreatePersonAsync("dept.admin." + Guid.NewGuid().ToString("N")[..8], department, null, "Cardholder");
        var colleague = await App.CreatePersonAsync("dept.issuer." + Guid.NewGuid().ToString("N")[..8], department, null, "Cardholder");
        using var top = await App.ClientForAsync("Administrator", Scope.All);
        using var departmental = await App.ClientForAsync("Administrator", Scope.Department, operatorPerson.Id);
        var name = "Issuers " + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var created = await top.PostAsJsonAsync("/api/v1/roles", new { name, scope = "Department", workflows = new[] { "FindPerson", "RequestId", "RequestMyId" } });
        using var byDepartmental = await departmental.PutAsJsonAsync($"/api/v1/people/{colleague.Id}/roles", new { roles = new[] { "Cardholder", name } });
        using var byTop = await top.PutAsJsonAsync($"/api/v1/people/{colleague.Id}/roles", new { roles = new[] { "Cardholder", name } });

        // Assert
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var problem = await MobileIdApp.AssertProblemAsync(byDepartmental, 403, ErrorCodes.PrivilegeEscalation);
        Assert.Contains("Request ID, Request My ID", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, byTop.StatusCode);
        Assert.Equal(["Cardholder", name], await RolesOfAsync(colleague.Id));
    }

    [Fact]
    public async Task AssignRoles_AdministratorWithDepartmentScope_CannotHandOutAdministrator()
    {
        // Arrange
        var department = await App.CreateGroupAsync("Department " + Guid.NewGuid().ToString("N")[..8]);
        var operatorPerson = await App.CreatePersonAsync("dept.op." + Guid.NewGuid().ToString("N")[..8], department, null, "Cardholder");
        var colleague = await App.CreatePersonAsync("dept.colleague." + Guid.NewGuid().ToString("N")[..8], department, null, "Cardholder");
        using var client = await App.ClientForAsync("Administrator", Scope.Department, operatorPerson.Id);

        // Act
        using var administrator = await client.PutAsJsonAsync($"/api/v1/people/{colleague.Id}/roles", new { roles = new[] { "Cardholder", "Administrator" } });
        using var securityOfficer = await client.PutAsJsonAsync($"/api/v1/people/{colleague.Id}/roles", new { roles = new[] { "Security Officer" } });

        // Assert: roles with scope All are beyond a Department scope; Self-scoped roles are not.
        await MobileIdApp.AssertProblemAsync(administrator, 403, ErrorCodes.PrivilegeEscalation);
        await MobileIdApp.AssertProblemAsync(securityOfficer, 403, ErrorCodes.PrivilegeEscalation);
        Assert.Equal(["Cardholder"], await RolesOfAsync(colleague.Id));
        using var none = await client.PutAsJsonAsync($"/api/v1/people/{colleague.Id}/roles", new { roles = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Empty(await RolesOfAsync(colleague.Id));
    }

    [Fact]
    public async Task CreateAndUpdateRole_AdministratorWithDepartmentScope_Returns403AllScopeRequired()
    {
        // Arrange
        var department = await App.CreateGroupAsync("Department " + Guid.NewGuid().ToString("N")[..8]);
        var operatorPerson = await App.CreatePersonAsync("dept.admin." + Guid.NewGuid().ToString("N")[..8], department, null, "Cardholder");
        using var client = await App.ClientForAsync("Administrator", Scope.Department, operatorPerson.Id);
        var existing = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Roles.AsNoTracking().SingleAsync(r => r.Name == "Cardholder"));
        var name = "Department role " + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var create = await client.PostAsJsonAsync("/api/v1/roles", new { name, scope = "Self", workflows = new[] { "FindPerson" } });
        using var update = await client.PutAsJsonAsync($"/api/v1/roles/{existing.Id}",
            new { name = "Cardholder", scope = "Self", workflows = new[] { "FindPerson", "IssueDevice", "RequestMyId" } });
        using var list = await client.GetAsync("/api/v1/roles");

        // Assert: role definitions apply to everyone; listing them is still allowed.
        await MobileIdApp.AssertProblemAsync(create, 403, ErrorCodes.AllScopeRequired);
        await MobileIdApp.AssertProblemAsync(update, 403, ErrorCodes.AllScopeRequired);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var roles = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Roles.AsNoTracking().ToListAsync());
        Assert.DoesNotContain(roles, r => r.Name == name);
        Assert.Equal(existing.Workflows.Order(), roles.Single(r => r.Name == "Cardholder").Workflows.Order());
    }
}
