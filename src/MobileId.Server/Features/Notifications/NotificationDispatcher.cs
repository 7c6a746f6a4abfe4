using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Notifications;

/// <summary>
/// Sends the outbox: picks due Pending notifications in small batches, claims each one (so that
/// several nodes never send the same message), unwraps its body, sends it by email or SMS, and
/// marks it Sent with the body erased — or, on failure, keeps the reason and tries again later
/// with exponential backoff until <see cref="NotificationOptions.MaxAttempts"/>, then marks it Failed.
/// Woken by <see cref="NotificationSignal"/> when a notification was saved, and polls besides.
/// </summary>
public sealed partial class NotificationDispatcher(
    IServiceScopeFactory scopes, IKeyStore keys, SmsGateway sms, NotificationSignal signal, TimeProvider time,
    IOptions<NotificationOptions> options, IOptions<EmailOptions> email, IOptions<MobileIdOptions> host, ILogger<NotificationDispatcher> logger)
    : BackgroundService
{
    private const int MaxErrorLength = 1000;

    private readonly OutboxPassGate _passes = new(scopes);

    /// <summary>
    /// Sends every notification that is due now, one attempt each; returns how many were sent.
    /// Passes of this node run one at a time, so when it returns every notification that was due
    /// when it was called has had its attempt (unless another node holds it).
    /// </summary>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        return await _passes.RunAsync(async (services, db) =>
        {
            await using var mail = EmailTransport.Open(email.Value, host.Value);
            var started = time.GetUtcNow().UtcDateTime;
            var size = options.Value.BatchSize;
            // Note: only what was due when the pass started, so a message that fails at once and is
            // due again (a tiny RetryBaseSeconds) waits for the next pass instead of looping here.
            return await OutboxPass.RunAsync(size,
                async () => (await db.Notifications.AsNoTracking()
                    .Where(n => n.Status == NotificationStatus.Pending && n.NextAttemptAt <= started)
                    .OrderBy(n => n.NextAttemptAt).Take(size)
                    .Select(n => new { n.Id, n.Attempts })
                    .ToListAsync(cancellationToken)).Select(n => (n.Id, n.Attempts)).ToList(),
                (id, attempts) => ClaimAsync(db, id, attempts, cancellationToken),
                (id, attempt) => AttemptAsync(services, db, mail, id, attempt, cancellationToken));
        }, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
        // The first pass runs at once: notifications may have waited while the server was down.
        var wait = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            var woken = await signal.WaitAsync(wait, stoppingToken);
            if (woken)
            {
                // Coalesce a burst of new notifications into one pass.
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, stoppingToken);
            }

            try
            {
                var sent = await DispatchDueAsync(stoppingToken);
                // Note: the signal comes when the notification's SaveChanges has run, which may be just
                // before its transaction commits; a woken pass that found nothing looks once more soon.
                wait = woken && sent == 0 ? TimeSpan.FromSeconds(Math.Min(1, options.Value.PollSeconds)) : poll;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPassFailed(logger, ex);
                wait = poll;
            }
        }
    }

    /// <summary>
    /// Takes a notification for this attempt: the UPDATE succeeds for exactly one node, because it
    /// counts the attempt only while the count is still the one that node read. The notification is
    /// then not due again until the claim runs out (a node that stopped mid-send).
    /// </summary>
    private async Task<bool> ClaimAsync(MobileIdDbContext db, Guid id, int attempts, CancellationToken cancellationToken)
    {
        var claimUntil = time.GetUtcNow().UtcDateTime.AddSeconds(options.Value.ClaimSeconds);
        return await db.Notifications
            .Where(n => n.Id == id && n.Status == NotificationStatus.Pending && n.Attempts == attempts)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.Attempts, attempts + 1).SetProperty(n => n.NextAttemptAt, claimUntil), cancellationToken) == 1;
    }

    private async Task<bool> AttemptAsync(IServiceProvider services, MobileIdDbContext db, EmailTransport mail, Guid id, int attempt,
        CancellationToken cancellationToken)
    {
        var notification = await db.Notifications.AsNoTracking().SingleAsync(n => n.Id == id, cancellationToken);
        var error = await SendAsync(notification, mail, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var mine = db.Notifications.Where(n => n.Id == id && n.Status == NotificationStatus.Pending && n.Attempts == attempt);
        if (error is null)
        {
            await mine.ExecuteUpdateAsync(s => s
                .SetProperty(n => n.Status, NotificationStatus.Sent)
                .SetProperty(n => n.WrappedBody, (byte[]?)null)
                .SetProperty(n => n.SentAt, now)
                .SetProperty(n => n.LastError, (string?)null), cancellationToken);
            LogSent(logger, notification.Channel, notification.Template, id, attempt);
            services.GetRequiredService<AuditTrail>().Record(Caller.System("notifications"), "notification.sent", null, Target(notification), AuditOutcome.Success,
                new { channel = notification.Channel.ToString(), template = notification.Template, mobileId = notification.MobileIdentityId, attempts = attempt });
            // Commit: the sent audit record, apart from the Sent status written just above by the claim-guarded update (one attempt per node).
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }

        var final = error.Permanent || attempt >= options.Value.MaxAttempts;
        var next = now + Backoff(attempt);
        await mine.ExecuteUpdateAsync(s => s
            .SetProperty(n => n.Status, final ? NotificationStatus.Failed : NotificationStatus.Pending)
            .SetProperty(n => n.NextAttemptAt, final ? now : next)
            .SetProperty(n => n.LastError, error.Message), cancellationToken);
        if (final)
        {
            LogFailed(logger, notification.Channel, notification.Template, id, attempt, error.Message);
            var audit = services.GetRequiredService<AuditTrail>();
            audit.Record(Caller.System("notifications"), "notification.failed", null, Target(notification), AuditOutcome.Failed,
                new { channel = notification.Channel.ToString(), template = notification.Template, attempts = attempt, error = error.Message });
            // Commit: the failed audit record, apart from the Failed status written just above by the claim-guarded update (one attempt per node).
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            LogRetry(logger, notification.Channel, notification.Template, id, attempt, next, error.Message);
        }

        return false;
    }

    private static AuditTarget Target(Notification notification) =>
        new("notification", notification.Id.ToString("D"), notification.Template, notification.PersonId);

    /// <summary>The wait after a failed attempt: RetryBaseSeconds, doubled for every earlier failure, at most a day.</summary>
    internal TimeSpan Backoff(int attempt) => RetryBackoff.After(attempt, options.Value.RetryBaseSeconds, TimeSpan.FromDays(1));

    private sealed record SendError(string Message, bool Permanent = false);

    private async Task<SendError?> SendAsync(Notification notification, EmailTransport mail, CancellationToken cancellationToken)
    {
        if (notification.WrappedBody is null)
        {
            return new SendError("The message body is gone; make a new request to send a new message.", Permanent: true);
        }

        byte[] body;
        try
        {
            body = keys.Unwrap(notification.WrappedBody, NotificationOutbox.Context(notification.Id));
        }
        catch (KeyStoreException)
        {
            return new SendError("The message body cannot be decrypted with this server's key store (the KEK differs from the one it was queued under).",
                Permanent: true);
        }

        try
        {
            var text = Encoding.UTF8.GetString(body);
            if (notification.Channel == NotificationChannel.Sms)
            {
                await sms.SendAsync(notification.Recipient, text, cancellationToken);
            }
            else
            {
                await mail.SendAsync(MailMessage(notification, text), notification.Id, cancellationToken);
            }

            return null;
        }
        catch (DeliveryException ex)
        {
            return new SendError(Shorten(ex.Message));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Note: counted as a failed attempt like any other, so a message that cannot be built never loops.
            LogUnexpected(logger, notification.Id, ex);
            return new SendError(Shorten($"Sending failed unexpectedly ({ex.GetType().Name}); the server log has the details."));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
        }
    }

    /// <summary>
    /// The email for a notification: HTML with a text alternative derived from it, or plain text.
    /// An SMS sent as email (SMS email notifications) is plain text without a subject, as gateways
    /// put the subject into the text message.
    /// </summary>
    internal MimeMessage MailMessage(Notification notification, string body)
    {
        var smsAsEmail = MessageTemplates.Definition(notification.Template)?.IsSms == true;
        var message = new MimeMessage { Subject = smsAsEmail ? "" : notification.Subject, Date = time.GetUtcNow() };
        message.From.Add(new MailboxAddress(email.Value.FromName, email.Value.FromAddress));
        message.To.Add(MailboxAddress.Parse(notification.Recipient));
        // RFC 3834: an automatic message, so auto-responders do not answer it.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        var builder = notification.IsHtml
            ? new BodyBuilder { HtmlBody = body, TextBody = HtmlText.ToPlainText(body) }
            : new BodyBuilder { TextBody = body };
        message.Body = builder.ToMessageBody();
        return message;
    }

    private static string Shorten(string message) => message.Length <= MaxErrorLength ? message : message[..MaxErrorLength];

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Channel} notification {Id} ({Template}) at attempt {Attempt}")]
    private static partial void LogSent(ILogger logger, NotificationChannel channel, string template, Guid id, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Channel} notification {Id} ({Template}) failed at attempt {Attempt}, next try at {Next:o}: {Error}")]
    private static partial void LogRetry(ILogger logger, NotificationChannel channel, string template, Guid id, int attempt, DateTime next, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Channel} notification {Id} ({Template}) failed for good after {Attempt} attempts: {Error}")]
    private static partial void LogFailed(ILogger logger, NotificationChannel channel, string template, Guid id, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending notification {Id} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Guid id, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A notification dispatch pass failed; it runs again at the next poll")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
