using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Renewal;

/// <summary>The renewal job under <c>MobileId:Renewal</c>.</summary>
public sealed class RenewalOptions
{
    public const string Section = "MobileId:Renewal";

    /// <summary>How often the job looks for certificates to renew.</summary>
    [Range(1, 1440)]
    public int IntervalMinutes { get; set; } = 60;

    /// <summary>The first pass, this long after the server starts.</summary>
    [Range(0, 3600)]
    public int FirstRunDelaySeconds { get; set; } = 30;
}
