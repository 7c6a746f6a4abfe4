using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MobileId.Pki.Keys;

namespace MobileId.Server.Features.Webhooks;

/// <summary>
/// Sends the webhook outbox: picks due Pending deliveries in batches, claims each one (so that several
/// nodes never send the same delivery at once), POSTs the signed body, logs the attempt, and marks the
/// delivery Delivered on a 2xx answer — otherwise tries again later with exponential backoff until
/// <see cref="WebhookOptions.MaxAttempts"/>, then marks it Failed. Polls every <see cref="WebhookOptions.PollSeconds"/>.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes, IKeyStore keys, IHttpClientFactory http, TimeProvider time, IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ClientName = "webhooks";
    private const int MaxErrorLength = 1000;

    private readonly OutboxPassGate _passes = new(scopes);

    /// <summary>
    /// Sends every delivery that is due now, one attempt each; returns how many were delivered.
    /// Passes of this node run one at a time.
    /// </summary>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        return await _passes.RunAsync(async (_, db) =>
        {
            var started = time.GetUtcNow().UtcDateTime;
            var size = options.Value.BatchSize;
            // Note: only what was due when the pass started, so a quick failure waits for the next pass.
            return await OutboxPass.RunAsync(size,
                async () => (await db.WebhookDeliveries.AsNoTracking()
                    .Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= started)
                    .OrderBy(d => d.NextAttemptAt).Take(size)
                    .Select(d => new { d.Id, d.Attempts })
                    .ToListAsync(cancellationToken)).Select(d => (d.Id, d.Attempts)).ToList(),
                (id, attempts) => ClaimAsync(db, id, attempts, cancellationToken),
                (id, attempt) => AttemptAsync(db, id, attempt, cancellationToken));
        }, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPassFailed(logger, ex);
            }

            await Task.Delay(poll, time, stoppingToken);
        }
    }

    /// <summary>The signature header value: <c>v1=</c> and the hex HMAC-SHA256 of <c>timestamp.body</c> under the secret.</summary>
    public static string Signature(string secret, long timestamp, string body) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <summary>Takes a delivery for this attempt: the UPDATE succeeds for exactly one node.</summary>
    private async Task<bool> ClaimAsync(MobileIdDbContext db, Guid id, int attempts, CancellationToken cancellationToken)
    {
        var claimUntil = time.GetUtcNow().UtcDateTime.AddSeconds(options.Value.ClaimSeconds);
        return await db.WebhookDeliveries
            .Where(d => d.Id == id && d.Status == WebhookDeliveryStatus.Pending && d.Attempts == attempts)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Attempts, attempts + 1).SetProperty(d => d.NextAttemptAt, claimUntil), cancellationToken) == 1;
    }

    private async Task<bool> AttemptAsync(MobileIdDbContext db, Guid id, int attempt, CancellationToken cancellationToken)
    {
        var delivery = await db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.Id == id, cancellationToken);
        var subscription = await db.WebhookSubscriptions.AsNoTracking().SingleAsync(s => s.Id == delivery.SubscriptionId, cancellationToken);
        var startedAt = time.GetUtcNow().UtcDateTime;
        var stopwatch = time.GetTimestamp();
        var (status, error) = await PostAsync(subscription, delivery, cancellationToken);
        var duration = (int)Math.Min(int.MaxValue, time.GetElapsedTime(stopwatch).TotalMilliseconds);
        var number = await db.WebhookAttempts.CountAsync(a => a.DeliveryId == id, cancellationToken) + 1;
        db.WebhookAttempts.Add(new WebhookAttempt
        {
            DeliveryId = id, Number = number, StartedAt = startedAt, StatusCode = status, DurationMs = duration, Error = error,
        });
        // Commit: the attempt's log row on its own, before the claim-guarded status update below, so the attempt is logged whatever that update finds.
        await db.SaveChangesAsync(cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        var mine = db.WebhookDeliveries.Where(d => d.Id == id && d.Status == WebhookDeliveryStatus.Pending && d.Attempts == attempt);
        if (error is null)
        {
            await mine.ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, WebhookDeliveryStatus.Delivered)
                .SetProperty(d => d.DeliveredAt, now)
                .SetProperty(d => d.LastError, (string?)null), cancellationToken);
            LogDelivered(logger, delivery.EventType, id, subscription.Name, attempt);
            return true;
        }

        var final = attempt >= options.Value.MaxAttempts;
        var next = now + RetryBackoff.After(attempt, options.Value.RetryBaseSeconds, TimeSpan.FromSeconds(options.Value.RetryMaxSeconds));
        await mine.ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, final ? WebhookDeliveryStatus.Failed : WebhookDeliveryStatus.Pending)
            .SetProperty(d => d.NextAttemptAt, final ? now : next)
            .SetProperty(d => d.LastError, error), cancellationToken);
        if (final)
        {
            LogFailed(logger, delivery.EventType, id, subscription.Name, attempt, error);
        }
        else
        {
            LogRetry(logger, delivery.EventType, id, subscription.Name, attempt, next, error);
        }

        return false;
    }

    /// <summary>One POST; the receiver's status code (null without an answer) and the error, null on a 2xx answer.</summary>
    private async Task<(int? Status, string? Error)> PostAsync(WebhookSubscription subscription, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        string secret;
        try
        {
            secret = Encoding.UTF8.GetString(keys.Unwrap(subscription.WrappedSecret, WebhooksService.SecretContext(subscription.Id)));
        }
        catch (KeyStoreException)
        {
            return (null, "The webhook secret cannot be decrypted with this server's key store (the KEK differs from the one it was made under).");
        }

        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.TargetUrl)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("MobileId-Webhook-Id", delivery.Id.ToString("D"));
        request.Headers.Add("MobileId-Webhook-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("MobileId-Webhook-Signature", Signature(secret, timestamp, delivery.Payload));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
        try
        {
            using var response = await http.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null) : (code, $"The receiver answered HTTP {code} {response.ReasonPhrase}.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"The receiver did not answer within {options.Value.TimeoutSeconds} s.");
        }
        catch (HttpRequestException ex)
        {
            return (null, Shorten($"The request failed: {ex.Message}"));
        }
    }

    private static string Shorten(string message) => message.Length <= MaxErrorLength ? message : message[..MaxErrorLength];

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered webhook {Event} {Id} to {Webhook} at attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, string @event, Guid id, string webhook, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Event} {Id} to {Webhook} failed at attempt {Attempt}, next try at {Next:o}: {Error}")]
    private static partial void LogRetry(ILogger logger, string @event, Guid id, string webhook, int attempt, DateTime next, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Event} {Id} to {Webhook} failed for good after {Attempt} attempts: {Error}")]
    private static partial void LogFailed(ILogger logger, string @event, Guid id, string webhook, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A webhook dispatch pass failed; it runs again at the next poll")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
