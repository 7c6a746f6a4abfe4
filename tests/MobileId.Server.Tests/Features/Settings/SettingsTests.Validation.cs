using System.Globalization;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Tests.Features.Settings;

public abstract partial class SettingsTests<TFixture>
{
    public static TheoryData<string, string, string[]> InvalidValues => new()
    {
        // values (JSON), key in 'errors', words the message must hold (the setting's name and its rule)
        { """{"certificateRecoveryPasswordComplexity": "4-8N"}""", "certificateRecoveryPasswordComplexity", ["Certificate Recovery Password Complexity", "xx-yyN", "'4-8N'"] },
        { """{"certificateRecoveryPasswordComplexity": "04-08"}""", "certificateRecoveryPasswordComplexity", ["Certificate Recovery Password Complexity", "xx-yyN", "'04-08'"] },
        { """{"certificateRecoveryPasswordComplexity": "08-04N"}""", "certificateRecoveryPasswordComplexity", ["Certificate Recovery Password Complexity", "minimum length no greater than its maximum", "08 > 04"] },
        { """{"certificateRecoveryPasswordComplexity": "02-08N"}""", "certificateRecoveryPasswordComplexity", ["Certificate Recovery Password Complexity", "minimum length of at least 04"] },
        { """{"certificateRecoveryPasswordComplexity": "04-30N"}""", "certificateRecoveryPasswordComplexity", ["Certificate Recovery Password Complexity", "maximum length of at most 20"] },
        { """{"certificateRecoveryPasswordComplexity": "abc"}""", "certificateRecoveryPasswordComplexity", ["Certificate Recovery Password Complexity", "xx-yyN"] },
        { """{"logLevel": 7}""", "logLevel", ["Log level", "between 0 and 6", "7"] },
        { """{"logLevel": -1}""", "logLevel", ["Log level", "between 0 and 6", "-1"] },
        { """{"maximumSessionCount": -2}""", "maximumSessionCount", ["Maximum session count", "between -1 and"] },
        { """{"maximumRetryAttempts": -1}""", "maximumRetryAttempts", ["Maximum retry attempts", "between 0 and"] },
        { """{"minimumRetryDelay": 0}""", "minimumRetryDelay", ["Minimum retry delay", "between 1 and"] },
        { """{"mobileProvisionViaSms": "yes"}""", "mobileProvisionViaSms", ["Mobile Provision Via SMS", "true or false"] },
        { """{"maximumRetryAttempts": 2.5}""", "maximumRetryAttempts", ["Maximum retry attempts", "whole number"] },
        { """{"maximumRetryAttempts": "5"}""", "maximumRetryAttempts", ["Maximum retry attempts", "whole number"] },
        { """{"logLevel": null}""", "logLevel", ["Log level", "whole number"] },
        { """{"mailFormat": 1}""", "mailFormat", ["Mail Format", "text"] },
        { """{"webServerExternalAddress": ""}""", "webServerExternalAddress", ["Web Server External Address", "must not be empty"] },
        { """{"webServerExternalAddress": "ftp://x"}""", "webServerExternalAddress", ["Web Server External Address", "http:// or https://", "'ftp://x'"] },
        { """{"webServerExternalAddress": "http://host/?q=1"}""", "webServerExternalAddress", ["Web Server External Address", "query"] },
        { """{"webServerExternalAddress": "not a url"}""", "webServerExternalAddress", ["Web Server External Address", "http:// or https://"] },
        { """{"imageUploadServer": "/photos"}""", "imageUploadServer", ["Image Upload Server", "http:// or https://"] },
        { """{"administratorEmailAddress": "bob"}""", "administratorEmailAddress", ["Administrator email address", "email address", "'bob'"] },
        { """{"smsGatewayUrlForNotifications": "sms@x.com"}""", "smsGatewayUrlForNotifications", ["SMS gateway URL for notifications", "mail domain", "no '@'"] },
        { """{"smsGatewayUrlForNotifications": "http://gw"}""", "smsGatewayUrlForNotifications", ["SMS gateway URL for notifications", "mail domain", "no scheme"] },
        { """{"mailFormat": "PDF"}""", "mailFormat", ["Mail Format", "HTML or Text"] },
        { """{"iosOtaOrganization": ""}""", "iosOtaOrganization", ["iOS OTA Organization", "must not be empty"] },
        { """{"noSuchSetting": 1}""", "noSuchSetting", ["'noSuchSetting' is not an Operation Setting", "logLevel"] },
        { """{"LogLevel": 3}""", "LogLevel", ["'LogLevel' is not an Operation Setting"] },
        { """{"sendMobileOtpViaSms": true, "mobileProvisionViaEmail": false}""", "sendMobileOtpViaSms", ["Send Mobile OTP via SMS", "needs Mobile Provision Via Email on"] },
        { """{"smsEmailNotifications": true, "smsGatewayUrlForNotifications": ""}""", "smsGatewayUrlForNotifications", ["SMS gateway URL for notifications", "is required while SMS email notifications is on"] },
        { """{"smsEmailNotifications": true}""", "smsGatewayUrlForNotifications", ["SMS gateway URL for notifications", "is required while SMS email notifications is on"] },
        // One valid value next to an invalid one: neither is applied.
        { """{"logLevel": 4, "maximumRetryAttempts": -1}""", "maximumRetryAttempts", ["Maximum retry attempts", "between 0 and"] },
        { """{"mailFormat": "Text", "certificateRecoveryPasswordComplexity": "08-04N"}""", "certificateRecoveryPasswordComplexity", ["Certificate Recovery Password Complexity"] },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task UpdateSettings_InvalidValue_Returns400NamingTheSettingAndChangesNothing(string values, string key, string[] fragments)
    {
        // Arrange
        using var client = await fixture.App.AdminClientAsync();
        var before = await ValuesAsync(client);
        var auditsBefore = await CountSettingAuditsAsync();

        // Act
        var response = await PutAsync(client, values);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(key, out var messages), $"No error for '{key}': {problem}");
        var message = string.Join(" ", messages.EnumerateArray().Select(m => m.GetString()));
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, message, StringComparison.Ordinal);
        }

        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await ValuesAsync(client));
        Assert.Equal(auditsBefore, await CountSettingAuditsAsync());
    }

    [Fact]
    public async Task UpdateSettings_SeveralInvalidValues_ReportsEveryOne()
    {
        using var client = await fixture.App.AdminClientAsync();
        var before = await ValuesAsync(client);

        var response = await PutAsync(client, """{"logLevel": 9, "mailFormat": "PDF", "noSuchSetting": true}""");

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var keys = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["logLevel", "mailFormat", "noSuchSetting"], keys);
        Assert.Equal(before, await ValuesAsync(client));
    }

    [Fact]
    public async Task UpdateSettings_NoValues_Returns400ThatSaysWhatToSend()
    {
        using var client = await fixture.App.AdminClientAsync();

        var response = await PutAsync(client, "{}");

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.BadRequest);
        Assert.Contains("at least one setting", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
