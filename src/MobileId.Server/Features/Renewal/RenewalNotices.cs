using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;

namespace MobileId.Server.Features.Renewal;

/// <summary>What the steps of Automatic Renewal share: a certificate with its holder, and the notices to the holder (queued, not saved).</summary>
public sealed partial class RenewalNotices(MobileIdDbContext db, NotificationOutbox outbox, ILogger<RenewalService> logger)
{
    /// <summary>A certificate with its mobile ID, holder and profile name.</summary>
    public async Task<(IssuedCertificate Certificate, MobileIdentity MobileId, Person Person, string Profile)> LoadAsync(Guid id,
        CancellationToken cancellationToken)
    {
        var certificate = await db.IssuedCertificates.AsNoTracking().SingleAsync(c => c.Id == id, cancellationToken);
        var mobileId = await db.MobileIdentities.AsNoTracking().SingleAsync(m => m.Id == certificate.MobileIdentityId, cancellationToken);
        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var profile = await db.CredentialProfiles.AsNoTracking().Where(p => p.Id == mobileId.ProfileId).Select(p => p.Name).SingleAsync(cancellationToken);
        return (certificate, mobileId, person, profile);
    }

    /// <summary>Queues a notice by email when the person has an address, by SMS when they have a mobile number and SMS can be sent; both when both.</summary>
    public async Task NotifyAsync(Person person, Guid mobileId, string profile, DateTime expiresAt, string emailTemplate,
        string smsTemplate, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["displayName"] = PersonRules.DisplayName(person), ["profile"] = profile,
            ["expiresAt"] = expiresAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        };
        var about = new NotificationSubject(person.Id, mobileId);
        var queued = new List<Result<Notification>>();
        if (person.Email is { Length: > 0 } email)
        {
            queued.Add(await outbox.EnqueueEmailAsync(email, emailTemplate, values, about, cancellationToken));
        }

        if (person.Mobile is { Length: > 0 } mobile && await outbox.CanSendSmsAsync(cancellationToken))
        {
            queued.Add(await outbox.EnqueueSmsAsync(mobile, smsTemplate, values, about, cancellationToken));
        }

        foreach (var failed in queued.Where(q => !q.IsSuccess))
        {
            // Note: a notice that cannot be queued (an address the channel does not take) does not hold up the renewal.
            LogNoticeFailed(logger, emailTemplate, person.LogonName, failed.Error!.Detail);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewal notice {Template} for {Person} could not be queued: {Reason}")]
    private static partial void LogNoticeFailed(ILogger logger, string template, string person, string reason);
}
