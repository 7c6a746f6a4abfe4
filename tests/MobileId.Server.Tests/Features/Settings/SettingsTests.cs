using System.Globalization;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Tests.Features.Settings;

/// <summary>
/// Operation Settings (PRODUCT.md §8) as the spec lists them, written out by hand: key, bold name,
/// tab, type and default. Where §8 gives a default it is copied from there; the others are the
/// documented defaults the server chose (SettingDefinitions).
/// </summary>
public static class SpecSettings
{
    public sealed record Expected(string Key, string Name, string Tab, string Type, string DefaultJson);

    public static readonly IReadOnlyList<string> Tabs =
        ["Certificates", "Biometrics", "Video", "Identity Agent Policy", "Devices", "Notifications", "General"];

    public static readonly IReadOnlyList<Expected> All =
    [
        // Certificates
        new("mobileCertificateRecoveryServiceUrl", "Mobile Certificate Recovery Service URL", "Certificates", "text", "\"\""),
        new("webServerExternalAddress", "Web Server External Address", "Certificates", "text", "\"http://127.0.0.1:5080\""),
        new("certificateRecoveryPasswordComplexity", "Certificate Recovery Password Complexity", "Certificates", "text", "\"04-08N\""), // §8
        new("iosOtaCredentialProfile", "iOS OTA Credential Profile", "Certificates", "text", "\"\""),
        new("iosOtaOrganization", "iOS OTA Organization", "Certificates", "text", "\"MobileId\""),
        new("iosOtaDisplayName", "iOS OTA Display Name", "Certificates", "text", "\"MobileId Enrollment\""),
        new("iosOtaDescription", "iOS OTA Description", "Certificates", "text", "\"Enrolls this device for a MobileId certificate.\""),

        // Biometrics: off, otherwise every mobile provisioning fails (§8).
        new("verifyFingerprintsDuringCardUpdate", "Verify fingerprints during card update", "Biometrics", "boolean", "false"),
        new("verifyFingerprintsDuringCardUnlock", "Verify fingerprints during card unlock", "Biometrics", "boolean", "false"),

        // Video
        new("imageUploadServer", "Image Upload Server", "Video", "text", "\"\""),

        // Identity Agent Policy
        new("maximumSessionCount", "Maximum session count", "Identity Agent Policy", "integer", "-1"), // §8: -1 no limit
        new("administratorEmailAddress", "Administrator email address", "Identity Agent Policy", "text", "\"\""),
        new("logLevel", "Log level", "Identity Agent Policy", "integer", "2"), // §8: 2 ERROR default
        new("maximumLogStorageSpace", "Maximum log storage space", "Identity Agent Policy", "integer", "10"),
        new("maximumNumberOfLogFiles", "Maximum number of log files", "Identity Agent Policy", "integer", "-1"), // §8: -1 default
        new("maximumRetryAttempts", "Maximum retry attempts", "Identity Agent Policy", "integer", "5"), // §8: (5)
        new("minimumRetryDelay", "Minimum retry delay", "Identity Agent Policy", "integer", "10"), // §8: (10 s)

        // Devices
        new("mobileProvisionViaEmail", "Mobile Provision Via Email", "Devices", "boolean", "true"),
        new("mobileProvisionViaSms", "Mobile Provision Via SMS", "Devices", "boolean", "false"),

        // Notifications
        new("sendMobileOtpViaSms", "Send Mobile OTP via SMS", "Notifications", "boolean", "false"),
        new("mailFormat", "Mail Format", "Notifications", "text", "\"HTML\""),

        // General
        new("smsEmailNotifications", "SMS email notifications", "General", "boolean", "false"),
        new("smsGatewayUrlForNotifications", "SMS gateway URL for notifications", "General", "text", "\"\""),
    ];

    /// <summary>The bold names of PRODUCT.md §8, in the order the spec lists them.</summary>
    public static readonly IReadOnlyList<string> BoldNames =
    [
        "Mobile Certificate Recovery Service URL", "Web Server External Address", "Certificate Recovery Password Complexity",
        "iOS OTA Credential Profile", "iOS OTA Organization", "iOS OTA Display Name", "iOS OTA Description",
        "Verify fingerprints during card update", "Verify fingerprints during card unlock",
        "Image Upload Server",
        "Maximum session count", "Administrator email address", "Log level", "Maximum log storage space",
        "Maximum number of log files", "Maximum retry attempts", "Minimum retry delay",
        "Mobile Provision Via Email", "Mobile Provision Via SMS",
        "Send Mobile OTP via SMS", "Mail Format",
        "SMS email notifications", "SMS gateway URL for notifications",
    ];
}

