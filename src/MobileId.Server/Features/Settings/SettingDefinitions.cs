using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MobileId.Server.Features.Settings;

public enum SettingKind
{
    Boolean,
    Integer,
    Text,
}

/// <summary>One allowed value of a setting with a fixed set of values, and how the console names it.</summary>
public sealed record SettingChoice(object Value, string Label);

/// <summary>
/// One Operation Setting (PRODUCT.md §8): its key in the API, the name the console shows, its
/// tab, type, seed default, help text (<see cref="Description"/>) and the rule a value must meet.
/// </summary>
public sealed record SettingDefinition(
    string Key,
    string Name,
    string Tab,
    SettingKind Kind,
    object Default,
    string Description,
    Func<object, string?>? Rule = null)
{
    /// <summary>The values allowed, when the setting has a fixed set (the console shows a list); null otherwise.</summary>
    public IReadOnlyList<SettingChoice>? Choices { get; init; }

    /// <summary>Reads a JSON value into the setting's type, or says why it cannot.</summary>
    public (object? Value, string? Error) Parse(JsonElement json)
    {
        switch (Kind)
        {
            case SettingKind.Boolean when json.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return (json.GetBoolean(), null);
            case SettingKind.Integer when json.ValueKind == JsonValueKind.Number && json.TryGetInt32(out var number):
                return Check(number);
            case SettingKind.Text when json.ValueKind == JsonValueKind.String:
                return Check(json.GetString()!.Trim());
            default:
                var expected = Kind switch
                {
                    SettingKind.Boolean => "true or false",
                    SettingKind.Integer => "a whole number",
                    SettingKind.Text => "a text value",
                };
                return (null, $"{Name} must be {expected}.");
        }
    }

    private (object? Value, string? Error) Check(object value)
    {
        var error = Rule?.Invoke(value);
        return error is null ? (value, null) : (null, $"{Name} {error}");
    }

    public JsonElement ToJson(object value) => JsonSerializer.SerializeToElement(value);
}

/// <summary>Every Operation Setting with its seed default. docs/configuration.md lists the same.</summary>
public static partial class SettingDefinitions
{
    public const string Certificates = "Certificates";
    public const string Biometrics = "Biometrics";
    public const string Video = "Video";
    public const string IdentityAgentPolicy = "Identity Agent Policy";
    public const string Devices = "Devices";
    public const string Notifications = "Notifications";
    public const string General = "General";

    public static readonly IReadOnlyList<string> Tabs = [Certificates, Biometrics, Video, IdentityAgentPolicy, Devices, Notifications, General];

    public static readonly SettingDefinition MobileCertificateRecoveryServiceUrl = new(
        "mobileCertificateRecoveryServiceUrl", "Mobile Certificate Recovery Service URL", Certificates, SettingKind.Text, "",
        "Address devices use for the device protocol. Empty: Web Server External Address followed by /device/v1.",
        v => OptionalHttpUrl((string)v));

    public static readonly SettingDefinition WebServerExternalAddress = new(
        "webServerExternalAddress", "Web Server External Address", Certificates, SettingKind.Text, "http://127.0.0.1:5080",
        "Base address that clients in another network use: provisioning links, QR codes, and the CRL and OCSP addresses in certificates.",
        v => RequiredHttpUrl((string)v));

    public static readonly SettingDefinition CertificateRecoveryPasswordComplexity = new(
        "certificateRecoveryPasswordComplexity", "Certificate Recovery Password Complexity", Certificates, SettingKind.Text, "04-08N",
        "Length of one-time codes as xx-yyN: minimum length xx, maximum length yy, numeric (N).",
        v => Complexity((string)v));

    public static readonly SettingDefinition IosOtaCredentialProfile = new(
        "iosOtaCredentialProfile", "iOS OTA Credential Profile", Certificates, SettingKind.Text, "",
        "Credential profile used for iOS over-the-air enrolment. Empty: iOS OTA is off.",
        v => MaxLength((string)v, 100));

    public static readonly SettingDefinition IosOtaOrganization = new(
        "iosOtaOrganization", "iOS OTA Organization", Certificates, SettingKind.Text, "MobileId",
        "Organisation name shown on the iOS configuration profile.",
        v => RequiredText((string)v, 100));

    public static readonly SettingDefinition IosOtaDisplayName = new(
        "iosOtaDisplayName", "iOS OTA Display Name", Certificates, SettingKind.Text, "MobileId Enrollment",
        "Name of the iOS configuration profile as the device shows it.",
        v => RequiredText((string)v, 100));

    public static readonly SettingDefinition IosOtaDescription = new(
        "iosOtaDescription", "iOS OTA Description", Certificates, SettingKind.Text, "Enrolls this device for a MobileId certificate.",
        "Description shown on the iOS configuration profile.",
        v => MaxLength((string)v, 500));

