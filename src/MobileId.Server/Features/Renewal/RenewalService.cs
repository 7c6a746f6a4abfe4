using MobileId.Pki.Policies;

namespace MobileId.Server.Features.Renewal;

/// <summary>What one pass of the renewal job did.</summary>
/// <param name="Renewed">Successors issued for server-made keys (ready to collect).</param>
/// <param name="Due">Device-key certificates marked renewal-due (the device brings a CSR with <c>update</c>).</param>
/// <param name="Expired">Expired certificates whose holders were told.</param>
public sealed record RenewalPass(int Renewed, int Due, int Expired);

/// <summary>
/// Automatic Renewal (PRODUCT.md §4, §5.6): for each valid certificate of an Issued mobile ID whose
/// policy renews automatically and that is within its policy's days before expiry, and not renewed
/// yet: a server-made key gets its successor now (kept wrapped for the device, as at collection)
/// and the holder is told it is ready; a device-made key is marked renewal-due and the holder is
/// told to open the agent. Certificates that expired without a renewal being installed are told
/// once. Derived credentials never renew automatically (PRODUCT.md §10). Every step claims its row
/// (a unique successor per certificate, a conditional update of the notice time) in the same
/// transaction as its notices, so several nodes on one database neither issue nor notify twice.
/// This pass finds what is due; each certificate is one unit of work of <see cref="RenewCertificate"/>
/// or <see cref="ExpiryNotice"/>, in a scope of its own.
/// </summary>
/// <param name="time">The renewal clock (<see cref="ClockKey"/>): the server's clock, unless a test puts the job ahead of it.</param>
public sealed partial class RenewalService(IServiceScopeFactory scopes, [FromKeyedServices(RenewalService.ClockKey)] TimeProvider time,
    ILogger<RenewalService> logger)
{
    /// <summary>The key of the <see cref="TimeProvider"/> by which the job decides what is due and when it runs.</summary>
    public const string ClockKey = "renewal";

    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<RenewalPass> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            List<Guid> due;
            List<Guid> expired;
            var now = time.GetUtcNow().UtcDateTime;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
                due = await DueAsync(db, now, cancellationToken);
                expired = await db.IssuedCertificates.AsNoTracking()
                    .Where(c => c.Status == CertificateStatus.Valid && c.Slot != null && c.NotAfter <= now && c.ExpiredNoticeAt == null)
                    .Where(c => db.MobileIdentities.Any(m => m.Id == c.MobileIdentityId && m.Status == MobileIdStatus.Issued))
                    .Select(c => c.Id).ToListAsync(cancellationToken);
            }

            var renewed = 0;
            var marked = 0;
            foreach (var id in due)
            {
                switch (await InScopeAsync<RenewCertificate, KeyGeneration?>(h => h.HandleAsync(id, cancellationToken)))
                {
                    case KeyGeneration.Server:
                        renewed++;
                        break;
                    case KeyGeneration.Device:
                        marked++;
                        break;
                }
            }

            var told = 0;
            foreach (var id in expired)
            {
                told += await InScopeAsync<ExpiryNotice, bool>(h => h.HandleAsync(id, cancellationToken)) ? 1 : 0;
            }

            if (renewed + marked + told > 0)
            {
                LogPass(logger, renewed, marked, told);
            }

            return new RenewalPass(renewed, marked, told);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Valid, live certificates of Issued mobile IDs whose policy renews automatically, inside the renewal window, not renewed yet, not derived credentials.</summary>
    private static async Task<List<Guid>> DueAsync(MobileIdDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var due = new List<Guid>();
        foreach (var policy in await db.CertificatePolicies.AsNoTracking().Where(p => p.AutomaticRenewal).ToListAsync(cancellationToken))
        {
            var windowEnd = now.AddDays(policy.RenewalDaysBeforeExpiry);
            due.AddRange(await db.IssuedCertificates.AsNoTracking()
                .Where(c => c.PolicyId == policy.Id && c.Status == CertificateStatus.Valid && c.Slot != null && c.NotAfter <= windowEnd && c.NotAfter > now)
                .Where(c => c.RenewalDueAt == null && !db.IssuedCertificates.Any(s => s.RenewsId == c.Id))
                .Where(c => db.MobileIdentities.Any(m => m.Id == c.MobileIdentityId && m.Status == MobileIdStatus.Issued
                    && db.CredentialProfiles.Any(p => p.Id == m.ProfileId && p.CardEncoding != CardEncoding.DerivedCredential)))
                .Select(c => c.Id).ToListAsync(cancellationToken));
        }

        return due;
    }


    /// <summary>Runs one certificate's step in a scope (and so a unit of work) of its own.</summary>
    private async Task<TResult> InScopeAsync<THandler, TResult>(Func<THandler, Task<TResult>> step) where THandler : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        return await step(scope.ServiceProvider.GetRequiredService<THandler>());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Renewal: {Renewed} renewed, {Due} due on their devices, {Expired} expiry notices")]
    private static partial void LogPass(ILogger logger, int renewed, int due, int expired);
}
