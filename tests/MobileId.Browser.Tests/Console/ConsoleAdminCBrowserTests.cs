using Microsoft.Playwright;
using MobileId.Testing.Features.Access;

namespace MobileId.Browser.Tests.Console;

/// <summary>An administrator in a real browser: creates a role, an API client (its secret shown once), a webhook, adds a device and finds it in the audit log.</summary>
public sealed class ConsoleAdminCBrowserTests : LoopbackServerTest
{
    private static PageGetByLabelOptions Exact => new() { Exact = true };

    [Fact]
    public async Task Administrator_CreatesRoleApiClientWebhookAndDevice_ThenFindsThemInTheAudit()
    {
        // Arrange: an administrator with a password.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var admin = await App.CreatePersonAsync("root" + tag, null, null, "Administrator");
        var password = "Admin-" + Guid.NewGuid().ToString("N");
        await App.SetPasswordAsync(admin.Id, password);
        await using var browser = await ConsoleBrowser.StartAsync();
        var page = browser.Page;
        await page.GotoAsync(Base + "/console/sign-in");
        await browser.SignInAsync("root" + tag, password, "**/console");

        // Act + Assert: Edit Roles, a new role.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit Roles", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New role" }).ClickAsync();
        await page.GetByLabel("Name", Exact).FillAsync("guards-" + tag);
        await page.GetByLabel("Description", Exact).FillAsync("Gate guards: find people and their devices.");
        await page.GetByLabel("Scope", Exact).SelectOptionAsync("Department");
        await page.GetByLabel("Find Person", Exact).CheckAsync();
        await page.GetByLabel("Devices", Exact).CheckAsync();
        await page.GetByLabel("Client certificate", Exact).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create role" }).ClickAsync();
        await browser.WaitForAsync("**/console/roles/*?created=1");
        Assert.Equal("Role created.", await page.GetByRole(AriaRole.Status).First.TextContentAsync());
        Assert.True(await page.GetByLabel("Devices", Exact).IsCheckedAsync());
        await browser.ScreenshotAsync("role-edit");
        await page.GetByRole(AriaRole.Link, new() { Name = "All roles" }).ClickAsync();
        await browser.WaitForAsync("**/console/roles");
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "guards-" + tag }).CountAsync());
        await browser.ScreenshotAsync("roles");

        // API clients: the secret once.
        await page.GetByRole(AriaRole.Link, new() { Name = "API clients", Exact = true }).ClickAsync();
        await page.GetByLabel("Name", Exact).FillAsync("payroll-" + tag);
        await page.GetByLabel("Role", Exact).SelectOptionAsync("guards-" + tag);
        await page.GetByLabel("Scope", Exact).SelectOptionAsync("All");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create API client" }).ClickAsync();
        var secret = await page.GetByTestId("api-client-secret").TextContentAsync();
        await browser.ScreenshotAsync("api-clients");
        await page.GotoAsync(Base + "/console/api-clients");
        Assert.Equal(0, await page.GetByTestId("api-client-secret").CountAsync());
        Assert.Equal(1, await page.GetByRole(AriaRole.Cell, new() { Name = "payroll-" + tag }).CountAsync());

        // Webhooks: a subscription, its secret once.
        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        await page.GetByLabel("Name", Exact).FillAsync("siem-" + tag);
        await page.GetByLabel("URL", Exact).FillAsync("https://siem.example.org/mobileid");
        await page.GetByLabel("issued", Exact).CheckAsync();
        await page.GetByLabel("device-added", Exact).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook" }).ClickAsync();
        var webhookSecret = await page.GetByTestId("webhook-secret").TextContentAsync();
        await browser.ScreenshotAsync("webhooks");

        // Devices: AddDevice, then the list.
        await page.GetByRole(AriaRole.Link, new() { Name = "Devices", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "AddDevice" }).ClickAsync();
        await page.GetByLabel("Serial number", Exact).FillAsync("SN-" + tag);
        await page.GetByLabel("Platform", Exact).SelectOptionAsync("android");
        await page.GetByLabel("Model", Exact).FillAsync("Pixel 9");
        await page.GetByRole(AriaRole.Button, new() { Name = "AddDevice" }).ClickAsync();
        await browser.WaitForAsync("**/console/devices/*?added=1");
        var status = await page.GetByTestId("device-status").TextContentAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "All devices" }).ClickAsync();
        await browser.WaitForAsync("**/console/devices");
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "SN-" + tag }).CountAsync());
        await browser.ScreenshotAsync("devices");

        // Audit: the chain is intact and the device is in the log.
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true }).ClickAsync();
        var chain = await page.GetByTestId("chain-status").TextContentAsync();
        await page.GetByLabel("Action", Exact).FillAsync("device.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await browser.WaitForAsync("**/console/audit?action=device.*");
        var target = await page.Locator("tbody tr").First.Locator("td").Nth(4).TextContentAsync();
        await browser.ScreenshotAsync("audit");

        Assert.StartsWith("mid_", secret, StringComparison.Ordinal);
        Assert.StartsWith("whsec_", webhookSecret, StringComparison.Ordinal);
        Assert.Equal("Registered", status);
        Assert.Equal("intact", chain);
        Assert.Equal("SN-" + tag, target);
    }
}
