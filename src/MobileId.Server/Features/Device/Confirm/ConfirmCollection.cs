using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Device.Confirm;

/// <summary>Confirm (device protocol): the device installed the package, optionally escrowing an unlock key; the mobile ID is Issued.</summary>
public sealed class ConfirmCollection(MobileIdDbContext db, DeviceSessions sessions, UnlockCredential unlocks, AuditTrail audit, TimeProvider time)
{
    /// <summary>The device installed the package: the mobile ID is Issued. Confirming again changes nothing.</summary>
    public async Task<Result<ConfirmResponse>> ConfirmAsync(Guid mobileIdId, string? sessionToken, ConfirmRequest? request, CancellationToken cancellationToken)
    {
        if (UnlockCredential.ReadEscrow(request, out var unlockTokenHash, out var unlockKey) is { } invalid)
        {
            return invalid;
        }

        var existing = await db.MobileIdentities.AsNoTracking().SingleOrDefaultAsync(m => m.Id == mobileIdId, cancellationToken);
        if (existing is { Status: MobileIdStatus.Issued } && DeviceSessions.TokenMatches(existing, sessionToken))
        {
            return new ConfirmResponse(existing.Id, existing.Status, existing.IssuedAt, existing.UnlockKey is not null);
        }

        var session = await sessions.SessionAsync(mobileIdId, sessionToken, DeviceSessions.Collecting, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error;
        }

        var (mobileId, person, device) = session.Value;
        if (!await db.IssuedCertificates.AnyAsync(c => c.MobileIdentityId == mobileId.Id && c.Status != CertificateStatus.Revoked, cancellationToken)
            && await db.ProfileCertificates.AnyAsync(c => c.ProfileId == mobileId.ProfileId && c.Mode == CertificateMode.IssueNew, cancellationToken))
        {
            return AppError.Conflict("Collect the package before confirming: no certificate of this mobile ID has been issued yet.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        foreach (var delivered in await db.IssuedCertificates.Where(c => c.MobileIdentityId == mobileId.Id && c.PendingKey != null).ToListAsync(cancellationToken))
        {
            // Note: once the device has the key, the server keeps no copy but the archive (when the policy archives).
            delivered.PendingKey = null;
        }

        unlocks.Escrow(mobileId, unlockTokenHash, unlockKey);
        mobileId.Transition(MobileIdEvent.Confirm);
        mobileId.IssuedAt = now;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(Caller.System($"device {device.SerialNumber}"), LifecycleActions.Issued, null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, device = device.SerialNumber, unlockable = mobileId.UnlockKey is not null });
        // Commit: the one commit point: certificates released, escrow kept, the mobile ID Issued and audited together.
        await db.SaveChangesAsync(cancellationToken);
        return new ConfirmResponse(mobileId.Id, mobileId.Status, mobileId.IssuedAt, mobileId.UnlockKey is not null);
    }
}
