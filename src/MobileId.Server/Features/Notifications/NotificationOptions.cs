using System.ComponentModel.DataAnnotations;

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