    public static readonly SettingDefinition VerifyFingerprintsDuringCardUpdate = new(
        "verifyFingerprintsDuringCardUpdate", "Verify fingerprints during card update", Biometrics, SettingKind.Boolean, false,
        "When on, mobile provisioning and updates fail with 'Your mobile device is not compatible with biometric authentication'.");

    public static readonly SettingDefinition VerifyFingerprintsDuringCardUnlock = new(
        "verifyFingerprintsDuringCardUnlock", "Verify fingerprints during card unlock", Biometrics, SettingKind.Boolean, false,
        "When on, mobile unlock fails with 'Your mobile device is not compatible with biometric authentication'.");

    public static readonly SettingDefinition ImageUploadServer = new(
        "imageUploadServer", "Image Upload Server", Video, SettingKind.Text, "",
        "Base address badge photos are served from. Empty: this server.",
        v => OptionalHttpUrl((string)v));

    public static readonly SettingDefinition MaximumSessionCount = new(
        "maximumSessionCount", "Maximum session count", IdentityAgentPolicy, SettingKind.Integer, -1,
        "Concurrent mobile client sessions: -1 no limit, 0 no mobile issuance or update, N at most N (others get HTTP 503 with Retry-After).",
        v => Range((int)v, -1, 100_000));

    public static readonly SettingDefinition AdministratorEmailAddress = new(
        "administratorEmailAddress", "Administrator email address", IdentityAgentPolicy, SettingKind.Text, "",
        "Address the Identity Agent offers for support. Empty: none.",
        v => OptionalEmail((string)v));

    public static readonly SettingDefinition LogLevel = new(
        "logLevel", "Log level", IdentityAgentPolicy, SettingKind.Integer, 2,
        "Identity Agent log level: 0 NONE, 1 FATAL, 2 ERROR, 3 WARNING, 4 INFO, 5 DEBUG, 6 VERBOSE.",
        v => Range((int)v, 0, 6))
    {
        Choices = new[] { "NONE", "FATAL", "ERROR", "WARNING", "INFO", "DEBUG", "VERBOSE" }
            .Select((name, level) => new SettingChoice(level, $"{level} {name}")).ToList(),
    };

    public static readonly SettingDefinition MaximumLogStorageSpace = new(
        "maximumLogStorageSpace", "Maximum log storage space", IdentityAgentPolicy, SettingKind.Integer, 10,
        "Identity Agent log storage on the device, in MB.",
        v => Range((int)v, 1, 1024));

    public static readonly SettingDefinition MaximumNumberOfLogFiles = new(
        "maximumNumberOfLogFiles", "Maximum number of log files", IdentityAgentPolicy, SettingKind.Integer, -1,
        "Identity Agent log files kept: -1 as many as fit in the storage space, 0 no logging, N at most N.",
        v => Range((int)v, -1, 1000));

    public static readonly SettingDefinition MaximumRetryAttempts = new(
        "maximumRetryAttempts", "Maximum retry attempts", IdentityAgentPolicy, SettingKind.Integer, 5,
        "Times the Identity Agent retries a failed call to the server before it reports the server unavailable.",
        v => Range((int)v, 0, 100));

    public static readonly SettingDefinition MinimumRetryDelay = new(
        "minimumRetryDelay", "Minimum retry delay", IdentityAgentPolicy, SettingKind.Integer, 10,
        "Seconds the Identity Agent waits before its first retry; later retries wait longer.",
        v => Range((int)v, 1, 3600));

    public static readonly SettingDefinition MobileProvisionViaEmail = new(
        "mobileProvisionViaEmail", "Mobile Provision Via Email", Devices, SettingKind.Boolean, true,
        "Provisioning links may be sent by email.");

    public static readonly SettingDefinition MobileProvisionViaSms = new(
        "mobileProvisionViaSms", "Mobile Provision Via SMS", Devices, SettingKind.Boolean, false,
        "Provisioning links may be sent by SMS.");

    public static readonly SettingDefinition SendMobileOtpViaSms = new(
        "sendMobileOtpViaSms", "Send Mobile OTP via SMS", Notifications, SettingKind.Boolean, false,
        "The one-time code goes by SMS and the provisioning link by email: two channels.");

    public static readonly SettingDefinition MailFormat = new(
        "mailFormat", "Mail Format", Notifications, SettingKind.Text, "HTML",
        "Format of notification email: HTML or Text.",
        v => (string)v is "HTML" or "Text" ? null : "must be HTML or Text.")
    {
        Choices = [new("HTML", "HTML"), new("Text", "Text")],
    };

