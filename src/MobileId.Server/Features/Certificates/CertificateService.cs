using System.Security.Cryptography.X509Certificates;
using MobileId.Pki;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Authorities;
using MobileId.Server.Features.Ocsp;
using MobileId.Server.Features.Settings;

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
/// Issues certificates from this server's CAs and changes their revocation status. Every change
/// raises the revocation epoch in the same transaction, so OCSP answers follow within a second.
/// </summary>
public sealed class CertificateService(
    MobileIdDbContext db, IKeyStore keys, SettingsService settings, AuditTrail audit, RevocationEpochWatcher epoch, KeyArchive archiveKeys,
    TimeProvider time)
{
    /// <summary>
    /// Issues a leaf from a CA for a public key (from a verified CSR or a server-made key) and records
    /// it; a server-made key to archive is stored, wrapped under the KEK, in the same transaction.
    /// </summary>
    public async Task<Result<IssuedCertificate>> IssueAsync(Caller caller, string caName, PublicKey subjectKey, LeafProfile profile, IssueFor target,
        CancellationToken cancellationToken)
    {
        var personId = target.PersonId;
        var ca = await db.CertificateAuthorities.AsNoTracking().SingleOrDefaultAsync(c => c.Name == caName, cancellationToken);
        if (ca is null)
        {
            return AppError.NotFound($"The CA '{caName}'");
        }

        if (ca.Kind != CaKind.Issuing || !ca.HasKey)
        {
            return AppError.Conflict($"'{caName}' is not an issuing CA of this server.");
        }

        if (ca.Status != CaStatus.Active)
        {
            return AppError.Conflict($"'{caName}' is retired and issues no new certificates; point the policy at an active issuing CA (GET /api/v1/authorities).");
        }

        var external = (await settings.GetAsync(cancellationToken)).WebServerExternalAddress;
        using var issuer = X509CertificateLoader.LoadCertificate(ca.CertificateDer);
        using var issuerKey = keys.Open(ca.KeyId);
        var serial = SerialNumbers.Create();
        var now = time.GetUtcNow();
        var notBefore = now.AddMinutes(-5);
        if (target.NotAfter is { } end)
        {
            profile = profile with { Validity = end - notBefore };
        }

        var der = CertificateFactory.EncodeLeaf(issuer, issuerKey, subjectKey, profile, notBefore, CertificateAuthorities.UrlsFor(external, ca.Name), serial);
        // Note: the record is made from what was encoded, without loading the certificate back (docs/performance.md).
        var notAfter = notBefore + profile.Validity > new DateTimeOffset(ca.NotAfter, TimeSpan.Zero) ? new DateTimeOffset(ca.NotAfter, TimeSpan.Zero) : notBefore + profile.Validity;
        var record = new IssuedCertificate
        {
            Id = Guid.CreateVersion7(), IssuerId = ca.Id, SerialHex = SerialNumbers.ToHex(serial), Subject = profile.Subject.Name, PersonId = personId,
            PolicyId = target.PolicyId, MobileIdentityId = target.MobileIdentityId, Slot = target.Slot, RenewsId = target.RenewsId,
            Der = der, NotBefore = Seconds(notBefore.UtcDateTime), NotAfter = Seconds(notAfter.UtcDateTime),
            Status = CertificateStatus.Valid, CreatedAt = now.UtcDateTime, UpdatedAt = now.UtcDateTime,
            KeyHash = KeyHashOf(subjectKey), DeviceId = target.DeviceId,
        };
        if (target.PendingPkcs8 is { } pending)
        {
            record.PendingKey = keys.Wrap(pending, PendingKeyContext(record.Id));
        }

        db.IssuedCertificates.Add(record);
        if (target.ArchivePkcs8 is { } archive)
        {
            db.ArchivedKeys.Add(archiveKeys.Wrap(record.Id, archive));
        }

        audit.Record(caller, "certificate.issued", null, Target(record, personId), AuditOutcome.Success,
            new { ca = ca.Name, serial = record.SerialHex, subject = record.Subject, notAfter = record.NotAfter, keyArchived = target.ArchivePkcs8 is not null, renews = target.RenewsId });
        await db.SaveChangesAsync(cancellationToken);
        return record;
    }

    /// <summary>Revokes for good (with an RFC 5280 reason), or puts on hold (<c>certificateHold</c>).</summary>
    public async Task<Result<IssuedCertificate>> RevokeAsync(Caller caller, Guid id, X509RevocationReason reason, CancellationToken cancellationToken)
    {
        var certificate = await db.IssuedCertificates.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (certificate is null)
        {
            return AppError.NotFound("That certificate");
        }

        if (reason == X509RevocationReason.RemoveFromCrl || (int)reason is 7 or < 0 or > 10)
        {
            return AppError.Validation("reason", $"'{reason}' is not a revocation reason; removeFromCRL is what releasing a hold does.");
        }

        if (certificate.Status == CertificateStatus.Revoked)
        {
            return AppError.Conflict($"Certificate {certificate.SerialHex} is already revoked; a revocation is final.");
        }

        var hold = reason == X509RevocationReason.CertificateHold;
        if (hold && certificate.Status == CertificateStatus.OnHold)
        {
            return certificate;
        }

        var now = time.GetUtcNow().UtcDateTime;
        certificate.Status = hold ? CertificateStatus.OnHold : CertificateStatus.Revoked;
        certificate.RevokedAt = now;
        certificate.RevocationReason = hold || reason == X509RevocationReason.Unspecified ? null : (int)reason;
        certificate.UpdatedAt = now;
        audit.Record(caller, hold ? "certificate.held" : "certificate.revoked", null, Target(certificate, certificate.PersonId), AuditOutcome.Success,
            new { serial = certificate.SerialHex, reason = reason.ToString() });
        await SaveWithEpochAsync(cancellationToken);
        return certificate;
    }

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
                return result.Error!;
            }

            serials.Add(certificate.SerialHex);
        }

        return serials;
    }

    /// <summary>Releases a hold: the certificate is good again and leaves the next full CRL.</summary>
    public async Task<Result<IssuedCertificate>> ReleaseAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var certificate = await db.IssuedCertificates.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (certificate is null)
        {
            return AppError.NotFound("That certificate");
        }

        if (certificate.Status != CertificateStatus.OnHold)
        {
            return AppError.Conflict($"Certificate {certificate.SerialHex} is not on hold.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        certificate.Status = CertificateStatus.Valid;
        certificate.RevokedAt = null;
        certificate.HoldReleasedAt = now;
        certificate.UpdatedAt = now;
        audit.Record(caller, "certificate.released", null, Target(certificate, certificate.PersonId), AuditOutcome.Success,
            new { serial = certificate.SerialHex });
        await SaveWithEpochAsync(cancellationToken);
        return certificate;
    }

    private async Task SaveWithEpochAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await db.RevocationEpochs.Where(e => e.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(e => e.Value, e => e.Value + 1), cancellationToken);
        var value = await db.RevocationEpochs.AsNoTracking().Where(e => e.Id == 1).Select(e => e.Value).SingleAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        epoch.Advance(value);
    }

    /// <summary>Binds a pending key to its certificate.</summary>
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
            await db.SaveChangesAsync(cancellationToken);
            successor.Slot = slot;
            successor.UpdatedAt = time.GetUtcNow().UtcDateTime;
            audit(slot);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (predecessor.Status == CertificateStatus.Revoked)
        {
            return false;
        }

        var revoked = await RevokeAsync(caller, predecessor.Id, X509RevocationReason.Superseded, cancellationToken);
        return revoked.IsSuccess ? true : revoked.Error!;
    }

    /// <summary>SHA-256 of a public key's SubjectPublicKeyInfo (<see cref="IssuedCertificate.KeyHash"/>).</summary>
    public static byte[] KeyHashOf(PublicKey key) => System.Security.Cryptography.SHA256.HashData(key.ExportSubjectPublicKeyInfo());

    public static string PendingKeyContext(Guid certificateId) => "pending:" + certificateId.ToString("D");

    private static DateTime Seconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private static AuditTarget Target(IssuedCertificate certificate, Guid? personId) =>
        new("certificate", certificate.SerialHex, certificate.Subject, personId);
}
