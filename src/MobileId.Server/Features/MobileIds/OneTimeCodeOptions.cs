using System.Text;

namespace MobileId.Server.Features.MobileIds;

/// <summary>One-time codes under <c>MobileId:OneTimeCodes</c>.</summary>
public sealed class OneTimeCodeOptions
{
    public const string Section = "MobileId:OneTimeCodes";

    /// <summary>How long a code can be used after it is released.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 720)]
    public int LifetimeHours { get; set; } = 72;

    /// <summary>Wrong codes in a row before the request locks.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 20)]
    public int MaxFailedAttempts { get; set; } = 5;
}
