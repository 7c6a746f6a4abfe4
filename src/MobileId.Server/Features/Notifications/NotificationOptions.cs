using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MobileId.Server.Features.Notifications;

/// <summary>Sending and retrying notifications, under <c>MobileId:Notifications</c>; see docs/notifications.md.</summary>
public sealed class NotificationOptions
{
    public const string Section = "MobileId:Notifications";

    /// <summary>Attempts before a notification is marked Failed.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait after the first failed attempt; every further failure doubles it (capped at a day).</summary>
    [Range(1, 86_400)]
    public int RetryBaseSeconds { get; set; } = 30;

    /// <summary>How often the dispatcher looks for due notifications besides being woken by new ones (and those of other nodes).</summary>
    [Range(1, 3600)]
    public int PollSeconds { get; set; } = 15;

    /// <summary>Notifications claimed in one pass.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 20;

    /// <summary>How long a claimed notification is left to the node that claimed it before another node may try it (a node that stopped mid-send).</summary>
    [Range(30, 86_400)]
    public int ClaimSeconds { get; set; } = 300;
}

public enum EmailMode
{
    /// <summary>Write <c>.eml</c> files into a folder (for a local mail relay, or to look at).</summary>
    Pickup,

    /// <summary>Send through an SMTP server.</summary>
    Smtp,
}

public enum SmtpSecurity
{
    /// <summary>Plain SMTP (a relay on the same host or network).</summary>
    None,

    /// <summary>STARTTLS, required (usually port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,
}

/// <summary>Outgoing email, under <c>MobileId:Email</c>.</summary>
public sealed class EmailOptions
{
    public const string Section = "MobileId:Email";

    public EmailMode Mode { get; set; } = EmailMode.Pickup;

    /// <summary>Where pickup mode writes <c>.eml</c> files; relative paths are under the data directory.</summary>
    public string PickupDirectory { get; set; } = "mail-pickup";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.None;

    /// <summary>SMTP user name; empty: no authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>
    /// The environment variable that holds the SMTP password. The password is never read from
    /// configuration files, where it would sit next to everything else.
    /// </summary>
    public string PasswordVariable { get; set; } = "MOBILEID_SMTP_PASSWORD";

    [Required]
    public string FromAddress { get; set; } = "mobileid@localhost";

    public string FromName { get; set; } = "MobileId";

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>The pickup folder as a full path.</summary>
    public string PickupPath(MobileIdOptions host) => Path.GetFullPath(PickupDirectory, host.DataPath);
}

/// <summary>The HTTP SMS gateway, under <c>MobileId:Sms</c>.</summary>
public sealed class SmsOptions
{
    public const string Section = "MobileId:Sms";

    /// <summary>The gateway's address; each SMS is a POST of a JSON object. Empty: no HTTP gateway.</summary>
    public string? GatewayUrl { get; set; }

    /// <summary>Name of the JSON member that carries the number.</summary>
    [Required]
    public string ToField { get; set; } = "to";

    /// <summary>Name of the JSON member that carries the text.</summary>
    [Required]
    public string TextField { get; set; } = "text";

    /// <summary>The environment variable holding a bearer token for the gateway; unset or empty: no Authorization header.</summary>
    public string TokenVariable { get; set; } = "MOBILEID_SMS_TOKEN";

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    public bool HasGateway => !string.IsNullOrWhiteSpace(GatewayUrl);
}

/// <summary>Stops the server at start when email or the SMS gateway is configured in a way that cannot work.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<EmailOptions>, IValidateOptions<SmsOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            errors.Add("MobileId:Email:Mode must be Pickup or Smtp.");
        }

        if (options.Mode == EmailMode.Smtp && string.IsNullOrWhiteSpace(options.Host))
        {
            errors.Add("MobileId:Email:Host is required when MobileId:Email:Mode is Smtp (for example smtp.example.org).");
        }

        if (!Enum.IsDefined(options.Security))
        {
            errors.Add("MobileId:Email:Security must be None, StartTls or SslOnConnect.");
        }

        if (!MailboxAddress.TryParse(options.FromAddress, out var from) || from.Address != options.FromAddress.Trim())
        {
            errors.Add($"MobileId:Email:FromAddress must be an email address such as mobileid@example.org; '{options.FromAddress}' is not.");
        }

        if (options.Mode == EmailMode.Pickup && string.IsNullOrWhiteSpace(options.PickupDirectory))
        {
            errors.Add("MobileId:Email:PickupDirectory must name a folder when MobileId:Email:Mode is Pickup.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, SmsOptions options)
    {
        if (!options.HasGateway)
        {
            return ValidateOptionsResult.Success;
        }

        return Uri.TryCreate(options.GatewayUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"MobileId:Sms:GatewayUrl must be an absolute http:// or https:// address; '{options.GatewayUrl}' is not.");
    }
}
