using Microsoft.Playwright;
using MobileId.Server.Features.Layouts;
using MobileId.Server.Features.Settings;
using MobileId.Testing.Features.Access;

namespace MobileId.Browser.Tests.Console;

/// <summary><b>Operation Settings</b>, <b>Email Templates</b> and <b>Card Layouts</b> in a real browser (Chromium through Playwright) against the server on loopback.</summary>
public sealed class ConsoleAdminBBrowserTests : LoopbackServerTest
{
    [Fact]
    public async Task Administrator_FixesRefusedSettingsPreviewsATemplateAndEditsALayout()
    {
        // Arrange: an administrator with a password, and a card layout to edit.
        var admin = await App.CreatePersonAsync("security.admin", null, null, "Administrator");
        var password = "Admin-" + Guid.NewGuid().ToString("N");
        await App.SetPasswordAsync(admin.Id, password);
        await App.WithServicesAsync(async s => (await s.GetRequiredService<CardLayouts>().SaveAsync(Caller.System("test"), null,
            new CardLayoutInput("Staff badge", "Front of the staff badge", [new("text", "displayName", "Name"), new("photo"), new("qr")]), CancellationToken.None)).IsSuccess);
        await using var browser = await ConsoleBrowser.StartAsync();
        var page = browser.Page;
        var main = page.Locator("main");

        // Act + Assert: Operation Settings, first tab.
        await page.GotoAsync(Base + "/console/settings");
        await browser.SignInAsync("security.admin", password, "**/console/settings");
        Assert.Equal("Certificates", await page.Locator("nav.tabs a[aria-current=page]").TextContentAsync());
        await browser.ScreenshotAsync("settings");

        // Bad values on the Identity Agent Policy tab: each message next to its field, nothing saved.
        await main.GetByRole(AriaRole.Link, new() { Name = "Identity Agent Policy" }).ClickAsync();
        await browser.WaitForAsync("**/console/settings?tab=identity-agent-policy");
        await page.GetByLabel("Maximum retry attempts", new() { Exact = true }).FillAsync("500");
        await page.GetByLabel("Minimum retry delay", new() { Exact = true }).FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save Identity Agent Policy" }).ClickAsync();
        var retriesError = page.Locator(".field.invalid:has(#maximumRetryAttempts) .field-error");
        Assert.Equal("Maximum retry attempts must be between 0 and 100; 500 is not.", await retriesError.TextContentAsync());
        Assert.Equal("Minimum retry delay must be between 1 and 3600; 0 is not.",
            await page.Locator(".field.invalid:has(#minimumRetryDelay) .field-error").TextContentAsync());
        Assert.Equal("500", await page.GetByLabel("Maximum retry attempts", new() { Exact = true }).InputValueAsync());
        Assert.Equal(0, await page.Locator(".field:has(#logLevel) .field-error").CountAsync());
        await browser.ScreenshotAsync("settings-invalid");
        Assert.Equal(5, (await SettingsAsync()).MaximumRetryAttempts);

        // Fixed and saved.
        await page.GetByLabel("Maximum retry attempts", new() { Exact = true }).FillAsync("8");
        await page.GetByLabel("Minimum retry delay", new() { Exact = true }).FillAsync("20");
        await page.GetByLabel("Log level", new() { Exact = true }).SelectOptionAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save Identity Agent Policy" }).ClickAsync();
        Assert.Equal("Identity Agent Policy saved.", await page.GetByRole(AriaRole.Status).TextContentAsync());
        Assert.Equal(0, await page.Locator(".field-error").CountAsync());
        var saved = await SettingsAsync();
        Assert.Equal((8, 20, 4), (saved.MaximumRetryAttempts, saved.MinimumRetryDelay, saved.LogLevel));

        // Email Templates: the list, then a preview of a draft with sample values.
        await page.GetByRole(AriaRole.Link, new() { Name = "Email Templates" }).ClickAsync();
        await browser.WaitForAsync("**/console/templates");
        await browser.ScreenshotAsync("templates");
        await main.GetByRole(AriaRole.Link, new() { Name = "mobile-provision", Exact = true }).ClickAsync();
        await browser.WaitForAsync("**/console/templates/mobile-provision");
        await page.GetByLabel("Subject").FillAsync("{{displayName}}, your mobile ID is ready");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        Assert.Equal("Jane Doe, your mobile ID is ready", await page.GetByTestId("preview-subject").TextContentAsync());
        Assert.Contains("Your one-time code is 1234 5678", await page.GetByTestId("preview-text").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("main iframe, main script").CountAsync());
        await browser.ScreenshotAsync("template-preview");

        // Card Layouts: the list, then a label changed and an element added.
        await page.GetByRole(AriaRole.Link, new() { Name = "Card Layouts" }).ClickAsync();
        await browser.WaitForAsync("**/console/layouts");
        await browser.ScreenshotAsync("layouts");
        await main.GetByRole(AriaRole.Link, new() { Name = "Staff badge" }).ClickAsync();
        await browser.WaitForAsync("**/console/layouts/Staff%20badge");
        await page.Locator("#element-0-label").FillAsync("Full name");
        await page.Locator("#element-3-type").SelectOptionAsync("text");
        await page.Locator("#element-3-field").SelectOptionAsync("jobTitle");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save card layout" }).ClickAsync();
        await browser.WaitForAsync("**/console/layouts/Staff%20badge?saved=true");
        Assert.Equal("Full name", await page.Locator("#element-0-label").InputValueAsync());
        var layout = await App.WithServicesAsync(async s => (await s.GetRequiredService<CardLayouts>().GetAsync("Staff badge", CancellationToken.None)).Value!);
        Assert.Equal([new LayoutElement("text", "displayName", "Full name"), new LayoutElement("photo"), new LayoutElement("qr"), new LayoutElement("text", "jobTitle")],
            layout.Elements);
    }

    private Task<OperationSettings> SettingsAsync() =>
        App.WithServicesAsync(s => s.GetRequiredService<SettingsService>().GetAsync(CancellationToken.None));
}
