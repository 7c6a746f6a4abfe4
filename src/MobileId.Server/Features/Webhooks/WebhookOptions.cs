using System.ComponentModel.DataAnnotations;

namespace MobileId.Server.Features.Webhooks;

/// <summary>Delivering and retrying webhooks, under <c>MobileId:Webhooks</c>; see docs/webhooks.md.</summary>
public sealed class WebhookOptions
{
    public const string Section = "MobileId:Webhooks";

    /// <summary>Attempts before a delivery is marked Failed.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after the first failed attempt; every further failure doubles it, up to <see cref="RetryMaxSeconds"/>.</summary>
    [Range(1, 86_400)]
    public int RetryBaseSeconds { get; set; } = 30;

    /// <summary>The longest wait between two attempts.</summary>
    [Range(1, 604_800)]
    public int RetryMaxSeconds { get; set; } = 21_600;

    /// <summary>How often the dispatcher looks for due deliveries.</summary>
    [Range(1, 3600)]
    public int PollSeconds { get; set; } = 5;

    /// <summary>How long a receiver has to answer one POST.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>Deliveries claimed in one pass.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 20;

    /// <summary>How long a claimed delivery is left to the node that claimed it before another node may try it.</summary>
    [Range(30, 86_400)]
    public int ClaimSeconds { get; set; } = 300;
}
