using MobileId.Server.Features.Notifications;

namespace MobileId.Server.Tests.Console;

/// <summary><b>Email Templates</b> in the console: the list, editing through the template service, preview with sample values, reset.</summary>
public sealed class ConsoleTemplatesTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private Task<TemplateView> StoredAsync(string key) =>
        fixture.App.WithServicesAsync(async s => (await s.GetRequiredService<MessageTemplates>().GetAsync(key, CancellationToken.None)).Value!);

    private static Dictionary<string, string> Draft(string subject, string body, string action) =>
        new() { ["subject"] = subject, ["body"] = body, ["action"] = action };

    [Fact]
    public async Task TemplatesList_ShowsEveryTemplateAndQFilters()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");

        // Act
        var all = await browser.GetStringAsync("/console/templates");
        var sms = await browser.GetStringAsync("/console/templates?q=sms");

        // Assert
        Assert.Contains("<h1>Email Templates</h1>", all, StringComparison.Ordinal);
        Assert.All(TemplateCatalog.All, t => Assert.Contains($"href=\"/console/templates/{t.Key}\"", all, StringComparison.Ordinal));
        Assert.Contains($"{TemplateCatalog.All.Count} templates found.", all, StringComparison.Ordinal);
        Assert.All(TemplateCatalog.All.Where(t => t.IsSms), t => Assert.Contains($"href=\"/console/templates/{t.Key}\"", sms, StringComparison.Ordinal));
        Assert.DoesNotContain($"href=\"/console/templates/{TemplateCatalog.MobileProvision}\"", sms, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplatePage_ShowsTheTextInForceAndItsPlaceholders()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        var definition = MessageTemplates.Definition(TemplateCatalog.MobileRenewalDueEmail)!;

        // Act
        var html = WebUtility.HtmlDecode(await browser.GetStringAsync("/console/templates/" + definition.Key));

        // Assert
        Assert.Contains($"value=\"{definition.Subject}\"", html, StringComparison.Ordinal);
        Assert.Contains(definition.Body, html, StringComparison.Ordinal);
        Assert.All(definition.Placeholders, p => Assert.Contains($"<dt><code>{{{{{p}}}}}</code></dt>", html, StringComparison.Ordinal));
        Assert.DoesNotContain("<dt><code>{{code}}</code></dt>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveTemplate_ValidDraft_ShowsItAndTheServiceSendsIt()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        const string Path = "/console/templates/" + TemplateCatalog.MobileExpiredEmail;

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, Path, "template",
            Draft("{{organization}}: your mobile ID has expired", "<p>Dear {{displayName}}, it expired at {{expiresAt}}.</p>", "save"));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Saved: new messages use this text.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"{{organization}}: your mobile ID has expired\"", html, StringComparison.Ordinal);
        var stored = await StoredAsync(TemplateCatalog.MobileExpiredEmail);
        Assert.True(stored.Customised);
        Assert.Equal("<p>Dear {{displayName}}, it expired at {{expiresAt}}.</p>", stored.Body);
        Assert.Contains("<span class=\"badge good\">changed</span>", await browser.GetStringAsync("/console/templates?q=" + TemplateCatalog.MobileExpiredEmail),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveTemplate_CodeInTheSubjectAndUnknownPlaceholder_ShowsEachMessageNextToItsFieldAndSavesNothing()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        const string Path = "/console/templates/" + TemplateCatalog.MobileProvision;

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, Path, "template", Draft("Your code {{code}}", "<p>Hello {{nickname}}</p>", "save"));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
        var subject = WebUtility.HtmlDecode(ConsoleSessions.FieldBlock(html, "subject"));
        Assert.Contains("<div class=\"field invalid\">", subject, StringComparison.Ordinal);
        Assert.Contains("The subject may not hold {{code}}", subject, StringComparison.Ordinal);
        Assert.Contains("value=\"Your code {{code}}\"", subject, StringComparison.Ordinal);
        var body = WebUtility.HtmlDecode(ConsoleSessions.FieldBlock(html, "body"));
        Assert.Contains("an unknown placeholder {{nickname}}", body, StringComparison.Ordinal);
        Assert.False((await StoredAsync(TemplateCatalog.MobileProvision)).Customised);
    }

    [Fact]
    public async Task PreviewTemplate_Draft_ShowsSampleValuesEscapedAndSavesNothing()
    {
        // Arrange: a draft with markup that must not run.
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        const string Path = "/console/templates/" + TemplateCatalog.MobileRenewedEmail;

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, Path, "template",
            Draft("Renewed for {{displayName}}", "<p>Hello {{displayName}}</p><script>alert(1)</script><p>Until {{expiresAt}}</p>", "preview"));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-testid=\"preview-subject\">Renewed for Jane Doe</span>", html, StringComparison.Ordinal);
        Assert.Contains("Hello Jane Doe", html, StringComparison.Ordinal);
        Assert.Contains("&lt;p&gt;Hello Jane Doe&lt;/p&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.False((await StoredAsync(TemplateCatalog.MobileRenewedEmail)).Customised);
    }

    [Fact]
    public async Task PreviewTemplate_Sms_ShowsTheGroupedSampleCode()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        var sms = await StoredAsync(TemplateCatalog.MobileOtpSms);

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, "/console/templates/" + TemplateCatalog.MobileOtpSms, "template",
            Draft(sms.Subject, sms.Body, "preview"));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("1234 5678", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"preview-html\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetTemplate_Changed_TheBuiltInTextIsInForceAgain()
    {
        // Arrange
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, "Administrator");
        const string Path = "/console/templates/" + TemplateCatalog.MobileRenewalDueSms;
        var builtIn = MessageTemplates.Definition(TemplateCatalog.MobileRenewalDueSms)!;
        using var saved = await ConsoleForms.SubmitAsync(browser, Path, "template", Draft("", "Renew soon, {{displayName}}.", "save"));
        Assert.True((await StoredAsync(TemplateCatalog.MobileRenewalDueSms)).Customised);

        // Act
        using var response = await ConsoleForms.SubmitAsync(browser, Path, "reset", new Dictionary<string, string>());
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Reset: the built-in text is in force again.", html, StringComparison.Ordinal);
        Assert.Contains(builtIn.Body, html, StringComparison.Ordinal);
        Assert.False((await StoredAsync(TemplateCatalog.MobileRenewalDueSms)).Customised);
    }

    [Fact]
    public async Task SaveTemplate_WorkflowWithoutScopeAll_IsRefusedButPreviewWorks()
    {
        // Arrange
        var role = await ConsoleSessions.CreateRoleAsync(fixture.App, Scope.Department, Workflow.EmailTemplates);
        using var browser = await ConsoleSessions.SignedInAsync(fixture.App, role);
        const string Path = "/console/templates/" + TemplateCatalog.UnlockVerificationEmail;
        var before = await StoredAsync(TemplateCatalog.UnlockVerificationEmail);

        // Act
        using var save = await ConsoleForms.SubmitAsync(browser, Path, "template", Draft("Changed {{organization}}", "<p>Changed</p>", "save"));
        var saveHtml = await save.Content.ReadAsStringAsync();
        using var preview = await ConsoleForms.SubmitAsync(browser, Path, "template", Draft("Changed {{organization}}", "<p>Changed</p>", "preview"));

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, save.StatusCode);
        Assert.Contains("role=\"alert\"", saveHtml, StringComparison.Ordinal);
        Assert.Contains("scope All", saveHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var after = await StoredAsync(TemplateCatalog.UnlockVerificationEmail);
        Assert.Equal((before.Customised, before.Subject, before.Body), (after.Customised, after.Subject, after.Body));
    }
}
