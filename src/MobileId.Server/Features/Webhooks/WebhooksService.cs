using System.Security.Cryptography;
using System.Text;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Webhooks;

/// <summary>A subscription as given by the caller: all fields are required when creating or changing one.</summary>
public sealed record WebhookInput(string? Name, string? Url, IReadOnlyList<string>? Events, bool? Active);

/// <summary>A subscription; its secret is never shown again after creation.</summary>
public sealed record WebhookView(Guid Id, string Name, string Url, IReadOnlyList<string> Events, bool Active, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>A new subscription with its signing secret, shown this once.</summary>
public sealed record CreatedWebhook(WebhookView Webhook, string Secret);

/// <summary>One POST of a delivery, from the delivery log.</summary>
public sealed record WebhookAttemptView(int Number, DateTime StartedAt, int? StatusCode, int DurationMs, string? Error);

/// <summary>One event sent (or to be sent) to a subscription, with its attempts.</summary>
public sealed record WebhookDeliveryView(Guid Id, Guid WebhookId, string Event, WebhookDeliveryStatus Status, int Attempts, DateTime CreatedAt,
    DateTime NextAttemptAt, DateTime? DeliveredAt, string? LastError, IReadOnlyList<WebhookAttemptView> Log);

/// <summary>Webhook subscriptions, their delivery log and redelivery (PRODUCT.md §7, docs/webhooks.md).</summary>
public sealed class WebhooksService(MobileIdDbContext db, IKeyStore keys, AuditTrail audit, TimeProvider time)
{
    private const int MaxNameLength = 200;
    private const int MaxUrlLength = 2000;

    /// <summary>The KEK context a subscription's secret is wrapped under.</summary>
    internal static string SecretContext(Guid id) => $"webhook-secret:{id:D}";

    public async Task<Result<CreatedWebhook>> CreateAsync(Caller caller, WebhookInput input, CancellationToken cancellationToken)
    {
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }

        var name = input.Name!.Trim();
        if (await db.WebhookSubscriptions.AnyAsync(s => s.Name == name, cancellationToken))
        {
            return NameTaken(name);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var id = Guid.NewGuid();
        var secret = "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var subscription = new WebhookSubscription
        {
            Id = id,
            Name = name,
            TargetUrl = input.Url!.Trim(),
            EventTypes = string.Join(' ', Events(input)),
            WrappedSecret = keys.Wrap(Encoding.UTF8.GetBytes(secret), SecretContext(id)),
            Active = input.Active!.Value,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        Audit(caller, "webhook.created", subscription);
        // Commit: the new subscription and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedWebhook(View(subscription), secret);
    }

    public async Task<IReadOnlyList<WebhookView>> ListAsync(CancellationToken cancellationToken) =>
        (await db.WebhookSubscriptions.AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken)).Select(View).ToList();

    public async Task<Result<WebhookView>> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.WebhookSubscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken) is { } subscription
            ? View(subscription)
            : NotFound();

    public async Task<Result<WebhookView>> UpdateAsync(Caller caller, Guid id, WebhookInput input, CancellationToken cancellationToken)
    {
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }

        if (await db.WebhookSubscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken) is not { } subscription)
        {
            return NotFound();
        }

        var name = input.Name!.Trim();
        if (await db.WebhookSubscriptions.AnyAsync(s => s.Name == name && s.Id != id, cancellationToken))
        {
            return NameTaken(name);
        }

        subscription.Name = name;
        subscription.TargetUrl = input.Url!.Trim();
        subscription.EventTypes = string.Join(' ', Events(input));
        subscription.Active = input.Active!.Value;
        subscription.UpdatedAt = time.GetUtcNow().UtcDateTime;
        Audit(caller, "webhook.updated", subscription);
        // Commit: the subscription's changes and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return View(subscription);
    }

    /// <summary>Deletes a subscription with its deliveries and their log.</summary>
    public async Task<AppError?> DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        if (await db.WebhookSubscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken) is not { } subscription)
        {
            return NotFound();
        }

        db.WebhookSubscriptions.Remove(subscription);
        Audit(caller, "webhook.deleted", subscription);
        // Commit: the subscription's removal and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>A subscription's deliveries, newest first, each with its attempts.</summary>
    public async Task<Result<PagedResult<WebhookDeliveryView>>> ListDeliveriesAsync(Guid id, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (!await db.WebhookSubscriptions.AnyAsync(s => s.Id == id, cancellationToken))
        {
            return NotFound();
        }

        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id);
        var total = await query.CountAsync(cancellationToken);
        var deliveries = await query.OrderByDescending(d => d.CreatedAt).ThenBy(d => d.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        var ids = deliveries.Select(d => d.Id).ToList();
        var attempts = (await db.WebhookAttempts.AsNoTracking().Where(a => ids.Contains(a.DeliveryId)).ToListAsync(cancellationToken))
            .ToLookup(a => a.DeliveryId);
        var items = deliveries.Select(d => View(d, attempts[d.Id])).ToList();
        return new PagedResult<WebhookDeliveryView>(items, page, pageSize, total);
    }

    /// <summary>
    /// Sends a delivery again, with the same id and body, at the next dispatch: delivered or failed
    /// ones start a fresh round of attempts; the log keeps the earlier ones.
    /// </summary>
    public async Task<Result<WebhookDeliveryView>> RedeliverAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        if (await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == deliveryId, cancellationToken) is not { } delivery)
        {
            return AppError.NotFound($"Webhook delivery {deliveryId}");
        }

        if (delivery.Status == WebhookDeliveryStatus.Pending)
        {
            return AppError.Conflict("The delivery is still waiting to be sent; it cannot be redelivered until it was delivered or failed.");
        }

        delivery.Status = WebhookDeliveryStatus.Pending;
        delivery.Attempts = 0;
        delivery.NextAttemptAt = time.GetUtcNow().UtcDateTime;
        delivery.DeliveredAt = null;
        audit.Record(caller, "webhook.redelivered", Workflow.OperationSettings,
            new AuditTarget("webhook-delivery", delivery.Id.ToString("D"), delivery.EventType), AuditOutcome.Success,
            new { webhook = delivery.SubscriptionId, @event = delivery.EventType });
        // Commit: the delivery back to Pending and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).ToListAsync(cancellationToken);
        return View(delivery, attempts);
    }

    private static AppError? Validate(WebhookInput input)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            errors["name"] = [$"name is required, at most {MaxNameLength} characters."];
        }

        var url = input.Url?.Trim();
        if (string.IsNullOrEmpty(url) || url.Length > MaxUrlLength
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host)
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors["url"] = [$"url must be an absolute http or https URL without user info or fragment, at most {MaxUrlLength} characters."];
        }

        if (input.Events is not { Count: > 0 })
        {
            errors["events"] = [$"events must name at least one event type: {string.Join(", ", WebhookEvents.Types)}."];
        }
        else if (input.Events.Where(e => !WebhookEvents.IsType(e)).ToList() is { Count: > 0 } unknown)
        {
            errors["events"] = [$"Unknown event type(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; choose from {string.Join(", ", WebhookEvents.Types)}."];
        }

        if (input.Active is null)
        {
            errors["active"] = ["active is required (true or false)."];
        }

        return errors.Count == 0 ? null : AppError.Validation(errors);
    }

    /// <summary>The chosen event types, once each, in lifecycle order.</summary>
    private static IEnumerable<string> Events(WebhookInput input) => WebhookEvents.Types.Where(t => input.Events!.Contains(t, StringComparer.Ordinal));

    private void Audit(Caller caller, string action, WebhookSubscription subscription) =>
        audit.Record(caller, action, Workflow.OperationSettings, new AuditTarget("webhook", subscription.Id.ToString("D"), subscription.Name),
            AuditOutcome.Success, new { url = subscription.TargetUrl, events = subscription.EventTypes, active = subscription.Active });

    private static AppError NotFound() => AppError.NotFound("The webhook");

    private static AppError NameTaken(string name) => AppError.Conflict($"A webhook named '{name}' exists already; choose another name.");

    private static WebhookView View(WebhookSubscription s) =>
        new(s.Id, s.Name, s.TargetUrl, s.EventTypes.Split(' '), s.Active, s.CreatedAt, s.UpdatedAt);

    private static WebhookDeliveryView View(WebhookDelivery d, IEnumerable<WebhookAttempt> attempts) =>
        new(d.Id, d.SubscriptionId, d.EventType, d.Status, d.Attempts, d.CreatedAt, d.NextAttemptAt, d.DeliveredAt, d.LastError,
            attempts.OrderBy(a => a.Number).Select(a => new WebhookAttemptView(a.Number, a.StartedAt, a.StatusCode, a.DurationMs, a.Error)).ToList());
}
