using System.Security.Cryptography.X509Certificates;
using MobileId.Pki;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Pki.Revocation;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Issuance;

/// <summary>
/// The CAs of this server behind <see cref="ICertificateIssuer"/>: their keys are in the key store
/// and this is the only code that opens them to sign (certificates, CRLs, the OCSP responder's and
/// the other service certificates). Every revocation, hold and release raises the revocation epoch
/// in the same transaction, so OCSP answers follow within a second.
/// </summary>
public sealed partial class BuiltInCertificateIssuer(
    MobileIdDbContext db, IKeyStore keys, SettingsService settings, AuditTrail audit, RevocationEpochWatcher epoch, TimeProvider time) : ICertificateIssuer
{
    /// <inheritdoc />
    public async Task<Result<SignedCertificate>> SignAsync(string caName, PublicKey subjectKey, LeafProfile profile, DateTimeOffset? notAfter,
        CancellationToken cancellationToken)
    {
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

        var notBefore = time.GetUtcNow().AddMinutes(-5);
        if (notAfter is { } end)
        {
            profile = profile with { Validity = end - notBefore };
        }

        return await EncodeAsync(ca, subjectKey, profile, notBefore, null, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Result<IssuedCertificate>> RevokeAsync(Caller caller, Guid certificateId, X509RevocationReason reason, CancellationToken cancellationToken)
    {
        var certificate = await db.IssuedCertificates.SingleOrDefaultAsync(c => c.Id == certificateId, cancellationToken);
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
        audit.Record(caller, hold ? "certificate.held" : "certificate.revoked", null, IssuedRecords.Target(certificate), AuditOutcome.Success,
            new { serial = certificate.SerialHex, reason = reason.ToString() });
        await SaveWithEpochAsync(cancellationToken);
        return certificate;
    }

    /// <inheritdoc />
    public async Task<Result<IssuedCertificate>> ReleaseAsync(Caller caller, Guid certificateId, CancellationToken cancellationToken)
    {
        var certificate = await db.IssuedCertificates.SingleOrDefaultAsync(c => c.Id == certificateId, cancellationToken);
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
        audit.Record(caller, "certificate.released", null, IssuedRecords.Target(certificate), AuditOutcome.Success,
            new { serial = certificate.SerialHex });
        await SaveWithEpochAsync(cancellationToken);
        return certificate;
    }

    /// <inheritdoc />
    public async Task<byte[]> SignCrlAsync(CertificateAuthorityRecord ca, CrlContent crl, CancellationToken cancellationToken)
    {
        using var issuer = X509CertificateLoader.LoadCertificate(ca.CertificateDer);
        using var key = keys.Open(ca.KeyId);
        if (crl.BaseNumber is { } baseNumber)
        {
            return CrlBuilder.BuildDelta(issuer, key, crl.Entries, crl.Number, baseNumber, crl.ThisUpdate, crl.NextUpdate);
        }

        var urls = await UrlsAsync(ca.Name, cancellationToken);
        return CrlBuilder.BuildFull(issuer, key, crl.Entries, crl.Number, crl.ThisUpdate, crl.NextUpdate, urls.DeltaCrlUrl);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<byte[]>> ChainAsync(Guid caId, CancellationToken cancellationToken)
    {
        var all = await db.CertificateAuthorities.AsNoTracking().Select(c => new { c.Id, c.ParentId, c.CertificateDer }).ToListAsync(cancellationToken);
        return CaDirectory.ChainOf(all.Select(c => (c.Id, c.ParentId, c.CertificateDer)).ToList(), caId);
    }

    /// <inheritdoc />
    public async Task<CaUrls> UrlsAsync(string caName, CancellationToken cancellationToken) =>
        CaDirectory.UrlsFor((await settings.GetAsync(cancellationToken)).WebServerExternalAddress, caName);

    /// <summary>Signs a leaf with the CA's key; the end is clipped to the CA's (the record is made from what was encoded, docs/performance.md).</summary>
    private async Task<SignedCertificate> EncodeAsync(CertificateAuthorityRecord ca, PublicKey subjectKey, LeafProfile profile, DateTimeOffset notBefore,
        IEnumerable<X509Extension>? extra, CancellationToken cancellationToken)
    {
        var urls = await UrlsAsync(ca.Name, cancellationToken);
        using var issuer = X509CertificateLoader.LoadCertificate(ca.CertificateDer);
        using var issuerKey = keys.Open(ca.KeyId);
        var serial = SerialNumbers.Create();
        var der = CertificateFactory.EncodeLeaf(issuer, issuerKey, subjectKey, profile, notBefore, urls, serial, extra);
        var caEnd = new DateTimeOffset(ca.NotAfter, TimeSpan.Zero);
        var notAfter = notBefore + profile.Validity > caEnd ? caEnd : notBefore + profile.Validity;
        return new SignedCertificate(ca.Id, ca.Name, der, SerialNumbers.ToHex(serial), profile.Subject.Name,
            IssuedRecords.Seconds(notBefore.UtcDateTime), IssuedRecords.Seconds(notAfter.UtcDateTime));
    }

    private async Task SaveWithEpochAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Commit: the status change and its audit record, with the revocation epoch's bump below, when the transaction commits.
        await db.SaveChangesAsync(cancellationToken);
        await db.RevocationEpochs.Where(e => e.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(e => e.Value, e => e.Value + 1), cancellationToken);
        var value = await db.RevocationEpochs.AsNoTracking().Where(e => e.Id == 1).Select(e => e.Value).SingleAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        epoch.Advance(value);
    }
}
