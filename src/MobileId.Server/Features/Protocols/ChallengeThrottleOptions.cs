using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Protocols;

/// <summary>Guessing limits of SCEP/EST challenges under <c>MobileId:Enrolment</c>.</summary>
public sealed class ChallengeThrottleOptions
{
    public const string Section = "MobileId:Enrolment";

    /// <summary>Wrong challenges from one address within <see cref="FailureWindowMinutes"/> before that address is refused for the rest of the window.</summary>
    [Range(1, 1000)]
    public int MaxFailedChallengesPerAddress { get; set; } = 10;

    [Range(1, 1440)]
    public int FailureWindowMinutes { get; set; } = 15;
}
