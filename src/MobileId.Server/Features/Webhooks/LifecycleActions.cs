namespace MobileId.Server.Features.Webhooks;

/// <summary>
/// The audit actions of the lifecycle (PRODUCT.md §5), in one place: the workflows record them and
/// <see cref="WebhookEvents"/> turns them into webhook events.
/// </summary>
public static class LifecycleActions
{
    public const string Requested = "mobile-id.requested";
    public const string Validated = "mobile-id.validated";
    public const string Issued = "mobile-id.issued";
    public const string Cancelled = "mobile-id.cancelled";
    public const string Disabled = "mobile-id.disabled";
    public const string Enabled = "mobile-id.enabled";
    public const string Renewed = "certificate.renewed";
    public const string Unlocked = "mobile-id.unlocked";
    public const string DeviceAdded = "device.added";
    public const string DeviceCancelled = "device.cancelled";
}

/// <summary>The webhook event types, and the audit action each comes from.</summary>
public static class WebhookEvents
{
    private static readonly Dictionary<string, string> ByAction = new(StringComparer.Ordinal)
    {
        [LifecycleActions.Requested] = "requested",
        [LifecycleActions.Validated] = "validated",
        [LifecycleActions.Issued] = "issued",
        [LifecycleActions.Cancelled] = "cancelled",
        [LifecycleActions.Disabled] = "disabled",
        [LifecycleActions.Enabled] = "enabled",
        [LifecycleActions.Renewed] = "renewed",
        [LifecycleActions.Unlocked] = "unlocked",
        [LifecycleActions.DeviceAdded] = "device-added",
        [LifecycleActions.DeviceCancelled] = "device-cancelled",
    };

    /// <summary>Every event type a subscription may choose, in lifecycle order.</summary>
    public static readonly IReadOnlyList<string> Types = [.. ByAction.Values];

    /// <summary>The event type of an audit action; null when it is not a webhook event.</summary>
    public static string? TypeOf(string action) => ByAction.GetValueOrDefault(action);

    public static bool IsType(string type) => Types.Contains(type, StringComparer.Ordinal);
}
