using System.Text.Json;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Tests.Console;

/// <summary><b>Operation Settings</b> in the console: the tabs of PRODUCT.md §8, saving through the settings service, refusals next to the field.</summary>
public sealed class ConsoleSettingsTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private const string AgentTab = "/console/settings?tab=identity-agent-policy";

    private Task<IReadOnlyList<SettingView>> StoredAsync() =>
        fixture.App.WithServicesAsync(s => s.GetRequiredService<SettingsService>().ListAsync(CancellationToken.None));

    private async Task<JsonElement> StoredAsync(SettingDefinition definition) => (await StoredAsync()).Single(s => s.Key == definition.Key).Value;

    /// <summary>The form of a tab filled with the values in force (a checkbox that is on sends "true"), then the changes.</summary>
    private async Task<Dictionary<string, string>> TabFormAsync(string tab, params (SettingDefinition Setting, string Value)[] changes)
    {
        var fields = (await StoredAsync()).Where(s => s.Tab == tab && s.Value.ValueKind != JsonValueKind.False)
            .ToDictionary(s => s.Key, s => s.Value.ValueKind == JsonValueKind.String ? s.Value.GetString()! : s.Value.GetRawText().ToLowerInvariant());
        foreach (var (setting, value) in changes)
        {
            fields[setting.Key] = value;
        }

        return fields;
    }

    [Fact]
    public async Task SettingsPage_EveryTab_ShowsEachFieldWithItsInputDefaultAndHelp()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");

        foreach (var tab in SettingDefinitions.Tabs)
        {
            // Act
            using var response = await browser.GetAsync("/console/settings?tab=" + tab.ToLowerInvariant().Replace(' ', '-'));
            var html = await response.Content.ReadAsStringAsync();

            // Assert
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains($"aria-current=\"page\">{tab}</a>", html, StringComparison.Ordinal);
            foreach (var definition in SettingDefinitions.All)
            {
                if (definition.Tab != tab)
                {
                    Assert.DoesNotContain($"id=\"{definition.Key}\"", html, StringComparison.Ordinal);
                    continue;
                }

                var block = ConsoleSessions.FieldBlock(html, definition.Key);
                Assert.Contains(definition.Name, WebUtility.HtmlDecode(block), StringComparison.Ordinal);
                Assert.Contains($"<label for=\"{definition.Key}\"", block, StringComparison.Ordinal);
                Assert.Contains(definition.Description, WebUtility.HtmlDecode(block), StringComparison.Ordinal);
                Assert.Contains($"id=\"{definition.Key}-default\">Default: ", block, StringComparison.Ordinal);
                var input = definition switch
                {
                    { Choices: not null } => $"<select id=\"{definition.Key}\"",
                    { Kind: SettingKind.Boolean } => $"<input type=\"checkbox\" id=\"{definition.Key}\"",
                    { Kind: SettingKind.Integer } => $"<input type=\"number\" id=\"{definition.Key}\"",
                    _ => $"<input type=\"text\" id=\"{definition.Key}\"",
                };
                Assert.Contains(input, block, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task SettingsPage_Defaults_AreShownInTheirOwnWords()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");

        // Act
        var agent = await browser.GetStringAsync(AgentTab);
        var certificates = await browser.GetStringAsync("/console/settings");
        var devices = await browser.GetStringAsync("/console/settings?tab=devices");

        // Assert: a list shows the label of its default, a flag on or off, text as it is.
        Assert.Contains("id=\"logLevel-default\">Default: 2 ERROR</span>", agent, StringComparison.Ordinal);
        Assert.Contains("4 INFO</option>", agent, StringComparison.Ordinal);
        Assert.Contains("id=\"maximumSessionCount-default\">Default: -1</span>", agent, StringComparison.Ordinal);
        Assert.Contains("id=\"certificateRecoveryPasswordComplexity-default\">Default: 04-08N</span>", certificates, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\">Certificates</a>", certificates, StringComparison.Ordinal);
        Assert.Contains("id=\"mobileProvisionViaEmail-default\">Default: on</span>", devices, StringComparison.Ordinal);
        Assert.Contains("id=\"mobileProvisionViaSms-default\">Default: off</span>", devices, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveTab_ValidValues_ShowsThemAndTheSettingsServiceHasThem()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        var form = await TabFormAsync(SettingDefinitions.IdentityAgentPolicy,
            (SettingDefinitions.MaximumRetryAttempts, "7"), (SettingDefinitions.LogLevel, "4"), (SettingDefinitions.AdministratorEmailAddress, "help@example.org"));

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, AgentTab, "settings", form);
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Identity Agent Policy saved.", html, StringComparison.Ordinal);
        Assert.Contains("id=\"maximumRetryAttempts\" name=\"maximumRetryAttempts\" value=\"7\"", html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"4\" selected>4 INFO</option>", html, StringComparison.Ordinal);
        var typed = await fixture.App.WithServicesAsync(s => s.GetRequiredService<SettingsService>().GetAsync(CancellationToken.None));
        Assert.Equal(7, typed.MaximumRetryAttempts);
        Assert.Equal(4, typed.LogLevel);
        Assert.Equal("help@example.org", typed.AdministratorEmailAddress);
    }

    [Fact]
    public async Task SaveTab_UntickedCheckbox_TurnsTheFlagOff()
    {
        // Arrange: Mobile Provision Via SMS on, then the Devices tab saved with its box unticked.
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        using var on = await ConsoleForms.SubmitAsync(browser, "/console/settings?tab=devices", "settings",
            await TabFormAsync(SettingDefinitions.Devices, (SettingDefinitions.MobileProvisionViaSms, "true")));
        Assert.True((await StoredAsync(SettingDefinitions.MobileProvisionViaSms)).GetBoolean());
        var form = await TabFormAsync(SettingDefinitions.Devices);
        form.Remove(SettingDefinitions.MobileProvisionViaSms.Key);

        // Act
        using var off = await ConsoleForms.SubmitAsync(browser, "/console/settings?tab=devices", "settings", form);
        var html = await off.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.False((await StoredAsync(SettingDefinitions.MobileProvisionViaSms)).GetBoolean());
        Assert.True((await StoredAsync(SettingDefinitions.MobileProvisionViaEmail)).GetBoolean());
        Assert.DoesNotContain("id=\"mobileProvisionViaSms\" name=\"mobileProvisionViaSms\" value=\"true\" checked", html, StringComparison.Ordinal);
        Assert.Contains("id=\"mobileProvisionViaEmail\" name=\"mobileProvisionViaEmail\" value=\"true\" checked", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveTab_BadValues_ShowsEachMessageNextToItsFieldAndSavesNothing()
    {
        // Arrange: one good change and two bad ones in the same save.
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        var before = await StoredAsync();
        var form = await TabFormAsync(SettingDefinitions.IdentityAgentPolicy,
            (SettingDefinitions.MinimumRetryDelay, "30"), (SettingDefinitions.MaximumSessionCount, "-5"), (SettingDefinitions.MaximumRetryAttempts, "many"));

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, AgentTab, "settings", form);
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        var sessions = ConsoleSessions.FieldBlock(html, SettingDefinitions.MaximumSessionCount.Key);
        Assert.Contains("<div class=\"field invalid\">", sessions, StringComparison.Ordinal);
        Assert.Contains("id=\"maximumSessionCount-error\">Maximum session count must be between -1 and 100000; -5 is not.</span>", sessions, StringComparison.Ordinal);
        Assert.Contains("value=\"-5\"", sessions, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"maximumSessionCount-help maximumSessionCount-default maximumSessionCount-error\"", sessions, StringComparison.Ordinal);
        var retries = ConsoleSessions.FieldBlock(html, SettingDefinitions.MaximumRetryAttempts.Key);
        Assert.Contains("id=\"maximumRetryAttempts-error\">Maximum retry attempts must be a whole number.</span>", retries, StringComparison.Ordinal);
        Assert.DoesNotContain("field-error", ConsoleSessions.FieldBlock(html, SettingDefinitions.MinimumRetryDelay.Key), StringComparison.Ordinal);
        Assert.Equal(before.Select(s => s.Value.GetRawText()), (await StoredAsync()).Select(s => s.Value.GetRawText()));
    }

    [Fact]
    public async Task SaveTab_RuleJoiningTwoTabs_IsRefusedWithTheMessageShown()
    {
        // Arrange: the code by SMS needs the link by email; Send Mobile OTP via SMS is on.
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        using var sms = await ConsoleForms.SubmitAsync(browser, "/console/settings?tab=notifications", "settings",
            await TabFormAsync(SettingDefinitions.Notifications, (SettingDefinitions.SendMobileOtpViaSms, "true")));
        Assert.Equal(HttpStatusCode.OK, sms.StatusCode);
        var form = await TabFormAsync(SettingDefinitions.Devices);
        form.Remove(SettingDefinitions.MobileProvisionViaEmail.Key);

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/settings?tab=devices", "settings", form);
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Send Mobile OTP via SMS needs Mobile Provision Via Email on", html, StringComparison.Ordinal);
        Assert.True((await StoredAsync(SettingDefinitions.MobileProvisionViaEmail)).GetBoolean());
        using var undo = await ConsoleForms.SubmitAsync(browser, "/console/settings?tab=notifications", "reset", new Dictionary<string, string>());
        Assert.False((await StoredAsync(SettingDefinitions.SendMobileOtpViaSms)).GetBoolean());
    }

    [Fact]
    public async Task ResetTab_ChangedValues_AreBackAtTheirDefaults()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        const string Video = "/console/settings?tab=video";
        using var changed = await ConsoleForms.SubmitAsync(browser, Video, "settings",
            new Dictionary<string, string> { [SettingDefinitions.ImageUploadServer.Key] = "https://images.example.org" });
        Assert.Equal("https://images.example.org", (await StoredAsync(SettingDefinitions.ImageUploadServer)).GetString());

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, Video, "reset", new Dictionary<string, string>());
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Video is back at its defaults.", html, StringComparison.Ordinal);
        Assert.Equal("", (await StoredAsync(SettingDefinitions.ImageUploadServer)).GetString());
    }

    [Fact]
    public async Task SaveTab_WorkflowWithoutScopeAll_IsRefusedAndNothingChanges()
    {
        // Arrange
        var role = await ConsoleSessions.CreateRoleAsync(fixture.App, Scope.Department, Workflow.OperationSettings);
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, role);
        var before = await StoredAsync(SettingDefinitions.MaximumLogStorageSpace);

        // Act
        using var page = await browser.GetAsync(AgentTab);
        var pageHtml = await page.Content.ReadAsStringAsync();
        using var save = await ConsoleSessions.PostAsync(browser, AgentTab, "settings",
            await TabFormAsync(SettingDefinitions.IdentityAgentPolicy, (SettingDefinitions.MaximumLogStorageSpace, "99")));
        using var reset = await ConsoleSessions.PostAsync(browser, AgentTab, "reset", new Dictionary<string, string>());

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("role=\"alert\"", pageHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"maximumLogStorageSpace\"", pageHtml, StringComparison.Ordinal);
        // Note: the refused page renders no form, so the framework refuses a post to it as a form it does not have.
        Assert.Equal(HttpStatusCode.BadRequest, save.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, reset.StatusCode);
        Assert.Equal(before.GetRawText(), (await StoredAsync(SettingDefinitions.MaximumLogStorageSpace)).GetRawText());
    }
}
