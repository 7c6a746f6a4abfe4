using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using static MobileId.Testing.Console.ConsoleAdministrators;

namespace MobileId.Server.Tests.Console;

/// <summary>API clients in the console: the list, creating one with its secret shown once, deleting one.</summary>
public sealed partial class ConsoleApiClientsTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private MobileIdApp App => fixture.App;

    private Task<ApiClient?> StoredAsync(string name) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().ApiClients.AsNoTracking().Include(c => c.Role).SingleOrDefaultAsync(c => c.Name == name));

    private Task<int> CountAsync() => App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().ApiClients.CountAsync());

    [GeneratedRegex("data-testid=\"api-client-secret\">([^<]+)<")]
    private static partial Regex Secret();

    [Fact]
    public async Task Create_WithARole_ShowsTheSecretOnceAndTheSecretSignsIn()
    {
        // Arrange
        var role = await RoleAsync(App, Scope.All, Workflow.FindPerson);
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson);
        var name = "payroll-" + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var response = await SubmitAsync(browser, "/console/api-clients", "create-api-client", ("name", name), ("role", role), ("scope", "All"));
        var html = await ReadAsync(response, HttpStatusCode.OK);
        var secret = WebUtility.HtmlDecode(Secret().Match(html).Groups[1].Value);
        var again = await browser.GetStringAsync("/console/api-clients?q=" + name);
        using var api = App.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var me = await api.GetAsync("/api/v1/me");
        var stored = await StoredAsync(name);

        // Assert
        Assert.Contains($"API client {name} created.", html, StringComparison.Ordinal);
        Assert.NotEqual("", secret);
        Assert.Contains($"<td>{name}", again, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, again, StringComparison.Ordinal);
        Assert.DoesNotContain("api-client-secret", again, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal((role, Scope.All), (stored!.Role!.Name, stored.Scope));
    }

    [Fact]
    public async Task Create_WithoutRoleOrPerson_ShowsTheMessagesNextToTheFieldsAndCreatesNothing()
    {
        // Arrange
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles);
        var before = await CountAsync();

        // Act
        using var noRole = await SubmitAsync(browser, "/console/api-clients", "create-api-client", ("name", "no-role"), ("role", ""));
        var noRoleHtml = await ReadAsync(noRole, HttpStatusCode.BadRequest);
        using var noPerson = await SubmitAsync(browser, "/console/api-clients", "create-api-client", ("name", "no-person"), ("role", "Cardholder"), ("scope", "Self"));
        var noPersonHtml = await ReadAsync(noPerson, HttpStatusCode.BadRequest);
        using var badPerson = await SubmitAsync(browser, "/console/api-clients", "create-api-client", ("name", "bad-person"), ("role", "Cardholder"), ("personId", "ada"));
        var badPersonHtml = await ReadAsync(badPerson, HttpStatusCode.BadRequest);

        // Assert
        Assert.Contains("<span class=\"field-error\" id=\"role-error\">Role &#x27;&#x27; does not exist.", noRoleHtml, StringComparison.Ordinal);
        Assert.Contains("<span class=\"field-error\" id=\"personId-error\">A client with scope Self acts for a person", noPersonHtml, StringComparison.Ordinal);
        Assert.Contains("<span class=\"field-error\" id=\"personId-error\">The person&#x27;s id is a GUID", badPersonHtml, StringComparison.Ordinal);
        Assert.Contains("value=\"no-person\"", noPersonHtml, StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Page_EditRolesWithDepartmentScope_IsRefusedAndACraftedCreateMakesNothing()
    {
        // Arrange: the API's list and create need Edit Roles with scope All; so does the page.
        using var browser = await SignedInWithAsync(App, Scope.Department, Workflow.EditRoles);
        var before = await CountAsync();
        var token = ConsoleForms.Token(await browser.GetStringAsync("/console"));

        // Act
        using var page = await browser.GetAsync("/console/api-clients");
        var html = await page.Content.ReadAsStringAsync();
        using var crafted = await browser.PostAsync("/console/api-clients", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "create-api-client", ["__RequestVerificationToken"] = token, ["name"] = "crafted", ["role"] = "Cardholder", ["scope"] = "All",
        }));

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("with scope All", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, crafted.StatusCode);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Delete_AClient_IsGoneAndItsSecretNoLongerSignsIn()
    {
        // Arrange
        var name = "leaving-" + Guid.NewGuid().ToString("N")[..8];
        var role = await RoleAsync(App, Scope.All, Workflow.FindPerson);
        var created = await App.WithServicesAsync(s => s.GetRequiredService<ApiClientsService>().CreateAsync(Caller.System("test"),
            new CreateApiClientRequest(name, role, Scope.All, null), CancellationToken.None));
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles, Workflow.FindPerson);

        // Act
        using var response = await SubmitAsync(browser, "/console/api-clients?q=" + name, $"delete-{created.Value!.Client.Id:N}");
        var html = await ReadAsync(response, HttpStatusCode.OK);
        using var api = App.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Value.Secret);
        using var me = await api.GetAsync("/api/v1/me");

        // Assert
        Assert.Contains($"API client {name} deleted.", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"<td>{name}", html, StringComparison.Ordinal);
        Assert.Null(await StoredAsync(name));
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task Delete_AClientWithMoreRightsThanTheEditor_IsRefusedAndKept()
    {
        // Arrange
        var name = "mighty-" + Guid.NewGuid().ToString("N")[..8];
        var created = await App.WithServicesAsync(s => s.GetRequiredService<ApiClientsService>().CreateAsync(Caller.System("test"),
            new CreateApiClientRequest(name, "Administrator", Scope.All, null), CancellationToken.None));
        using var browser = await SignedInWithAsync(App, Scope.All, Workflow.EditRoles);

        // Act
        using var response = await SubmitAsync(browser, "/console/api-clients?q=" + name, $"delete-{created.Value!.Client.Id:N}");
        var html = await ReadAsync(response, HttpStatusCode.Forbidden);

        // Assert
        Assert.Contains("you cannot hand out more than you hold", html, StringComparison.Ordinal);
        Assert.Contains($"<td>{name}", html, StringComparison.Ordinal);
        Assert.NotNull(await StoredAsync(name));
    }
}
