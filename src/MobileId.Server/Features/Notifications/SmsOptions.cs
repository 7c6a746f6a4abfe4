using System.ComponentModel.DataAnnotations;

namespace MobileId.Server.Features.Notifications;

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
