using MobileId.Server.Console;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Tests.Features.Access;

namespace MobileId.Server.Tests.Console;

/// <summary>The console's pages over HTTP: sign-in, redirects, 403 for missing workflows, antiforgery, headers.</summary>
public sealed class ConsolePagesTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private async Task<(string Logon, string Password)> PersonWithPasswordAsync(bool mustChange, params string[] roles)
    {
        var logon = "console." + Guid.NewGuid().ToString("N")[..10];
        var person = await fixture.App.CreatePersonAsync(logon, null, null, roles);
        var password = "Pass-" + Guid.NewGuid().ToString("N");
        await fixture.App.SetPasswordAsync(person.Id, password, mustChange);
        return (logon, password);
    }

    /// <summary>A browser signed in as a new person holding the role.</summary>
    private async Task<SignedIn> SignedInAsync(string role)
    {
        var (logon, password) = await PersonWithPasswordAsync(false, role);
        var browser = ConsoleForms.Browser(fixture.App);
        (await ConsoleForms.SignInAsync(browser, logon, password)).Dispose();
        return new SignedIn(browser, logon);
    }

    /// <summary>A signed-in browser and its person's logon name.</summary>
    private sealed record SignedIn(HttpClient Browser, string Logon) : IDisposable
    {
        public void Dispose() => Browser.Dispose();
    }

    private Task CreateRoleAsync(string name, Scope scope, params Workflow[] workflows) =>
        fixture.App.WithServicesAsync(async s =>
        {
            Assert.True((await s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
                new RoleInput(name, null, scope, [.. workflows], true, null), CancellationToken.None)).IsSuccess);
            return true;
        });

    [Theory]
    [InlineData("/console")]
    [InlineData("/console/people?q=x")]
    [InlineData("/console/change-password")]
    public async Task Page_NotSignedIn_RedirectsToSignInAndBack(string path)
    {
        // Arrange
        using var browser = ConsoleForms.Browser(fixture.App);

        // Act
        using var response = await browser.GetAsync(path);

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/console/sign-in?returnUrl=" + Uri.EscapeDataString(path), response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task SignInPage_Renders_WithAntiforgeryTokenAndStrictHeaders()
    {
        // Arrange
        using var browser = ConsoleForms.Browser(fixture.App);

        // Act
        using var response = await browser.GetAsync("/console/sign-in");
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<meta charset=\"utf-8\">", html, StringComparison.Ordinal);
        Assert.NotEmpty(ConsoleForms.Token(html));
        Assert.Contains("<label for=\"logon\">Logon name</label>", html, StringComparison.Ordinal);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_IsRefusedAndNobodyIsSignedIn()
    {
        // Arrange
        var (logon, password) = await PersonWithPasswordAsync(false, "Helpdesk");
        using var browser = ConsoleForms.Browser(fixture.App);

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/sign-in", "sign-in",
            new Dictionary<string, string> { ["Input.LogonName"] = logon, ["Input.Password"] = password }, withToken: false);
        using var after = await browser.GetAsync("/console");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Found, after.StatusCode);
        Assert.StartsWith("/console/sign-in", after.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WrongPassword_ShowsTheReasonAndStaysOnThePage()
    {
        // Arrange
        var (logon, _) = await PersonWithPasswordAsync(false, "Helpdesk");
        using var browser = ConsoleForms.Browser(fixture.App);

        // Act
        using var response = await ConsoleForms.SignInAsync(browser, logon, "not-the-password");
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Contains("The logon name or password is incorrect", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_Helpdesk_ReturnsToThePageAskedForAndNavigationShowsItsWorkflows()
    {
        // Arrange
        var (logon, password) = await PersonWithPasswordAsync(false, "Helpdesk");
        using var browser = ConsoleForms.Browser(fixture.App);

        // Act
        using var signedIn = await ConsoleForms.SignInAsync(browser, logon, password, "/console/people?q=console");
        var page = await browser.GetStringAsync(signedIn.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        Assert.Equal("/console/people?q=console", signedIn.Headers.Location.PathAndQuery);
        Assert.Contains("<h1>Find Person</h1>", page, StringComparison.Ordinal);
        Assert.Contains(logon, page, StringComparison.Ordinal);
        Assert.Contains("href=\"/console/people\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindPerson_RoleWithoutTheWorkflow_Answers403AndTheNavigationHidesIt()
    {
        // Arrange: a role with Request My ID only.
        var role = "console-self-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRoleAsync(role, Scope.Self, Workflow.RequestMyId, Workflow.IssueDevice);
        using var session = await SignedInAsync(role);
        var (browser, logon) = (session.Browser, session.Logon);

        // Act
        using var response = await browser.GetAsync("/console/people");
        var html = await response.Content.ReadAsStringAsync();
        var home = await browser.GetStringAsync("/console");

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("None of your roles grants the &#x27;Find Person&#x27; workflow.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/console/people\"", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_GeneratedPassword_EveryPageLeadsToChangePasswordUntilChanged()
    {
        // Arrange
        var (logon, password) = await PersonWithPasswordAsync(true, "Helpdesk");
        using var browser = ConsoleForms.Browser(fixture.App);

        // Act
        using var signedIn = await ConsoleForms.SignInAsync(browser, logon, password, "/console/people");
        using var gated = await browser.GetAsync("/console/people");
        using var weak = await ConsoleForms.SubmitAsync(browser, "/console/change-password", "change-password",
            new Dictionary<string, string> { ["Input.CurrentPassword"] = password, ["Input.NewPassword"] = "short" });
        var weakHtml = await weak.Content.ReadAsStringAsync();
        using var changed = await ConsoleForms.SubmitAsync(browser, "/console/change-password", "change-password",
            new Dictionary<string, string> { ["Input.CurrentPassword"] = password, ["Input.NewPassword"] = "A-much-longer-pass-" + Guid.NewGuid().ToString("N")[..6] });
        using var open = await browser.GetAsync("/console/people");

        // Assert
        Assert.Equal("/console/change-password", signedIn.Headers.Location!.PathAndQuery);
        Assert.Equal("/console/change-password", gated.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("class=\"field-error\" id=\"newPassword-error\"", weakHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
    }

    [Fact]
    public async Task SignOut_WithToken_EndsTheSessionAndWithoutTokenIsRefused()
    {
        // Arrange
        using var session = await SignedInAsync("Helpdesk");
        var (browser, logon) = (session.Browser, session.Logon);
        var home = await browser.GetStringAsync("/console");

        // Act
        using var forged = await browser.PostAsync("/console/sign-out", new FormUrlEncodedContent(new Dictionary<string, string>()));
        using var stillIn = await browser.GetAsync("/console");
        using var signedOut = await browser.PostAsync("/console/sign-out",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = ConsoleForms.Token(home) }));
        using var after = await browser.GetAsync("/console");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        Assert.Equal(HttpStatusCode.Found, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Found, after.StatusCode);
    }

    [Fact]
    public async Task RequestMyId_PersonWithoutEmailOrPhone_GetsTheCodeAndTheQrCodeOnThePage()
    {
        // Arrange: a self-service role and a profile its holders may receive, request and collect.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var role = "self-" + tag;
        await CreateRoleAsync(role, Scope.Self, Workflow.FindPerson, Workflow.RequestMyId, Workflow.IssueDevice);
        var saved = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput("mine-" + tag, null, null, null, null, null, null, null, null, null, null, null, null,
                [new ProfileRoleInput(role, true, true, false, true, false)]), CancellationToken.None));
        Assert.True(saved.IsSuccess, saved.Error?.Detail);
        using var session = await SignedInAsync(role);
        var (browser, logon) = (session.Browser, session.Logon);

        // Act
        using var requested = await ConsoleForms.SubmitAsync(browser, "/console/me", "request-my-id", new Dictionary<string, string> { ["Form.Profile"] = "mine-" + tag });
        var html = await requested.Content.ReadAsStringAsync();
        var again = await browser.GetStringAsync("/console/me");

        // Assert: the code once, grouped; the QR image of this server; the list shows the request, without the code.
        Assert.Equal(HttpStatusCode.OK, requested.StatusCode);
        Assert.Matches("data-testid=\"one-time-code\">\\d{4} \\d{4}<", html);
        var qr = System.Text.RegularExpressions.Regex.Match(html, "<img class=\"qr\" src=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri(qr).PathAndQuery)).StatusCode);
        Assert.Contains("ReadyToCollect", again, StringComparison.Ordinal);
        Assert.DoesNotContain("one-time-code", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MyMobileIds_SelfServiceWithoutFindPerson_ListsOwnMobileIdsAndDevicesOnly()
    {
        // Arrange: a person whose role grants Request My ID only, with a request and a device; someone else's device too.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var role = "mine-only-" + tag;
        await CreateRoleAsync(role, Scope.Self, Workflow.RequestMyId, Workflow.IssueDevice);
        var saved = await fixture.App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput("own-" + tag, null, null, null, null, null, null, null, null, null, null, null, null,
                [new ProfileRoleInput(role, true, true, false, true, false)]), CancellationToken.None));
        Assert.True(saved.IsSuccess, saved.Error?.Detail);
        using var session = await SignedInAsync(role);
        var me = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().People.SingleAsync(p => p.LogonName == session.Logon));
        var other = await fixture.App.CreatePersonAsync("other-" + tag);
        await fixture.App.WithServicesAsync(async s =>
        {
            var devices = s.GetRequiredService<MobileId.Server.Features.Device.DeviceManagement>();
            Assert.True((await devices.AddAsync(Caller.System("test"), new MobileId.Server.Features.Device.AddDeviceInput("MINE-" + tag, "Android", "Pixel 9", me.Id), CancellationToken.None)).IsSuccess);
            Assert.True((await devices.AddAsync(Caller.System("test"), new MobileId.Server.Features.Device.AddDeviceInput("THEIRS-" + tag, "Android", "Pixel 9", other.Id), CancellationToken.None)).IsSuccess);
            return true;
        });
        using var requested = await ConsoleForms.SubmitAsync(session.Browser, "/console/me", "request-my-id", new Dictionary<string, string> { ["Form.Profile"] = "own-" + tag });

        // Act
        var html = await session.Browser.GetStringAsync("/console/me");

        // Assert
        Assert.True(requested.StatusCode == HttpStatusCode.OK, await requested.Content.ReadAsStringAsync());
        Assert.Contains($"<td>own-{tag}</td>", html, StringComparison.Ordinal);
        Assert.Contains("MINE-" + tag, html, StringComparison.Ordinal);
        Assert.DoesNotContain("THEIRS-" + tag, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestMyId_NoProfileOffered_PageSaysSoAndACraftedPostCreatesNothing()
    {
        // Arrange: Request My ID, but no profile this person may receive.
        var role = "self-none-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRoleAsync(role, Scope.Self, Workflow.FindPerson, Workflow.RequestMyId, Workflow.IssueDevice);
        using var session = await SignedInAsync(role);
        var (browser, logon) = (session.Browser, session.Logon);

        // Act
        var page = await browser.GetStringAsync("/console/me");
        using var crafted = await browser.PostAsync("/console/me", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "request-my-id", ["__RequestVerificationToken"] = ConsoleForms.Token(page), ["Form.Profile"] = "anything",
        }));
        var created = await fixture.App.WithServicesAsync(s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            return db.MobileIdentities.CountAsync(m => db.People.Any(p => p.Id == m.PersonId && p.LogonName == logon));
        });

        // Assert
        Assert.Contains("You have no mobile ID yet.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Request My ID</button>", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, crafted.StatusCode);
        Assert.Equal(0, created);
    }

    [Theory]
    [InlineData("/console/people/{0}")]
    [InlineData("/console/no-such-page")]
    public async Task Page_UnknownPersonOrAddress_Answers404WithAReadablePage(string path)
    {
        // Arrange
        using var session = await SignedInAsync("Helpdesk");
        var (browser, logon) = (session.Browser, session.Logon);

        // Act
        using var response = await browser.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, Guid.NewGuid()));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>Not found</h1>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/console/people", "/console/people")]
    [InlineData("https://evil.example/console", "/console")]
    [InlineData("//evil.example/console", "/console")]
    [InlineData("/api/v1/people", "/console")]
    [InlineData("/console\\..\\x", "/console")]
    [InlineData(null, "/console")]
    public void LocalReturnUrl_OnlyConsoleAddressesOfThisServer(string? asked, string expected) =>
        Assert.Equal(expected, ConsoleSetup.LocalReturnUrl(asked));
}