/// <summary>The setting definitions on their own, without a server.</summary>
public sealed class SettingDefinitionsTests
{
    [Fact]
    public void All_Names_AreExactlyTheBoldNamesOfTheSpecInItsOrder()
    {
        Assert.Equal(SpecSettings.BoldNames, SettingDefinitions.All.Select(d => d.Name));
    }

    [Fact]
    public void All_KeysTabsTypesAndDefaults_EqualTheExpectedTable()
    {
        // Arrange
        var actual = SettingDefinitions.All
            .Select(d => new SpecSettings.Expected(d.Key, d.Name, d.Tab, d.Kind.ToString().ToLowerInvariant(), JsonSerializer.Serialize(d.Default)))
            .ToList();

        // Assert: row by row first, so that a failure names the setting.
        foreach (var expected in SpecSettings.All)
        {
            Assert.Contains(expected, actual);
        }

        Assert.Equal(SpecSettings.All, actual);
    }

    [Fact]
    public void Tabs_AreTheSpecsTabsInItsOrder()
    {
        Assert.Equal(SpecSettings.Tabs, SettingDefinitions.Tabs);
        Assert.All(SettingDefinitions.All, d => Assert.Contains(d.Tab, SettingDefinitions.Tabs));
    }

    [Fact]
    public void Parse_EveryDefault_MeetsItsOwnRule()
    {
        foreach (var definition in SettingDefinitions.All)
        {
            var (value, error) = definition.Parse(definition.ToJson(definition.Default));
            Assert.True(error is null, $"{definition.Name}: {error}");
            Assert.Equal(definition.Default, value);
        }
    }

    [Fact]
    public void CrossRules_Defaults_AreSatisfied()
    {
        var defaults = SettingDefinitions.All.ToDictionary(d => d.Key, d => d.Default, StringComparer.Ordinal);
        Assert.Empty(SettingDefinitions.CrossRules(defaults));
    }
}

