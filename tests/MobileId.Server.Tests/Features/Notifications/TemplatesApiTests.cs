using MobileId.Server.Features.Notifications;
using static MobileId.Testing.Features.Notifications.NotificationTesting;

namespace MobileId.Server.Tests.Features.Notifications;

/// <summary>The Email Templates workflow through the API, and what the outbox refuses on a server without SMS.</summary>
public abstract class TemplatesApiTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private MobileIdApp App => fixture.App;

    [Fact]
    public async Task List_EveryTemplate_HasSubjectBodyChannelAndPlaceholders()
    {
        using var admin = await App.AdminClientAsync();

        var list = await MobileIdApp.ReadJsonAsync(await admin.GetAsync("/api/v1/email-templates"));

        var keys = list.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("key").GetString()).ToList();
        Assert.Equal(TemplateCatalog.All.Select(t => t.Key), keys);
        foreach (var key in new[] { "mobile-provision", "mobile-provision-link-only", "mobile-otp-sms", "mobile-provision-sms", "mobile-renewal-due-email",
            "mobile-renewal-due-sms", "mobile-renewed-email", "mobile-renewed-sms", "mobile-expired-email", "mobile-expired-sms",
            "unlock-verification-email", "unlock-verification-sms" })
        {
            Assert.Contains(key, keys);
        }

        var otp = list.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("key").GetString() == "mobile-otp-sms");
        Assert.Equal("Sms", otp.GetProperty("channel").GetString());
        Assert.Equal(480, otp.GetProperty("maxBodyLength").GetInt32());
        Assert.Contains("{{code}}", otp.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Contains("code", otp.GetProperty("placeholders").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var linkOnly = list.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("key").GetString() == "mobile-provision-link-only");
        Assert.DoesNotContain("code", linkOnly.GetProperty("placeholders").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.All(list.GetProperty("items").EnumerateArray(), t => Assert.False(t.GetProperty("customised").GetBoolean()));
    }

    [Theory]
    [InlineData("mobile-otp-sms", "Code {{code}} for {{nickname}} and {{ssn}}", "body", "unknown placeholders {{nickname}}, {{ssn}}")]
    [InlineData("mobile-provision-link-only", "<p>{{link}} {{code}}</p>", "body", "an unknown placeholder {{code}}")]
    [InlineData("mobile-provision", "<p>{{#code}}{{code}}</p>", "body", "{{#code}} is never closed")]
    [InlineData("mobile-provision", "<p>{{link}} {{ link with spaces }}</p>", "body", "is not a placeholder")]
    [InlineData("mobile-otp-sms", "", "body", "The body must not be empty")]
    public async Task Put_BrokenBody_Returns400NamingTheProblem(string key, string body, string field, string message)
    {
        using var admin = await App.AdminClientAsync();

        var response = await admin.PutAsJsonAsync($"/api/v1/email-templates/{key}", new { subject = "A subject", body });

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Contains(message, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_SmsLongerThan480_Returns400()
    {
        using var admin = await App.AdminClientAsync();

        var response = await admin.PutAsJsonAsync("/api/v1/email-templates/mobile-otp-sms", new { subject = "Code", body = "{{code}} " + new string('x', 480) });

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Contains("at most 480 characters", problem.GetProperty("errors").GetProperty("body")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Your code {{code}}", "may not hold {{code}}")]
    [InlineData("", "An email needs a subject")]
    public async Task Put_BadSubject_Returns400(string subject, string message)
    {
        using var admin = await App.AdminClientAsync();

        var response = await admin.PutAsJsonAsync("/api/v1/email-templates/mobile-provision", new { subject, body = "<p>{{link}}</p>" });

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Contains(message, problem.GetProperty("errors").GetProperty("subject")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutPreviewDelete_ChangedTemplate_IsUsedAuditedAndResetToTheDefault()
    {
        // Arrange
        using var admin = await App.AdminClientAsync();
        const string key = "mobile-renewed-email";
        var body = "<p>Dear {{displayName}}, {{profile}} now lasts until {{expiresAt}}.</p>";

        // Act
        var saved = await admin.PutAsJsonAsync($"/api/v1/email-templates/{key}", new { subject = "Renewed: {{profile}}", body });
        var shown = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/email-templates/{key}"));
        var preview = await MobileIdApp.ReadJsonAsync(await admin.PostAsJsonAsync($"/api/v1/email-templates/{key}/preview", new { }));
        var draft = await MobileIdApp.ReadJsonAsync(await admin.PostAsJsonAsync($"/api/v1/email-templates/{key}/preview",
            new { body = "<p>Draft for {{displayName}}</p>" }));
        var reset = await admin.DeleteAsync($"/api/v1/email-templates/{key}");
        var after = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/email-templates/{key}"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.True(shown.GetProperty("customised").GetBoolean());
        Assert.Equal(body, shown.GetProperty("body").GetString());
        Assert.Equal("Renewed: Staff mobile ID", preview.GetProperty("subject").GetString());
        Assert.Contains("<p>Dear Jane Doe, Staff mobile ID now lasts until", preview.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.True(preview.GetProperty("isHtml").GetBoolean());
        Assert.Contains("<p>Draft for Jane Doe</p>", draft.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.False(after.GetProperty("customised").GetBoolean());
        Assert.Equal(TemplateCatalog.ByKey[key].Body, after.GetProperty("body").GetString());
        var audit = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords.AsNoTracking()
            .Where(a => a.TargetKind == "template" && a.TargetId == key).OrderBy(a => a.Sequence).ToListAsync());
        Assert.Equal(["template.changed", "template.reset"], audit.TakeLast(2).Select(a => a.Action));
        var changed = JsonDocument.Parse(audit[^2].Details!).RootElement;
        Assert.Equal(TemplateCatalog.ByKey[key].Body, changed.GetProperty("before").GetProperty("body").GetString());
        Assert.Equal(body, changed.GetProperty("after").GetProperty("body").GetString());
        Assert.Equal("Email Templates", audit[^1].Workflow);
    }

    [Fact]
    public async Task Preview_SmsTemplate_RendersPlainTextWithGroupedSampleCode()
    {
        using var admin = await App.AdminClientAsync();

        // Note: without a body, the template in force is previewed.
        var response = await admin.PostAsync("/api/v1/email-templates/mobile-otp-sms/preview", null);
        var preview = await MobileIdApp.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(preview.GetProperty("isHtml").GetBoolean());
        Assert.Contains("1234 5678", preview.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("{{", preview.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/api/v1/email-templates/no-such-template")]
    [InlineData("DELETE", "/api/v1/email-templates/no-such-template")]
    public async Task UnknownKey_Returns404ListingTheKnownOnes(string method, string path)
    {
        using var admin = await App.AdminClientAsync();

        var response = await admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var problem = await MobileIdApp.AssertProblemAsync(response, 404, ErrorCodes.NotFound);
        Assert.Contains("mobile-otp-sms", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueSms_NoGatewayAndEmailToSmsOff_FailsSayingHowToSetSmsUp()
    {
        var result = await App.WithServicesAsync(s => s.GetRequiredService<NotificationOutbox>().EnqueueSmsAsync("+44 7700 900123",
            TemplateCatalog.MobileOtpSms, Values(("code", "12345678")), new NotificationSubject(null), CancellationToken.None));

        Assert.False(result.IsSuccess);
        Assert.Equal(409, result.Error!.Status);
        Assert.Contains("MobileId:Sms:GatewayUrl", result.Error.Detail, StringComparison.Ordinal);
        Assert.Contains("SMS email notifications", result.Error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueEmail_NotAnAddress_FailsWithAValidationError()
    {
        var result = await App.WithServicesAsync(s => s.GetRequiredService<NotificationOutbox>().EnqueueEmailAsync("not an address",
            TemplateCatalog.MobileRenewedEmail, Values(), new NotificationSubject(null), CancellationToken.None));

        Assert.False(result.IsSuccess);
        Assert.Equal(ErrorCodes.ValidationFailed, result.Error!.Code);
    }
}

public sealed class SqliteTemplatesApiTests(SqliteAppFixture fixture) : TemplatesApiTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresTemplatesApiTests(PostgresAppFixture fixture) : TemplatesApiTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
