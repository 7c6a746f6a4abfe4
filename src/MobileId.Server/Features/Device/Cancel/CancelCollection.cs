using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.MobileIds;

namespace MobileId.Server.Features.Device.Cancel;

/// <summary>Cancel (device protocol): the device gives up an interrupted collection.</summary>
public sealed class CancelCollection(MobileIdDbContext db, DeviceSessions sessions, CertificateService certificates, AuditTrail audit, TimeProvider time)
{
    /// <summary>
    /// The device gives up an interrupted collection: what was issued for it and never confirmed is
    /// revoked (cessationOfOperation), server-made keys kept for it are dropped, and the request is
    /// ready to collect again with the same code (until the code expires), on this or another device.
    /// </summary>
    public async Task<Result<CancelCollectionResponse>> CancelAsync(Guid mobileIdId, string? sessionToken, CancellationToken cancellationToken)
    {
        var session = await sessions.SessionAsync(mobileIdId, sessionToken, DeviceSessions.Collecting, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error;
        }

        var (mobileId, person, device) = session.Value;
        var caller = Caller.System($"device {device.SerialNumber}");
        var revoked = await certificates.RevokeMobileIdAsync(caller, mobileId.Id,
            System.Security.Cryptography.X509Certificates.X509RevocationReason.CessationOfOperation, cancellationToken);
        if (!revoked.IsSuccess)
        {
            return revoked.Error;
        }

        var now = time.GetUtcNow().UtcDateTime;
        mobileId.Transition(MobileIdEvent.CancelCollection);
        mobileId.DeviceId = null;
        mobileId.SessionTokenHash = null;
        mobileId.SessionKey = null;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(caller, "mobile-id.collection-cancelled", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, device = device.SerialNumber, revoked = revoked.Value });
        // Commit: the one commit point: the request back to Ready to Collect, with its audit record, after the revocations.
        await db.SaveChangesAsync(cancellationToken);
        return new CancelCollectionResponse(mobileId.Id, mobileId.Status, revoked.Value);
    }
}
