using Microsoft.Playwright;
using MobileId.Server.Features.Profiles;
using MobileId.Testing.Features.Access;
using MobileId.Testing.Features.Agent;

namespace MobileId.Browser.Tests.Console;

/// <summary>
/// An operator adds a person and issues a mobile ID in the console (Chromium through Playwright), the
/// agent collects it, and the operator disables, enables and cancels it.
/// </summary>
public sealed class ConsoleIssuanceBrowserTests : AgentTestKit
{
    [Fact]
    public async Task Operator_AddsPersonAndRequestsInTheBrowserAgentCollects_ThenDisableEnableCancelShowInThePage()
    {
        // Arrange: an operator role that may add people, request, disable/enable and cancel; a profile for Cardholders.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var role = "issuers-" + tag;
        await App.WithServicesAsync(async s => (await s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput(role, null, Scope.All, [Workflow.FindPerson, Workflow.AddPerson, Workflow.RequestId, Workflow.EnableDisableId, Workflow.CancelCredential, Workflow.UnlockCredential], true, null),
            CancellationToken.None)).IsSuccess);
        await CreateProfileAsync("phone-" + tag, false,
            [new ProfileRoleInput("Cardholder", true, false, false, true, false), new ProfileRoleInput(role, false, true, false, false, false)]);
        var operatorPerson = await App.CreatePersonAsync("operator" + tag, null, null, role);
        var password = "Operator-" + Guid.NewGuid().ToString("N");
        await App.SetPasswordAsync(operatorPerson.Id, password);
        await using var browser = await ConsoleBrowser.StartAsync();
        var page = browser.Page;

        // Act: sign in, Add Person (a bad email first), then the person becomes a cardholder.
        await page.GotoAsync(Base + "/console/sign-in");
        await browser.SignInAsync("operator" + tag, password, "**/console");
        await page.GetByRole(AriaRole.Link, new() { Name = "Add Person" }).ClickAsync();
        await page.GetByLabel("Logon name").FillAsync("grace" + tag);
        await page.GetByLabel("First name").FillAsync("Grace");
        await page.GetByLabel("Last name").FillAsync("Hopper");
        await page.GetByLabel("Email").FillAsync("grace-at-example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Person" }).ClickAsync();
        var emailError = await page.Locator("#email-error").TextContentAsync();
        await browser.ScreenshotAsync("add-person");
        await page.GetByLabel("Email").FillAsync($"grace{tag}@example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Person" }).ClickAsync();
        await browser.WaitForAsync("**/console/people/*added=1");
        var personId = Guid.Parse(new Uri(page.Url).Segments[^1]);
        Assert.True((await App.WithServicesAsync(s => s.GetRequiredService<RolesService>().AssignAsync(
            Caller.System("test"), personId, ["Cardholder"], CancellationToken.None))).IsSuccess);

        // Find the person, Request ID.
        await page.GotoAsync($"{Base}/console/people?q=grace{tag}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Grace Hopper" }).ClickAsync();
        await browser.WaitForAsync($"**/console/people/{personId}");
        await page.GetByLabel("Credential profile").SelectOptionAsync("phone-" + tag);
        await page.GetByRole(AriaRole.Button, new() { Name = "Request ID" }).ClickAsync();
        var code = await page.GetByTestId("one-time-code").TextContentAsync();
        var link = (await page.Locator("code").First.TextContentAsync())!;
        await browser.ScreenshotAsync("request-id");

        // The agent collects with what the page showed.
        var collected = await CollectAsync("phone", link, code!, "SN-" + tag);
        await page.GotoAsync($"{Base}/console/people/{personId}");
        var status = page.Locator("td.status").First;
        var issued = await status.TextContentAsync();
        await browser.ScreenshotAsync("person");

        // The helpdesk's Unlock Credential page offers the device that now holds the mobile ID.
        await page.GetByRole(AriaRole.Link, new() { Name = "Unlock Credential" }).ClickAsync();
        await browser.WaitForAsync($"**/console/people/{personId}/unlock");
        var unlockDevice = await page.GetByLabel("Device").Locator("option").First.TextContentAsync();
        await browser.ScreenshotAsync("unlock");
        await page.GotoAsync($"{Base}/console/people/{personId}");

        await page.GetByText("Disable ID", new() { Exact = true }).ClickAsync();
        await page.Locator("select[id^=disable-reason]").SelectOptionAsync("lost");
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
        var disabled = await status.TextContentAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Enable ID" }).ClickAsync();
        var enabled = await status.TextContentAsync();
        await page.GetByText("Cancel Credential", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel credential" }).ClickAsync();
        var cancelled = await status.TextContentAsync();
        var message = await page.GetByRole(AriaRole.Status).Last.TextContentAsync();
        var certificateStatus = await page.Locator("section, table").Last.Locator("tbody td").Nth(2).TextContentAsync();

        // Assert
        Assert.Equal("Email 'grace-at-example.org' is not a valid email address.", emailError);
        Assert.Matches(@"^\d{4} \d{4}$", code);
        Assert.True(collected.Code == 0, collected.ToString());
        Assert.Equal(("Issued", "Disabled", "Issued", "Cancelled"), (issued, disabled, enabled, cancelled));
        Assert.Equal($"phone-{tag} on SN-{tag}", unlockDevice);
        Assert.Contains("Cancelled", message, StringComparison.Ordinal);
        Assert.Equal("Revoked", certificateStatus);
    }
}
