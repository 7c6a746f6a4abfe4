using Microsoft.Playwright;
using MobileId.Server.Features.Setup;

namespace MobileId.Browser.Tests.Console;

/// <summary>The console in a real browser (Chromium through Playwright) against the server on loopback.</summary>
public sealed class ConsoleBrowserTests : LoopbackServerTest
{
    [Fact]
    public async Task FirstAdministrator_SignsInChangesPasswordFindsAPersonAndSignsOut()
    {
        // Arrange: the administrator init made, with a generated password; someone to find.
        var admin = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().People.AsNoTracking()
            .SingleAsync(p => p.LogonName == InitService.AdministratorLogon));
        var reset = await App.WithServicesAsync(s => s.GetRequiredService<SignInService>().ResetPasswordAsync(
            Caller.System("test"), admin.Id, s.GetRequiredService<AccessPolicy>(), CancellationToken.None));
        await App.CreatePersonAsync("ada.lovelace", null, "ada@example.org", "Cardholder");
        await using var browser = await ConsoleBrowser.StartAsync();
        var page = browser.Page;

        // Act + Assert: the console sends a visitor to sign in.
        await page.GotoAsync(Base + "/console/people");
        Assert.EndsWith("/console/sign-in?returnUrl=%2Fconsole%2Fpeople", page.Url, StringComparison.Ordinal);
        await browser.ScreenshotAsync("sign-in");
        await browser.SignInAsync("admin", reset.Value!.Password, "**/console/change-password");

        // The generated password must be changed first; a weak one is refused next to its field.
        Assert.Equal(0, await page.GetByRole(AriaRole.Navigation, new() { Name = "Workflows" }).CountAsync());
        await page.GetByLabel("Current password").FillAsync(reset.Value.Password);
        await page.GetByLabel("New password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        Assert.False(string.IsNullOrWhiteSpace(await page.Locator("#newPassword-error").TextContentAsync()));
        await page.GetByLabel("Current password").FillAsync(reset.Value.Password);
        await page.GetByLabel("New password").FillAsync("Correct-Horse-Battery-" + Guid.NewGuid().ToString("N")[..6]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await browser.WaitForAsync("**/console");

        // Find Person through the navigation.
        await page.GetByRole(AriaRole.Link, new() { Name = "Find Person" }).ClickAsync();
        await page.GetByLabel("Name, logon name, email or employee ID").FillAsync("ada");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await browser.WaitForAsync("**/console/people?q=ada");
        Assert.Equal("ada.lovelace", await page.Locator("tbody tr td").Nth(1).TextContentAsync());
        await browser.ScreenshotAsync("find-person");

        // Sign out: the console asks to sign in again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await browser.WaitForAsync("**/console/sign-in");
        await page.GotoAsync(Base + "/console");
        Assert.Contains("/console/sign-in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DepartmentOperator_SeesOnlyTheDepartment_EvenWhenTypingAnotherPersonsAddress()
    {
        // Arrange: a guard of Security with Department scope; a person in Security and one in Finance with the same surname.
        var tag = Guid.NewGuid().ToString("N")[..6];
        var security = await App.CreateGroupAsync("Security " + tag);
        var finance = await App.CreateGroupAsync("Finance " + tag);
        var (guard, password) = await ConsoleForms.PersonWithRoleAsync(App, Scope.Department, security,
            Workflow.FindPerson, Workflow.EditPerson, Workflow.UnlockCredential, Workflow.RequestId);
        var colleague = await App.CreatePersonAsync("colleague.moss" + tag, security);
        var outsider = await App.CreatePersonAsync("outsider.moss" + tag, finance);
        await using var browser = await ConsoleBrowser.StartAsync();
        var page = browser.Page;
        await page.GotoAsync(Base + "/console/sign-in");
        await browser.SignInAsync(guard.LogonName, password, "**/console");

        // Act: search for both; then type the outsider's addresses by hand.
        await page.GotoAsync($"{Base}/console/people?q=moss{tag}");
        var listed = await page.Locator("tbody tr td:nth-child(2)").AllTextContentsAsync();
        await browser.ScreenshotAsync("department-scope");
        var tampered = new List<(string Path, int Status, string Heading, string Text)>();
        foreach (var path in new[] { $"/console/people/{outsider.Id}", $"/console/people/{outsider.Id}/edit", $"/console/people/{outsider.Id}/unlock" })
        {
            var response = await page.GotoAsync(Base + path);
            tampered.Add((path, response!.Status, (await page.Locator("h1").TextContentAsync())!, await page.Locator("main").InnerTextAsync()));
        }

        var own = await page.GotoAsync($"{Base}/console/people/{colleague.Id}");

        // Assert
        Assert.Equal([colleague.LogonName], listed);
        Assert.All(tampered, t =>
        {
            Assert.Equal(404, t.Status);
            Assert.Equal("Not found", t.Heading);
            Assert.DoesNotContain("outsider", t.Text, StringComparison.OrdinalIgnoreCase);
        });
        Assert.Equal(200, own!.Status);
    }
}