public abstract partial class SettingsTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private const string Url = "/api/v1/settings";

    [Fact]
    public async Task GetSettings_FreshDatabase_ReturnsEverySpecSettingAtItsDefault()
    {
        // Arrange: a database no other test has changed.
        await using var database = await TestDatabase.CreateAsync(fixture.App.Database.Provider);
        await using var app = new MobileIdApp(database);
        using var client = await app.AdminClientAsync();

        // Act
        var response = await client.GetAsync(Url);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(response);
        Assert.Equal(SpecSettings.Tabs, body.GetProperty("tabs").EnumerateArray().Select(t => t.GetString()));
        var settings = body.GetProperty("settings").EnumerateArray().ToList();
        Assert.Equal(SpecSettings.All.Select(s => s.Key), settings.Select(s => s.GetProperty("key").GetString()));
        foreach (var (expected, actual) in SpecSettings.All.Zip(settings))
        {
            Assert.Equal(expected.Name, actual.GetProperty("name").GetString());
            Assert.Equal(expected.Tab, actual.GetProperty("tab").GetString());
            Assert.Equal(expected.Type, actual.GetProperty("type").GetString());
            Assert.True(expected.DefaultJson == actual.GetProperty("default").GetRawText(), $"{expected.Name}: default {actual.GetProperty("default").GetRawText()}");
            Assert.True(expected.DefaultJson == actual.GetProperty("value").GetRawText(), $"{expected.Name}: value {actual.GetProperty("value").GetRawText()}");
            Assert.False(string.IsNullOrWhiteSpace(actual.GetProperty("description").GetString()));
        }

        // The typed view agrees with the spec's defaults.
        var typed = await app.WithServicesAsync(s => s.GetRequiredService<SettingsService>().GetAsync(CancellationToken.None));
        Assert.Equal("04-08N", typed.CertificateRecoveryPasswordComplexity);
        Assert.Equal((4, 8), typed.OneTimeCodeLength);
        Assert.Equal(-1, typed.MaximumSessionCount);
        Assert.Equal(2, typed.LogLevel);
        Assert.Equal(-1, typed.MaximumNumberOfLogFiles);
        Assert.Equal(5, typed.MaximumRetryAttempts);
        Assert.Equal(10, typed.MinimumRetryDelay);
        Assert.Equal("http://127.0.0.1:5080/device/v1", typed.DeviceProtocolAddress);
    }

    [Fact]
    public async Task UpdateSettings_TwoNodesOnOneDatabase_ThisNodeSeesItAtOnceAndTheOtherSoonAfter()
    {
        // Arrange: two servers (nodes) on one database; each has read the settings once.
        await using var database = await TestDatabase.CreateAsync(fixture.App.Database.Provider);
        await using var nodeA = new MobileIdApp(database);
        await using var nodeB = new MobileIdApp(database);
        using var client = await nodeA.AdminClientAsync();
        Task<OperationSettings> ReadAsync(MobileIdApp node) => node.WithServicesAsync(s => s.GetRequiredService<SettingsService>().GetAsync(CancellationToken.None));
        Assert.Equal(2, (await ReadAsync(nodeA)).LogLevel);
        Assert.Equal(2, (await ReadAsync(nodeB)).LogLevel);

        // Act
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync(Url, new { values = new { logLevel = 5 } })).StatusCode);
        var onA = (await ReadAsync(nodeA)).LogLevel;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((await ReadAsync(nodeB)).LogLevel != 5 && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        // Assert
        Assert.Equal(5, onA);
        Assert.True((await ReadAsync(nodeB)).LogLevel == 5, $"The other node still had the old value after {waited.Elapsed.TotalSeconds:0.0} s.");
    }

    [Fact]
    public async Task UpdateSettings_ValidChanges_AreAppliedTypedAndAuditedWithOldAndNewValue()
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var before = await ValuesAsync(client);
        var newLevel = before["logLevel"] == "4" ? 5 : 4;
        var newComplexity = before["certificateRecoveryPasswordComplexity"] == "\"06-10N\"" ? "05-09N" : "06-10N";
        var newFormat = before["mailFormat"] == "\"Text\"" ? "HTML" : "Text";
        var startSequence = await LastAuditSequenceAsync();

        // Act
        var response = await PutAsync(client,
            $$"""{"logLevel": {{newLevel}}, "certificateRecoveryPasswordComplexity": " {{newComplexity}} ", "mailFormat": "{{newFormat}}", "maximumSessionCount": 0}""");

        // Assert: the response and a later GET show the new values.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var returned = ToValues(await MobileIdApp.ReadJsonAsync(response));
        var after = await ValuesAsync(client);
        Assert.Equal(after, returned);
        Assert.Equal(newLevel.ToString(CultureInfo.InvariantCulture), after["logLevel"]);
        Assert.Equal($"\"{newComplexity}\"", after["certificateRecoveryPasswordComplexity"]);
        Assert.Equal($"\"{newFormat}\"", after["mailFormat"]);
        Assert.Equal("0", after["maximumSessionCount"]);
        Assert.Equal(before.Where(b => b.Key is not ("logLevel" or "certificateRecoveryPasswordComplexity" or "mailFormat" or "maximumSessionCount")),
            after.Where(a => a.Key is not ("logLevel" or "certificateRecoveryPasswordComplexity" or "mailFormat" or "maximumSessionCount")));

        // The typed settings the rest of the server reads.
        var typed = await fixture.App.WithServicesAsync(s => s.GetRequiredService<SettingsService>().GetAsync(CancellationToken.None));
        Assert.Equal(newLevel, typed.LogLevel);
        Assert.Equal(newComplexity, typed.CertificateRecoveryPasswordComplexity);
        Assert.Equal(newComplexity == "06-10N" ? (6, 10) : (5, 9), typed.OneTimeCodeLength);
        Assert.Equal(newFormat, typed.MailFormat);
        Assert.Equal(0, typed.MaximumSessionCount);

        // One audit record per changed setting, with the old and the new value.
        var audits = await SettingAuditsSinceAsync(startSequence);
        Assert.Equal(
            ["certificateRecoveryPasswordComplexity", "logLevel", "mailFormat", "maximumSessionCount"],
            audits.Select(a => a.TargetId).Order(StringComparer.Ordinal));
        var level = audits.Single(a => a.TargetId == "logLevel");
        Assert.Equal(AuditOutcome.Success, level.Outcome);
        Assert.Equal("Operation Settings", level.Workflow);
        Assert.Equal("setting", level.TargetKind);
        Assert.StartsWith("client-", level.ActorName, StringComparison.Ordinal);
        using var details = JsonDocument.Parse(level.Details!);
        Assert.Equal("Log level", details.RootElement.GetProperty("setting").GetString());
        Assert.Equal(before["logLevel"], details.RootElement.GetProperty("oldValue").GetRawText());
        Assert.Equal(newLevel, details.RootElement.GetProperty("newValue").GetInt32());
        using var complexity = JsonDocument.Parse(audits.Single(a => a.TargetId == "certificateRecoveryPasswordComplexity").Details!);
        Assert.Equal(before["certificateRecoveryPasswordComplexity"], complexity.RootElement.GetProperty("oldValue").GetRawText());
        Assert.Equal(newComplexity, complexity.RootElement.GetProperty("newValue").GetString());
    }

    [Fact]
    public async Task UpdateSettings_ValueAlreadyInForce_IsNotAuditedAgain()
    {
        using var client = await fixture.App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(client, """{"maximumRetryAttempts": 7}""")).StatusCode);
        var sequence = await LastAuditSequenceAsync();

        var response = await PutAsync(client, """{"maximumRetryAttempts": 7}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await SettingAuditsSinceAsync(sequence));
        Assert.Equal("7", (await ValuesAsync(client))["maximumRetryAttempts"]);
    }

    [Fact]
    public async Task UpdateSettings_CrossRulesMetInOneRequest_AreAccepted()
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();

        // Act: the gateway arrives together with the switch that needs it.
        var response = await PutAsync(client,
            """{"smsEmailNotifications": true, "smsGatewayUrlForNotifications": "sms.example.net", "sendMobileOtpViaSms": true, "mobileProvisionViaEmail": true}""");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var typed = await fixture.App.WithServicesAsync(s => s.GetRequiredService<SettingsService>().GetAsync(CancellationToken.None));
        Assert.True(typed.SmsEmailNotifications);
        Assert.Equal("sms.example.net", typed.SmsGatewayUrlForNotifications);
        Assert.True(typed.SendMobileOtpViaSms);

        // Now the gateway cannot be cleared on its own, and the switch can be turned off with it.
        var clear = await PutAsync(client, """{"smsGatewayUrlForNotifications": ""}""");
        var problem = await MobileIdApp.AssertProblemAsync(clear, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty("smsGatewayUrlForNotifications", out _));
        var off = await PutAsync(client, """{"smsEmailNotifications": false, "smsGatewayUrlForNotifications": "", "sendMobileOtpViaSms": false}""");
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
    }

    [Fact]
    public async Task UpdateSettings_WithoutOperationSettingsWorkflow_Returns403AndChangesNothing()
    {
        using var admin = await fixture.App.AdminClientAsync();
        using var helpdesk = await fixture.App.ClientForAsync("Helpdesk", Scope.All);
        var before = await ValuesAsync(admin);

        var response = await PutAsync(helpdesk, """{"logLevel": 6}""");

        await MobileIdApp.AssertProblemAsync(response, 403, ErrorCodes.WorkflowNotGranted);
        await MobileIdApp.AssertProblemAsync(await helpdesk.GetAsync(Url), 403, ErrorCodes.WorkflowNotGranted);
        Assert.Equal(before, await ValuesAsync(admin));
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string values) =>
        client.PutAsync(Url, new StringContent($$"""{"values": {{values}}}""", System.Text.Encoding.UTF8, "application/json"));

    private static async Task<Dictionary<string, string>> ValuesAsync(HttpClient client)
    {
        var response = await client.GetAsync(Url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ToValues(await MobileIdApp.ReadJsonAsync(response));
    }

    private static Dictionary<string, string> ToValues(JsonElement body) =>
        body.GetProperty("settings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("key").GetString()!, s => s.GetProperty("value").GetRawText(), StringComparer.Ordinal);

    private async Task<int> CountSettingAuditsAsync()
    {
        var count = 0;
        await fixture.App.WithDbAsync(async db => count = await db.AuditRecords.CountAsync(a => a.Action == "setting.changed"));
        return count;
    }

    private async Task<long> LastAuditSequenceAsync()
    {
        long sequence = 0;
        await fixture.App.WithDbAsync(async db => sequence = await db.AuditRecords.MaxAsync(a => (long?)a.Sequence) ?? 0);
        return sequence;
    }

    private async Task<List<AuditRecord>> SettingAuditsSinceAsync(long sequence)
    {
        var records = new List<AuditRecord>();
        await fixture.App.WithDbAsync(async db => records = await db.AuditRecords.AsNoTracking()
            .Where(a => a.Sequence > sequence && a.Action == "setting.changed").ToListAsync());
        return records;
    }
}

public sealed class SqliteSettingsTests(SqliteAppFixture fixture) : SettingsTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresSettingsTests(PostgresAppFixture fixture) : SettingsTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
