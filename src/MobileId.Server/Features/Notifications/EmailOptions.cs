using System.ComponentModel.DataAnnotations;

namespace MobileId.Server.Features.Notifications;

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
