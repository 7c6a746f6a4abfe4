using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Notifications;

namespace MobileId.Server.Features.Renewal;

/// <summary>Automatic Renewal's expiry notice: the holder is told once that a certificate expired without a renewal being installed.</summary>
public sealed class ExpiryNotice(MobileIdDbContext db, RenewalNotices notices, AuditTrail audit, [FromKeyedServices(RenewalService.ClockKey)] TimeProvider time)
{
    /// <summary>Tells the holder once that a certificate expired without a renewal being installed.</summary>
    public async Task<bool> HandleAsync(Guid id, CancellationToken cancellationToken)
    {
        var (certificate, mobileId, person, profile) = await notices.LoadAsync(id, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        // Unit of work: the claim of the notice (a conditional update), the notices and the audit record, in one explicit transaction.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.IssuedCertificates.Where(c => c.Id == id && c.ExpiredNoticeAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.ExpiredNoticeAt, now).SetProperty(c => c.UpdatedAt, now), cancellationToken) == 0)
        {
            return false;
        }

        await notices.NotifyAsync(person, mobileId.Id, profile, certificate.NotAfter, TemplateCatalog.MobileExpiredEmail, TemplateCatalog.MobileExpiredSms,
            cancellationToken);
        audit.Record(Caller.System("renewal"), "certificate.expired-notice", null, AuditTarget.For(person),
            AuditOutcome.Success, new { mobileId = mobileId.Id, serial = certificate.SerialHex, notAfter = certificate.NotAfter });
        // Commit: the notices and the audit record, then the transaction commits them with the claimed notice mark.
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
