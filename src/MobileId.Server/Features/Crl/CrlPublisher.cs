using Microsoft.Extensions.Options;
using MobileId.Pki.Revocation;
using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Features.Crl;

/// <summary>
/// Publishes each CA's full and delta CRLs (RFC 5280 §5): on schedule, and soon after revocations
/// (the revocation epoch moved), coalescing changes that come close together. Several nodes may
/// publish; the unique CRL number per CA lets only one win each number.
/// </summary>
public sealed partial class CrlPublisher(
    IServiceScopeFactory scopes, RevocationEpochWatcher epoch, TimeProvider time, IOptions<CrlOptions> options,
    ILogger<CrlPublisher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _publishedEpoch = -1;

    /// <summary>
    /// Publishes what is due now: CRLs of CAs that have none, are near their end, or miss revocations.
    /// Only CAs whose key is here sign CRLs, and a retired CA goes on while its certificates are valid.
    /// </summary>
    public async Task PublishDueAsync(bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var currentEpoch = epoch.Current;
            var changed = currentEpoch != _publishedEpoch;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
            var issuer = scope.ServiceProvider.GetRequiredService<ICertificateIssuer>();
            var now = time.GetUtcNow();
            foreach (var ca in await CaDirectory.PublishingRevocation(db, now).ToListAsync(cancellationToken))
            {
                var full = await LatestAsync(db, ca.Id, delta: false, cancellationToken);
                var delta = await LatestAsync(db, ca.Id, delta: true, cancellationToken);
                var fullDue = force || changed || full is null || now.UtcDateTime >= full.ThisUpdate.AddMinutes(options.Value.FullIntervalMinutes);
                var deltaDue = fullDue || delta is null || now.UtcDateTime >= delta.ThisUpdate.AddMinutes(options.Value.DeltaIntervalMinutes);
                var deltaBase = full;
                if (fullDue)
                {
                    full = await PublishAsync(db, issuer, ca, now, baseCrl: null, cancellationToken) ?? full;
                    // Note: the delta published with a new full CRL is based on the previous full CRL, so
                    // it still tells holders of that CRL about released holds (removeFromCRL). RFC 5280
                    // §5.2.4 lets a delta serve every complete CRL numbered from its base up.
                    deltaBase ??= full;
                }

                if (deltaDue && deltaBase is not null)
                {
                    await PublishAsync(db, issuer, ca, now, deltaBase, cancellationToken);
                }
            }

            _publishedEpoch = currentEpoch;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CoalesceSeconds));
        do
        {
            try
            {
                await PublishDueAsync(force: false, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPublishFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// The newest full or delta CRL of a CA to hand out (CRL download, SCEP GetCRL); a request before
    /// the first scheduled run publishes now. Null when it could not be published (the cause is logged).
    /// </summary>
    internal async Task<CrlRecord?> CurrentAsync(MobileIdDbContext db, Guid caId, bool delta, CancellationToken cancellationToken)
    {
        if (await LatestAsync(db, caId, delta, cancellationToken) is { } crl)
        {
            return crl;
        }

        await PublishDueAsync(force: false, cancellationToken);
        return await LatestAsync(db, caId, delta, cancellationToken);
    }

    /// <summary>The newest full or delta CRL of a CA.</summary>
    internal static Task<CrlRecord?> LatestAsync(MobileIdDbContext db, Guid caId, bool delta, CancellationToken cancellationToken) =>
        db.Crls.AsNoTracking().Where(c => c.IssuerId == caId && c.IsDelta == delta).OrderByDescending(c => c.Number).FirstOrDefaultAsync(cancellationToken);

    private async Task<CrlRecord?> PublishAsync(MobileIdDbContext db, ICertificateIssuer issuer, CertificateAuthorityRecord ca, DateTimeOffset now,
        CrlRecord? baseCrl, CancellationToken cancellationToken)
    {
        var isDelta = baseCrl is not null;
        var number = (await db.Crls.Where(c => c.IssuerId == ca.Id).MaxAsync(c => (long?)c.Number, cancellationToken) ?? 0) + 1;
        var interval = TimeSpan.FromMinutes(isDelta ? options.Value.DeltaIntervalMinutes : options.Value.FullIntervalMinutes);
        var nextUpdate = now + 2 * interval;
        var entries = await EntriesAsync(db, ca.Id, now, baseCrl, cancellationToken);
        var der = await issuer.SignCrlAsync(ca, new CrlContent(entries, number, baseCrl?.Number, now, nextUpdate), cancellationToken);
        var record = new CrlRecord
        {
            Id = Guid.CreateVersion7(), IssuerId = ca.Id, Number = number, IsDelta = isDelta, BaseNumber = baseCrl?.Number,
            ThisUpdate = now.UtcDateTime, NextUpdate = nextUpdate.UtcDateTime, Entries = entries.Count, Der = der,
        };
        db.Crls.Add(record);
        try
        {
            // Commit: the CRL on its own; the unique number makes a second node's insert fail, and its CRL serves.
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Note: another node published this number first; its CRL serves as well as ours.
            db.ChangeTracker.Clear();
            return null;
        }

        // Keep the newest few of each kind; older CRLs are never served.
        var stale = await db.Crls.Where(c => c.IssuerId == ca.Id && c.IsDelta == isDelta && c.Number < number)
            .OrderByDescending(c => c.Number).Skip(2).Select(c => c.Id).ToListAsync(cancellationToken);
        if (stale.Count > 0)
        {
            await db.Crls.Where(c => stale.Contains(c.Id)).ExecuteDeleteAsync(cancellationToken);
        }

        LogPublished(logger, isDelta ? "delta" : "full", ca.Name, number, entries.Count);
        return record;
    }

    private static async Task<List<RevokedEntry>> EntriesAsync(MobileIdDbContext db, Guid caId, DateTimeOffset now, CrlRecord? baseCrl, CancellationToken cancellationToken)
    {
        // Note: entries stay until one CRL past the certificate's notAfter (STANDARDS.md §2); a day's margin covers that.
        var keepAfter = now.UtcDateTime.AddDays(-1);
        var revoked = db.IssuedCertificates.AsNoTracking()
            .Where(c => c.IssuerId == caId && c.Status != CertificateStatus.Valid && c.NotAfter > keepAfter);
        if (baseCrl is not null)
        {
            revoked = revoked.Where(c => c.RevokedAt >= baseCrl.ThisUpdate);
        }

        var list = await revoked.OrderBy(c => c.RevokedAt)
            .Select(c => new { c.SerialHex, c.RevokedAt, c.Status, c.RevocationReason })
            .ToListAsync(cancellationToken);
        var entries = list.Select(c => new RevokedEntry(Convert.FromHexString(c.SerialHex), new DateTimeOffset(c.RevokedAt!.Value, TimeSpan.Zero),
            c.Status == CertificateStatus.OnHold ? RevocationReason.CertificateHold : (RevocationReason?)c.RevocationReason)).ToList();
        if (baseCrl is not null)
        {
            var released = await db.IssuedCertificates.AsNoTracking()
                .Where(c => c.IssuerId == caId && c.Status == CertificateStatus.Valid && c.HoldReleasedAt >= baseCrl.ThisUpdate)
                .Select(c => new { c.SerialHex, c.HoldReleasedAt })
                .ToListAsync(cancellationToken);
            entries.AddRange(released.Select(c => new RevokedEntry(Convert.FromHexString(c.SerialHex),
                new DateTimeOffset(c.HoldReleasedAt!.Value, TimeSpan.Zero), RevocationReason.RemoveFromCrl)));
        }

        return entries;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {Kind} CRL {Number} of {Ca} with {Entries} entries")]
    private static partial void LogPublished(ILogger logger, string kind, string ca, long number, int entries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing CRLs failed; the previous CRLs are served until it succeeds")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);
}
