namespace MobileId.Server.Data;

/// <summary>A receiver of lifecycle events (PRODUCT.md §7, docs/webhooks.md).</summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; set; }
    public required string Name { get; set; }

    /// <summary>The absolute http or https URL the events are POSTed to.</summary>
    public required string TargetUrl { get; set; }

    /// <summary>The event types sent, space-separated (e.g. <c>requested issued</c>).</summary>
    public required string EventTypes { get; set; }

    /// <summary>The signing secret, wrapped under the key store's KEK: it is shown once, at creation.</summary>
    public required byte[] WrappedSecret { get; set; }
    public bool Active { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Where a webhook delivery is.</summary>
public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,

    /// <summary>Every attempt failed; may be redelivered.</summary>
    Failed,
}

/// <summary>One event for one subscription: the outbox row, queued in the transaction of the change it tells about.</summary>
public sealed class WebhookDelivery
{
    /// <summary>Also the event's <c>id</c> in the payload and the <c>MobileId-Webhook-Id</c> header.</summary>
    public Guid Id { get; set; }
    public Guid SubscriptionId { get; set; }
    public required string EventType { get; set; }

    /// <summary>The JSON body sent, exactly.</summary>
    public required string Payload { get; set; }
    public WebhookDeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public string? LastError { get; set; }
}

/// <summary>One POST of a delivery: the delivery log.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; set; }
    public Guid DeliveryId { get; set; }
    public int Number { get; set; }
    public DateTime StartedAt { get; set; }

    /// <summary>The receiver's HTTP status; null when there was no answer.</summary>
    public int? StatusCode { get; set; }
    public int DurationMs { get; set; }
    public string? Error { get; set; }
}
