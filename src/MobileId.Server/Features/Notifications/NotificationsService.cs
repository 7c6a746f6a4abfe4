using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Notifications;

/// <summary>A notification as operators see it: never the body, and the recipient partly masked.</summary>
public sealed record NotificationView(
    Guid Id,
    NotificationChannel Channel,
    string Recipient,
    string Subject,
    string Template,
    NotificationStatus Status,
    int Attempts,
    string? LastError,
    Guid? PersonId,
    Guid? MobileIdentityId,
    DateTime CreatedAt,
    DateTime? NextAttemptAt,
    DateTime? SentAt,
    bool CanResend);

public sealed record NotificationQuery(NotificationStatus? Status, Guid? PersonId, int Page, int PageSize);

/// <summary>
/// How operators see what was sent and what failed, and send a failed message again. Reading and
/// resending follow the Request ID workflow with scope over the notification's person; a
/// notification about no one needs scope All.
/// </summary>
public sealed class NotificationsService(MobileIdDbContext db, AccessPolicy access, AuditTrail audit, NotificationSignal signal, TimeProvider time)
{
    private const Workflow Reading = Workflow.RequestId;

    public async Task<PagedResult<NotificationView>> ListAsync(Caller caller, NotificationQuery query, CancellationToken cancellationToken)
    {
        var notifications = db.Notifications.AsNoTracking();
        var coverage = await access.CoverageAsync(caller, Reading, cancellationToken);
        if (!coverage.Everyone)
        {
            var people = access.Filter(db.People.AsNoTracking(), coverage).Select(p => p.Id);
            notifications = notifications.Where(n => n.PersonId != null && people.Contains(n.PersonId.Value));
        }

        if (query.Status is { } status)
        {
            notifications = notifications.Where(n => n.Status == status);
        }

        if (query.PersonId is { } personId)
        {
            notifications = notifications.Where(n => n.PersonId == personId);
        }

        var total = await notifications.CountAsync(cancellationToken);
        var page = await notifications.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)
            .Select(n => new
            {
                n.Id, n.Channel, n.Recipient, n.Subject, n.Template, n.Status, n.Attempts, n.LastError, n.PersonId, n.MobileIdentityId,
                n.CreatedAt, n.NextAttemptAt, n.SentAt, HasBody = n.WrappedBody != null,
            })
            .ToListAsync(cancellationToken);
        var items = page.Select(n => new NotificationView(n.Id, n.Channel, MaskRecipient(n.Recipient), n.Subject, n.Template, n.Status, n.Attempts,
            n.LastError, n.PersonId, n.MobileIdentityId, n.CreatedAt, n.Status == NotificationStatus.Pending ? n.NextAttemptAt : null, n.SentAt,
            n.Status == NotificationStatus.Failed && n.HasBody)).ToList();
        return new PagedResult<NotificationView>(items, query.Page, query.PageSize, total);
    }

    /// <summary>
    /// Puts a Failed notification back in the outbox with a fresh count of attempts. A sent one cannot
    /// be sent again: its body, which may hold a one-time code, was erased when it was sent.
    /// </summary>
    public async Task<Result<NotificationView>> ResendAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var notification = await db.Notifications.SingleOrDefaultAsync(n => n.Id == id, cancellationToken);
        if (notification is null)
        {
            return AppError.NotFound("That notification");
        }

        var person = notification.PersonId is { } personId
            ? await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken)
            : null;
        var denied = person is not null
            ? await access.CheckAsync(caller, Reading, person, cancellationToken)
            : caller.HasWithScope(Reading, Scope.All) ? null : AccessPolicy.AllScopeRequired(Reading);
        if (denied is not null)
        {
            return denied;
        }

        switch (notification.Status)
        {
            case NotificationStatus.Pending:
                return AppError.Conflict(
                    $"This notification is still waiting to be sent ({notification.Attempts} attempts so far; the next is due at {notification.NextAttemptAt:u}).");
            case NotificationStatus.Sent:
                return AppError.Conflict(
                    $"This notification was sent at {notification.SentAt:u}, and its body, which may hold a one-time code, was erased then. " +
                    "To reach the person again, make a new request (or show its QR code), which sends a new message with a new code.");
            case NotificationStatus.Failed when notification.WrappedBody is null:
                return AppError.Conflict("This notification's body is gone, so it cannot be sent again; make a new request, which sends a new message with a new code.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var lastError = notification.LastError;
        notification.Status = NotificationStatus.Pending;
        notification.Attempts = 0;
        notification.NextAttemptAt = now;
        notification.LastError = null;
        audit.Record(caller, "notification.resent", Reading,
            new AuditTarget("notification", id.ToString("D"), notification.Template, person?.Id, person?.GroupId), AuditOutcome.Success,
            new { channel = notification.Channel.ToString(), template = notification.Template, recipient = MaskRecipient(notification.Recipient), lastError });
        // Commit: the notification back to Pending and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        signal.Wake();
        return new NotificationView(notification.Id, notification.Channel, MaskRecipient(notification.Recipient), notification.Subject,
            notification.Template, notification.Status, notification.Attempts, notification.LastError, notification.PersonId,
            notification.MobileIdentityId, notification.CreatedAt, notification.NextAttemptAt, notification.SentAt, false);
    }

    /// <summary>
    /// Enough of an address to recognise it, not to harvest it: <c>j***@example.org</c>,
    /// <c>+44*******123</c>.
    /// </summary>
    public static string MaskRecipient(string recipient)
    {
        var at = recipient.LastIndexOf('@');
        if (at > 0)
        {
            return recipient[0] + "***" + recipient[at..];
        }

        return recipient.Length <= 6
            ? new string('*', Math.Max(0, recipient.Length - 2)) + recipient[Math.Max(0, recipient.Length - 2)..]
            : recipient[..3] + new string('*', recipient.Length - 6) + recipient[^3..];
    }
}