    public static readonly SettingDefinition SmsEmailNotifications = new(
        "smsEmailNotifications", "SMS email notifications", General, SettingKind.Boolean, false,
        "Send SMS as email to <cellnumber>@<SMS gateway URL for notifications>.");

    public static readonly SettingDefinition SmsGatewayUrlForNotifications = new(
        "smsGatewayUrlForNotifications", "SMS gateway URL for notifications", General, SettingKind.Text, "",
        "Mail domain of the email-to-SMS gateway, as in <cellnumber>@<gateway>.",
        v => OptionalDomain((string)v));

    public static readonly IReadOnlyList<SettingDefinition> All =
    [
        MobileCertificateRecoveryServiceUrl, WebServerExternalAddress, CertificateRecoveryPasswordComplexity,
        IosOtaCredentialProfile, IosOtaOrganization, IosOtaDisplayName, IosOtaDescription,
        VerifyFingerprintsDuringCardUpdate, VerifyFingerprintsDuringCardUnlock,
        ImageUploadServer,
        MaximumSessionCount, AdministratorEmailAddress, LogLevel, MaximumLogStorageSpace, MaximumNumberOfLogFiles,
        MaximumRetryAttempts, MinimumRetryDelay,
        MobileProvisionViaEmail, MobileProvisionViaSms,
        SendMobileOtpViaSms, MailFormat,
        SmsEmailNotifications, SmsGatewayUrlForNotifications,
    ];

    public static readonly IReadOnlyDictionary<string, SettingDefinition> ByKey =
        All.ToDictionary(d => d.Key, StringComparer.Ordinal);

    /// <summary>Rules that join several settings; each message names the settings involved.</summary>
    public static IEnumerable<(string Key, string Message)> CrossRules(IReadOnlyDictionary<string, object> values)
    {
        if ((bool)values[SendMobileOtpViaSms.Key] && !(bool)values[MobileProvisionViaEmail.Key])
        {
            yield return (SendMobileOtpViaSms.Key,
                $"{SendMobileOtpViaSms.Name} needs {MobileProvisionViaEmail.Name} on: the code goes by SMS, so the link must go by email.");
        }

        if ((bool)values[SmsEmailNotifications.Key] && string.IsNullOrEmpty((string)values[SmsGatewayUrlForNotifications.Key]))
        {
            yield return (SmsGatewayUrlForNotifications.Key,
                $"{SmsGatewayUrlForNotifications.Name} is required while {SmsEmailNotifications.Name} is on.");
        }
    }

    /// <summary>Parses <c>xx-yyN</c>; returns null for anything else.</summary>
    public static (int Min, int Max)? ParseComplexity(string value)
    {
        var match = ComplexityPattern().Match(value);
        if (!match.Success)
        {
            return null;
        }

        return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private static string? Complexity(string value)
    {
        if (ParseComplexity(value) is not var (min, max))
        {
            return $"must have the form xx-yyN (two-digit minimum length, '-', two-digit maximum length, 'N' for numeric), for example 04-08N; '{value}' does not.";
        }

        if (min < 4)
        {
            return $"must have a minimum length of at least 04; '{value}' has {min:00}.";
        }

        if (max > 20)
        {
            return $"must have a maximum length of at most 20; '{value}' has {max:00}.";
        }

        return min <= max ? null : $"must have a minimum length no greater than its maximum length; '{value}' has {min:00} > {max:00}.";
    }

    private static string? Range(int value, int min, int max) =>
        value >= min && value <= max ? null : $"must be between {min} and {max}; {value} is not.";

    private static string? MaxLength(string value, int max) =>
        value.Length <= max ? null : $"must be at most {max} characters long.";

    private static string? RequiredText(string value, int max) =>
        value.Length == 0 ? "must not be empty." : MaxLength(value, max);

    private static string? RequiredHttpUrl(string value) =>
        value.Length == 0 ? "must not be empty: it is the address clients use to reach this server." : OptionalHttpUrl(value);

    private static string? OptionalHttpUrl(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"must be an absolute http:// or https:// address; '{value}' is not.";
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return $"must not have a query, fragment or user name; '{value}' has.";
        }

        return null;
    }

    private static string? OptionalEmail(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        return MailAddress.TryCreate(value, out var address) && address.Address == value && value.Contains('.', StringComparison.Ordinal)
            ? null
            : $"must be an email address such as security@example.org; '{value}' is not.";
    }

    private static string? OptionalDomain(string value) =>
        value.Length == 0 || DomainPattern().IsMatch(value)
            ? null
            : $"must be a mail domain such as sms.example.net (no '@', no scheme); '{value}' is not.";

    [GeneratedRegex(@"^(\d{2})-(\d{2})N$", RegexOptions.CultureInvariant)]
    private static partial Regex ComplexityPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();
}
