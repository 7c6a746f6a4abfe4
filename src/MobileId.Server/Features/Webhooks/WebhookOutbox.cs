using System.Text.Json;
using System.Text.Json.Nodes;

namespace MobileId.Server.Features.Webhooks;

/// <summary>
/// Turns audited lifecycle actions into webhook deliveries: called by <see cref="WebhookOutboxInterceptor"/>
/// while a save writes the audit records, so a delivery row per matching active subscription is saved in
/// the same transaction as the change (an outbox: never lost, never sent for a rolled-back change).
/// </summary>
public static class WebhookOutbox
{
    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    /// <summary>Detail names never copied into a payload: codes, secrets and the like.</summary>
    private static readonly string[] Withheld = ["code", "secret", "password", "token", "pin", "otp", "key"];

    public static async Task QueueAsync(MobileIdDbContext db, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        var events = records.Where(r => r.Outcome == AuditOutcome.Success)
            .Select(r => (Record: r, Type: WebhookEvents.TypeOf(r.Action)))
            .Where(e => e.Type is not null)
            .ToList();
        if (events.Count == 0)
        {
            return;
        }

        var subscriptions = await db.WebhookSubscriptions.AsNoTracking().Where(s => s.Active)
            .Select(s => new { s.Id, s.EventTypes }).ToListAsync(cancellationToken);
        foreach (var (record, type) in events)
        {
            foreach (var subscription in subscriptions.Where(s => s.EventTypes.Split(' ').Contains(type, StringComparer.Ordinal)))
            {
                var id = Guid.NewGuid();
                db.WebhookDeliveries.Add(new WebhookDelivery
                {
                    Id = id,
                    SubscriptionId = subscription.Id,
                    EventType = type!,
                    Payload = Payload(id, type!, record),
                    Status = WebhookDeliveryStatus.Pending,
                    NextAttemptAt = record.OccurredAt,
                    CreatedAt = record.OccurredAt,
                });
            }
        }
    }

    /// <summary>
    /// <c>{id, type, occurredAt, data: {mobileId, personId, …}}</c>: the audit details without the
    /// withheld names, the person the action was on, and the mobile ID (details name it <c>id</c> or <c>mobileId</c>).
    /// </summary>
    internal static string Payload(Guid id, string type, AuditRecord record)
    {
        var data = new JsonObject();
        if (record.Details is { } details && details.StartsWith('{') && JsonNode.Parse(details) is JsonObject fields)
        {
            foreach (var (name, value) in fields)
            {
                if (!Withheld.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase)))
                {
                    data[name == "id" ? "mobileId" : name] = value?.DeepClone();
                }
            }
        }

        if (record.TargetPersonId is { } personId)
        {
            data["personId"] = personId;
        }

        var payload = new JsonObject
        {
            ["id"] = id,
            ["type"] = type,
            ["occurredAt"] = record.OccurredAt,
            ["data"] = data,
        };
        return payload.ToJsonString(PayloadJson);
    }
}
