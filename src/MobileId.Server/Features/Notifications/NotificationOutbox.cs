using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Notifications;

/// <summary>Who a notification is about: the person and the mobile ID, when there is one.</summary>
public sealed record NotificationSubject(Guid? PersonId, Guid? MobileIdentityId = null);

/// <summary>
/// The notification outbox for other features (PRODUCT.md §5.3). Enqueueing renders the template and
/// adds a <see cref="Notification"/> to the caller's <see cref="MobileIdDbContext"/> without saving:
/// the caller saves it in the same transaction as the change it tells about, so a notification is
/// never lost and never sent for a change that was rolled back. The body, which may hold a one-time
/// code, is wrapped under the key store's KEK; the subject is kept in clear and never holds a code.
/// </summary>
public sealed class NotificationOutbox(
    MobileIdDbContext db, IKeyStore keys, MessageTemplates templates, SettingsService settings, IOptions<SmsOptions> sms,
    NotificationSignal signal, TimeProvider time)
{
    private bool _wakeOnSave;

    /// <summary>
    /// Queues a message on a channel as it is: an email to an address, or an SMS through the HTTP gateway.
    /// The template must be of that channel. Fails (with a message for the operator) when the
    /// recipient is not an address of the channel or SMS cannot be sent at all.
    /// </summary>
    public async Task<Result<Notification>> EnqueueAsync(NotificationChannel channel, string recipient, string templateKey,
        IReadOnlyDictionary<string, string> values, NotificationSubject about, CancellationToken cancellationToken)
    {
        var definition = TemplateFor(templateKey, channel);
        if (channel == NotificationChannel.Email)
        {
            return EmailAddress(recipient) is { } address
                ? await AddAsync(NotificationChannel.Email, address, definition, values, about, cancellationToken)
                : AppError.Validation("email", $"'{recipient}' is not an email address, so the {definition.Key} message cannot be sent to it.");
        }

        if (!sms.Value.HasGateway)
        {
            return NoSmsGateway();
        }

        return PhoneNumber(recipient) is { } number
            ? await AddAsync(NotificationChannel.Sms, number, definition, values, about, cancellationToken)
            : BadNumber(recipient);
    }

    /// <summary>Queues an email template to an email address.</summary>
    public Task<Result<Notification>> EnqueueEmailAsync(string email, string templateKey, IReadOnlyDictionary<string, string> values,
        NotificationSubject about, CancellationToken cancellationToken) =>
        EnqueueAsync(NotificationChannel.Email, email, templateKey, values, about, cancellationToken);

    /// <summary>
    /// Queues an SMS template to a mobile number the way the settings say (PRODUCT.md §8 General):
    /// with <b>SMS email notifications</b> on, as an email to <c>&lt;digits&gt;@&lt;SMS gateway URL for
    /// notifications&gt;</c>; otherwise through the HTTP SMS gateway. Fails, saying how to set SMS up,
    /// when neither is configured.
    /// </summary>
    public async Task<Result<Notification>> EnqueueSmsAsync(string mobileNumber, string templateKey, IReadOnlyDictionary<string, string> values,
        NotificationSubject about, CancellationToken cancellationToken)
    {
        var definition = TemplateFor(templateKey, NotificationChannel.Sms);
        var current = await settings.GetAsync(cancellationToken);
        if (!current.SmsEmailNotifications)
        {
            return await EnqueueAsync(NotificationChannel.Sms, mobileNumber, templateKey, values, about, cancellationToken);
        }

        if (PhoneNumber(mobileNumber) is not { } number)
        {
            return BadNumber(mobileNumber);
        }

        var address = $"{number.TrimStart('+')}@{current.SmsGatewayUrlForNotifications}";
        return await AddAsync(NotificationChannel.Email, address, definition, values, about, cancellationToken);
    }

    /// <summary>Whether an SMS could be queued now (the HTTP gateway or email-to-SMS is configured).</summary>
    public async Task<bool> CanSendSmsAsync(CancellationToken cancellationToken) =>
        sms.Value.HasGateway || (await settings.GetAsync(cancellationToken)).SmsEmailNotifications;

    /// <summary>Binds a wrapped body to its notification: a blob copied to another row does not decrypt.</summary>
    internal static string Context(Guid notificationId) => "notification:" + notificationId.ToString("D");

    private async Task<Result<Notification>> AddAsync(NotificationChannel channel, string recipient, TemplateDefinition definition,
        IReadOnlyDictionary<string, string> values, NotificationSubject about, CancellationToken cancellationToken)
    {
        var message = await templates.RenderAsync(definition, values, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var notification = new Notification
        {
            Id = Guid.CreateVersion7(), Channel = channel, Recipient = recipient, Subject = Truncate(message.Subject, TemplateCatalog.MaxSubjectLength),
            IsHtml = message.IsHtml, Template = definition.Key, PersonId = about.PersonId, MobileIdentityId = about.MobileIdentityId,
            Status = NotificationStatus.Pending, NextAttemptAt = now, CreatedAt = now,
        };
        var body = Encoding.UTF8.GetBytes(message.Body);
        try
        {
            notification.WrappedBody = keys.Wrap(body, Context(notification.Id));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
        }

        db.Notifications.Add(notification);
        if (!_wakeOnSave)
        {
            // Note: the dispatcher is woken once the caller's transaction is saved, so a message goes
            // out within about a second instead of at the next poll.
            _wakeOnSave = true;
            db.SavedChanges += (_, _) => signal.Wake();
        }

        return notification;
    }

    private static TemplateDefinition TemplateFor(string key, NotificationChannel channel)
    {
        var definition = MessageTemplates.Definition(key) ?? throw new ArgumentException($"'{key}' is not a message template.", nameof(key));
        return definition.Channel == channel
            ? definition
            : throw new ArgumentException($"'{key}' is an {definition.Channel} template, not an {channel} one.", nameof(key));
    }

    private static string? EmailAddress(string recipient) =>
        MailboxAddress.TryParse(recipient.Trim(), out var mailbox) && mailbox.Address.Contains('@', StringComparison.Ordinal) &&
        mailbox.Address.Length <= 320 ? mailbox.Address : null;

    /// <summary>A number as gateways take it: digits, with the leading + kept.</summary>
    private static string? PhoneNumber(string number)
    {
        var trimmed = number.Trim();
        var digits = new string(trimmed.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length is < 6 or > 15 || trimmed.Any(c => !char.IsAsciiDigit(c) && c is not (' ' or '-' or '(' or ')' or '+' or '.')))
        {
            return null;
        }

        return trimmed.StartsWith('+') ? "+" + digits : digits;
    }

    private static AppError NoSmsGateway() => new(StatusCodes.Status409Conflict, ErrorCodes.Conflict, "SMS is not configured",
        "No SMS can be sent: no HTTP SMS gateway is configured (MobileId:Sms:GatewayUrl) and the Operation Setting 'SMS email notifications' is off. " +
        "Configure one of them, or send by email.");

    private static AppError BadNumber(string number) =>
        AppError.Validation("mobile", $"'{number}' is not a mobile number (6 to 15 digits, optionally starting with +), so no SMS can be sent to it.");

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
