using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Features.Certificates;

/// <summary>Who a certificate is for, under which policy, and the server-made private key to archive (PKCS#8), if any.</summary>
/// <param name="PersonId">The holder, or null.</param>
/// <param name="PolicyId">The certificate policy, or null.</param>
/// <param name="ArchivePkcs8">A server-made key to archive for recovery.</param>
/// <param name="MobileIdentityId">The mobile ID it is collected for.</param>
/// <param name="Slot">The slot of that mobile ID.</param>
/// <param name="PendingPkcs8">A server-made key to keep, wrapped, until the device confirms.</param>
/// <param name="NotAfter">An end of validity that overrides the profile's (still clipped to the issuer's end): certificates that must expire together.</param>
/// <param name="RenewsId">The certificate this one renews (its slot stays empty until the device installs it).</param>
/// <param name="DeviceId">The device it is enrolled for (SCEP, EST, iOS OTA).</param>
public sealed record IssueFor(Guid? PersonId, Guid? PolicyId = null, byte[]? ArchivePkcs8 = null, Guid? MobileIdentityId = null, int? Slot = null,
    byte[]? PendingPkcs8 = null, DateTimeOffset? NotAfter = null, Guid? RenewsId = null, Guid? DeviceId = null);

/// <summary>
/// Issues certificates to holders through the issuance seam (<see cref="ICertificateIssuer"/>) and
/// records them with who they are for; revocations, holds and releases go to the seam, which raises
/// the revocation epoch in the same transaction, so OCSP answers follow within a second.
/// </summary>
public sealed class CertificateService(
    MobileIdDbContext db, IKeyStore keys, ICertificateIssuer issuer, AuditTrail audit, KeyArchive archiveKeys, TimeProvider time)
{
    /// <summary>
    /// Issues a leaf from a CA for a public key (from a verified CSR or a server-made key) and records
    /// it; a server-made key to archive is stored, wrapped under the KEK, in the same transaction.
    /// </summary>
    public async Task<Result<IssuedCertificate>> IssueAsync(Caller caller, string caName, PublicKey subjectKey, LeafProfile profile, IssueFor target,
        CancellationToken cancellationToken)
    {
        var signed = await issuer.SignAsync(caName, subjectKey, profile, target.NotAfter, cancellationToken);
        if (!signed.IsSuccess)
        {
            return signed.Error;
        }

        var record = IssuedRecords.Create(signed.Value, CertificatePurpose.EndEntity, time.GetUtcNow().UtcDateTime);
        record.PersonId = target.PersonId;
        record.PolicyId = target.PolicyId;
        record.MobileIdentityId = target.MobileIdentityId;
        record.Slot = target.Slot;
        record.RenewsId = target.RenewsId;
        record.KeyHash = KeyHashOf(subjectKey);
        record.DeviceId = target.DeviceId;
        if (target.PendingPkcs8 is { } pending)
        {
            record.PendingKey = keys.Wrap(pending, PendingKeyContext(record.Id));
        }

        db.IssuedCertificates.Add(record);
        if (target.ArchivePkcs8 is { } archive)
        {
            db.ArchivedKeys.Add(archiveKeys.Wrap(record.Id, archive));
        }

        IssuedRecords.AuditIssued(audit, caller, record, new
        {
            ca = caName, serial = record.SerialHex, subject = record.Subject, notAfter = record.NotAfter, keyArchived = target.ArchivePkcs8 is not null,
            renews = target.RenewsId,
        });
        // Commit: the certificate, its archived key and its audit record together, once (inside the caller's transaction when it has one, as renewal does).
        await db.SaveChangesAsync(cancellationToken);
        return record;
    }

    /// <summary>Revokes for good (with an RFC 5280 reason), or puts on hold (<c>certificateHold</c>).</summary>
    public Task<Result<IssuedCertificate>> RevokeAsync(Caller caller, Guid id, X509RevocationReason reason, CancellationToken cancellationToken) =>
        issuer.RevokeAsync(caller, id, reason, cancellationToken);

    /// <summary>
    /// Revokes every certificate of a mobile ID that is not revoked yet (valid or on hold), drops the
    /// server-made keys kept for its device and frees its slots (a slot holds one live certificate;
    /// the link to the mobile ID stays for its history). Each is saved on its own, so a run cut
    /// short can be repeated. Returns the revoked serial numbers.
    /// </summary>
    public async Task<Result<List<string>>> RevokeMobileIdAsync(Caller caller, Guid mobileIdId, X509RevocationReason reason, CancellationToken cancellationToken)
    {
        var serials = new List<string>();
        foreach (var certificate in await db.IssuedCertificates.Where(c => c.MobileIdentityId == mobileIdId && c.Status != CertificateStatus.Revoked)
                     .ToListAsync(cancellationToken))
        {
            certificate.PendingKey = null;
            certificate.Slot = null;
            var result = await RevokeAsync(caller, certificate.Id, reason, cancellationToken);
            if (!result.IsSuccess)
            {
                return result.Error;
            }

            serials.Add(certificate.SerialHex);
        }

        return serials;
    }

    /// <summary>Releases a hold: the certificate is good again and leaves the next full CRL.</summary>
    public Task<Result<IssuedCertificate>> ReleaseAsync(Caller caller, Guid id, CancellationToken cancellationToken) =>
        issuer.ReleaseAsync(caller, id, cancellationToken);

    /// <summary>
    /// A renewal takes effect: the successor takes its predecessor's mobile ID slot (a slot holds one
    /// live certificate, a unique index, so the predecessor leaves it first, in one transaction, and
    /// <paramref name="audit"/> records the renewal with it), then the predecessor is revoked as superseded.
    /// Both are tracked by this service's context. Returns whether the predecessor was revoked now.
    /// </summary>
    public async Task<Result<bool>> SupersedeAsync(Caller caller, IssuedCertificate predecessor, IssuedCertificate successor, Action<int?> audit,
        CancellationToken cancellationToken)
    {
        if (successor.Slot is null)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var slot = predecessor.Slot;
            predecessor.Slot = null;
            // Commit: inside the transaction, the freed slot is written first (a slot is a unique index, so the predecessor leaves it before the successor takes it).
            await db.SaveChangesAsync(cancellationToken);
            successor.Slot = slot;
            successor.UpdatedAt = time.GetUtcNow().UtcDateTime;
            audit(slot);
            // Commit: the successor's slot and the renewal's audit record, with the freed slot above, when the transaction commits.
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (predecessor.Status == CertificateStatus.Revoked)
        {
            return false;
        }

        var revoked = await RevokeAsync(caller, predecessor.Id, X509RevocationReason.Superseded, cancellationToken);
        return revoked.IsSuccess ? true : revoked.Error;
    }

    /// <summary>SHA-256 of a public key's SubjectPublicKeyInfo (<see cref="IssuedCertificate.KeyHash"/>).</summary>
    public static byte[] KeyHashOf(PublicKey key) => IssuedRecords.KeyHashOf(key);

    /// <summary>The key-wrapping context of a server-made key waiting for its device.</summary>
    public static string PendingKeyContext(Guid certificateId) => "pending:" + certificateId.ToString("D");
}
