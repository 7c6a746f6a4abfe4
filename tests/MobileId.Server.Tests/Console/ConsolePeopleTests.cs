using System.Globalization;
using MobileId.Server.Features.Device;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Console;

/// <summary>Add Person, Edit Person and the person page's devices over HTTP, with Department scope.</summary>
public sealed class ConsolePeopleTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private static Dictionary<string, string> PersonFields(string logon, string? email = null, string? group = null) => new()
    {
        ["Form.LogonName"] = logon,
        ["Form.FirstName"] = "Grace",
        ["Form.LastName"] = "Hopper",
        ["Form.Email"] = email ?? "",
        ["Form.Mobile"] = "",
        ["Form.GroupId"] = group ?? "",
    };

    private Task<PersonView?> FindAsync(string logon) => fixture.App.WithServicesAsync(async s =>
        (await s.GetRequiredService<PeopleService>().SearchAsync(Caller.System("test"), new PersonQuery(logon, null, false, null, 1, 5), CancellationToken.None))
        .Items.SingleOrDefault(p => p.LogonName == logon));

    [Fact]
    public async Task AddPerson_ValidFields_CreatesThePersonAndOpensTheirPage()
    {
        // Arrange
        var (browser, _) = await ConsoleForms.SignedInWithAsync(fixture.App, Scope.All, null, Workflow.AddPerson, Workflow.FindPerson);
        var logon = "grace." + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/people/new", "add-person", PersonFields(logon, "grace@example.org"));
        var person = await FindAsync(logon);
        var page = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.NotNull(person);
        Assert.Equal($"/console/people/{person.Id}?added=1", response.Headers.Location!.PathAndQuery);
        Assert.Equal("grace@example.org", person.Email);
        Assert.Contains("Person added.", page, StringComparison.Ordinal);
        Assert.Contains("<h1>Grace Hopper</h1>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddPerson_BadEmailAndNoName_ShowsEachMessageNextToItsFieldAndCreatesNothing()
    {
        // Arrange
        var (browser, _) = await ConsoleForms.SignedInWithAsync(fixture.App, Scope.All, null, Workflow.AddPerson);
        var logon = "bad." + Guid.NewGuid().ToString("N")[..8];
        var fields = PersonFields(logon, "not-an-address");
        fields["Form.FirstName"] = "";
        fields["Form.LastName"] = "";

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/people/new", "add-person", fields);
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<span class=\"field-error\" id=\"email-error\" role=\"alert\">Email &#x27;not-an-address&#x27; is not a valid email address.</span>", html,
            StringComparison.Ordinal);
        Assert.Contains("id=\"lastName-error\" role=\"alert\">A first name or a last name is required.</span>", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{logon}\"", html, StringComparison.Ordinal);
        Assert.Null(await FindAsync(logon));
    }

    [Fact]
    public async Task AddPerson_DepartmentScopeIntoAnotherGroup_IsRefusedAndCreatesNothing()
    {
        // Arrange
        var own = await fixture.App.CreateGroupAsync("Own " + Guid.NewGuid().ToString("N")[..6]);
        var other = await fixture.App.CreateGroupAsync("Other " + Guid.NewGuid().ToString("N")[..6]);
        var (browser, _) = await ConsoleForms.SignedInWithAsync(fixture.App, Scope.Department, own, Workflow.AddPerson);
        var logon = "outside." + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/people/new", "add-person", PersonFields(logon, group: other.ToString()));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("class=\"error\" role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Null(await FindAsync(logon));
    }

    [Fact]
    public async Task AddPerson_UnreadableGroup_IsAFieldErrorNotADefault()
    {
        // Arrange
        var (browser, _) = await ConsoleForms.SignedInWithAsync(fixture.App, Scope.All, null, Workflow.AddPerson);
        var logon = "nogroup." + Guid.NewGuid().ToString("N")[..8];

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/people/new", "add-person", PersonFields(logon, group: "accounts"));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"groupId-error\" role=\"alert\">Choose a group from the list.</span>", html, StringComparison.Ordinal);
        Assert.Null(await FindAsync(logon));
    }

    [Fact]
    public async Task EditPerson_ChangedMobile_IsSavedAndAStaleVersionIsRefused()
    {
        // Arrange
        var (browser, _) = await ConsoleForms.SignedInWithAsync(fixture.App, Scope.All, null, Workflow.FindPerson, Workflow.EditPerson);
        var person = await fixture.App.CreatePersonAsync("edit." + Guid.NewGuid().ToString("N")[..8]);
        var path = $"/console/people/{person.Id}/edit";
        var fields = PersonFields(person.LogonName);
        fields["Form.Mobile"] = "+44 20 7946 0000";
        fields["Form.Status"] = "Active";
        fields["Form.Version"] = person.Version.ToString(CultureInfo.InvariantCulture);

        // Act
        using var saved = await ConsoleForms.SubmitAsync(browser, path, "edit-person", fields);
        fields["Form.Mobile"] = "+44 20 7946 1111";
        using var stale = await ConsoleForms.SubmitAsync(browser, path, "edit-person", fields);
        var staleHtml = await stale.Content.ReadAsStringAsync();
        var stored = await FindAsync(person.LogonName);

        // Assert
        Assert.Equal(HttpStatusCode.Found, saved.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("was changed by someone else", staleHtml, StringComparison.Ordinal);
        Assert.Equal("+44 20 7946 0000", stored!.Mobile);
    }

    [Fact]
    public async Task EditPerson_PersonOutsideTheDepartment_IsTheConsoles404()
    {
        // Arrange
        var own = await fixture.App.CreateGroupAsync("Dept " + Guid.NewGuid().ToString("N")[..6]);
        var other = await fixture.App.CreateGroupAsync("Elsewhere " + Guid.NewGuid().ToString("N")[..6]);
        var (browser, _) = await ConsoleForms.SignedInWithAsync(fixture.App, Scope.Department, own, Workflow.FindPerson, Workflow.EditPerson);
        var outsider = await fixture.App.CreatePersonAsync("outsider." + Guid.NewGuid().ToString("N")[..8], other);

        // Act
        using var page = await browser.GetAsync($"/console/people/{outsider.Id}/edit");
        var html = await page.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.DoesNotContain(outsider.LogonName, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PersonPage_ManyDevices_ListsThemAndPagesOnWithTheOtherTablesKept()
    {
        // Arrange: 55 devices of one person (50 rows per table)
        var (browser, _) = await ConsoleForms.SignedInWithAsync(fixture.App, Scope.All, null, Workflow.FindPerson);
        var person = await fixture.App.CreatePersonAsync("devices." + Guid.NewGuid().ToString("N")[..8]);
        var prefix = "SN" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        await fixture.App.WithServicesAsync(async s =>
        {
            var devices = s.GetRequiredService<DeviceManagement>();
            for (var i = 0; i < 55; i++)
            {
                var added = await devices.AddAsync(Caller.System("test"), new AddDeviceInput($"{prefix}-{i:D2}", "Android", "Pixel 9", person.Id), CancellationToken.None);
                Assert.True(added.IsSuccess, added.Error?.Detail);
            }

            return true;
        });

        // Act
        var first = await browser.GetStringAsync($"/console/people/{person.Id}");
        var second = await browser.GetStringAsync($"/console/people/{person.Id}?mpage=1&dpage=2&cpage=1");

        // Assert
        Assert.Equal(50, CountOf(first, prefix));
        Assert.Equal(5, CountOf(second, prefix));
        Assert.Contains($"href=\"/console/people/{person.Id}?mpage=1&amp;dpage=2&amp;cpage=1\" rel=\"next\"", first, StringComparison.Ordinal);
        Assert.Contains("Page 2 of 2", second, StringComparison.Ordinal);
    }

    private static int CountOf(string html, string text) => (html.Length - html.Replace(text, "", StringComparison.Ordinal).Length) / text.Length;
}
