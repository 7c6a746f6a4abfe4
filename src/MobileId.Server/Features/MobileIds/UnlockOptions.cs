using System.ComponentModel.DataAnnotations;

namespace MobileId.Server.Features.MobileIds;

/// <summary>Unlock Credential under <c>MobileId:Unlock</c> (docs/lifecycle.md).</summary>
public sealed class UnlockOptions
{
    public const string Section = "MobileId:Unlock";

    /// <summary>How long the device's challenge (its unlock request) stays open.</summary>
    [Range(1, 1440)]
    public int ChallengeLifetimeMinutes { get; set; } = 30;

    /// <summary>How long an unlock code the operator read back can be redeemed by the device.</summary>
    [Range(1, 120)]
    public int CodeLifetimeMinutes { get; set; } = 10;

    /// <summary>How long a caller verification code sent to the person can be entered.</summary>
    [Range(1, 120)]
    public int VerificationLifetimeMinutes { get; set; } = 10;

    /// <summary>Wrong unlock codes (or wrong verification codes) before the unlock request locks.</summary>
    [Range(1, 20)]
    public int MaxFailedAttempts { get; set; } = 5;
}
