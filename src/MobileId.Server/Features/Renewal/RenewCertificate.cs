using MobileId.Pki.Keys;
using MobileId.Pki.Policies;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Notifications;

namespace MobileId.Server.Features.Renewal;

/// <summary>
/// Automatic Renewal of one certificate (PRODUCT.md §4, §5.6): a server-made key gets its successor now
/// and the holder is told it is ready; a device-made key is marked renewal-due and the holder is told to open the agent.
/// </summary>
public sealed partial class RenewCertificate(MobileIdDbContext db, CertificateIssuance issuance, RenewalNotices notices, AuditTrail audit,
    [FromKeyedServices(RenewalService.ClockKey)] TimeProvider time, ILogger<RenewalService> logger)
{
    /// <summary>Renews one certificate: returns how, or null when another pass (or node) already did.</summary>
    public async Task<KeyGeneration?> HandleAsync(Guid id, CancellationToken cancellationToken)
    {
        var (certificate, mobileId, person, profile) = await notices.LoadAsync(id, cancellationToken);
        var policy = await db.CertificatePolicies.AsNoTracking().SingleAsync(p => p.Id == certificate.PolicyId, cancellationToken);
        var caller = Caller.System("renewal");
        // Unit of work: the successor (or the renewal-due mark), its notices and its audit record, in one explicit transaction
        // that also holds the conditional update below, so that two nodes neither issue nor notify twice.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            if (policy.KeyGeneration == KeyGeneration.Server)
            {
                using var key = KeyPackages.Generate(policy.KeyAlgorithm);
                var pkcs8 = key.ExportPkcs8PrivateKey();
                try
                {
                    var made = await issuance.IssueForAsync(caller, person, policy,
                        new System.Security.Cryptography.X509Certificates.PublicKey(key),
                        new IssueFor(person.Id, policy.Id, policy.Archive ? pkcs8 : null, mobileId.Id, null, pkcs8, RenewsId: certificate.Id), cancellationToken);
                    if (!made.IsSuccess)
                    {
                        LogFailed(logger, certificate.SerialHex, made.Error.Detail);
                        return null;
                    }

                    await notices.NotifyAsync(person, mobileId.Id, profile, made.Value.Certificate.NotAfter, TemplateCatalog.MobileRenewedEmail,
                        TemplateCatalog.MobileRenewedSms, cancellationToken);
                    audit.Record(caller, "certificate.renewal-issued", null, AuditTarget.For(person), AuditOutcome.Success,
                        new { mobileId = mobileId.Id, serial = made.Value.Certificate.SerialHex, renews = certificate.SerialHex });
                }
                finally
                {
                    System.Security.Cryptography.CryptographicOperations.ZeroMemory(pkcs8);
                }
            }
            else
            {
                var now = time.GetUtcNow().UtcDateTime;
                if (await db.IssuedCertificates.Where(c => c.Id == id && c.RenewalDueAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(c => c.RenewalDueAt, now).SetProperty(c => c.UpdatedAt, now), cancellationToken) == 0)
                {
                    return null;
                }

                await notices.NotifyAsync(person, mobileId.Id, profile, certificate.NotAfter, TemplateCatalog.MobileRenewalDueEmail,
                    TemplateCatalog.MobileRenewalDueSms, cancellationToken);
                audit.Record(caller, "certificate.renewal-due", null, AuditTarget.For(person), AuditOutcome.Success,
                    new { mobileId = mobileId.Id, serial = certificate.SerialHex, notAfter = certificate.NotAfter });
            }

            // Commit: the notices and the audit record, then the transaction commits them with the successor (written by IssueAsync) or the renewal-due mark.
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return policy.KeyGeneration;
        }
        catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException)
        {
            // Note: another node issued the successor first (the unique index on RenewsId), or the
            // database refused a write that raced with one; nothing was committed, the next pass looks again.
            LogRaced(logger, certificate.SerialHex, ex.InnerException?.Message ?? ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewal of certificate {Serial} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string serial, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Renewal of certificate {Serial} was done elsewhere: {Reason}")]
    private static partial void LogRaced(ILogger logger, string serial, string reason);
}
