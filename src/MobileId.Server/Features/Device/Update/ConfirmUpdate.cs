using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Device.Update;

/// <summary>
/// Confirm Update (device protocol): the device installed an update package (<see cref="CollectUpdates"/>);
/// the server-made keys kept for it are dropped and each installed successor takes its predecessor's slot.
/// </summary>
public sealed class ConfirmUpdate(MobileIdDbContext db, CertificateService certificates, DeviceSessions sessions, AuditTrail audit)
{
    /// <summary>
    /// The device installed an update package: the server-made keys kept for these certificates are
    /// dropped, and each installed successor takes its predecessor's slot, the predecessor being
    /// revoked as superseded (audited as <see cref="LifecycleActions.Renewed"/>). Confirming again changes nothing.
    /// </summary>
    public async Task<Result<UpdateConfirmResponse>> HandleAsync(Guid mobileIdId, string? sessionToken, UpdateConfirmRequest request,
        CancellationToken cancellationToken)
    {
        var session = await sessions.SessionAsync(mobileIdId, sessionToken, CollectUpdates.Updatable, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error;
        }

        var (mobileId, person, device) = session.Value;
        var installed = request.Installed ?? [];
        var mine = await db.IssuedCertificates.Where(c => c.MobileIdentityId == mobileId.Id && installed.Contains(c.SerialHex)).ToListAsync(cancellationToken);
        var unknown = installed.Where(serial => mine.All(c => c.SerialHex != serial)).ToList();
        if (unknown.Count > 0)
        {
            return AppError.Validation("installed", $"Not certificates of this mobile ID: {string.Join(", ", unknown)}.");
        }

        var superseded = new List<string>();
        if (mobileId.Status != MobileIdStatus.Issued)
        {
            return new UpdateConfirmResponse(mobileId.Id, mobileId.Status, superseded);
        }

        var caller = Caller.System($"device {device.SerialNumber}");
        foreach (var certificate in mine.Where(c => c.Status != CertificateStatus.Revoked))
        {
            certificate.PendingKey = null;
        }

        // Commit: the kept keys dropped first; each renewal then commits on its own (slot, audit, revocation), so a retry redoes the rest.
        await db.SaveChangesAsync(cancellationToken);
        foreach (var successor in mine.Where(c => c.RenewsId is not null && c.Status != CertificateStatus.Revoked))
        {
            var predecessor = await db.IssuedCertificates.SingleAsync(c => c.Id == successor.RenewsId, cancellationToken);
            var revoked = await certificates.SupersedeAsync(caller, predecessor, successor, slot => audit.Record(caller, LifecycleActions.Renewed, null,
                AuditTarget.For(person), AuditOutcome.Success,
                new { mobileId = mobileId.Id, slot, serial = successor.SerialHex, renews = predecessor.SerialHex, notAfter = successor.NotAfter }), cancellationToken);
            if (!revoked.IsSuccess)
            {
                return revoked.Error;
            }

            if (revoked.Value)
            {
                superseded.Add(predecessor.SerialHex);
            }
        }

        return new UpdateConfirmResponse(mobileId.Id, mobileId.Status, superseded);
    }
}
