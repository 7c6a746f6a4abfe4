using Microsoft.Playwright;
using MobileId.Server.Features.Setup;

namespace MobileId.Server.Tests.Console;

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
}
