using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MobileId.Pki.Keys;
using MobileId.Pki.Policies;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;

namespace MobileId.Server.Features.Renewal;

/// <summary>The renewal job under <c>MobileId:Renewal</c>.</summary>
public sealed class RenewalOptions
{
    public const string Section = "MobileId:Renewal";

    /// <summary>How often the job looks for certificates to renew.</summary>
    [Range(1, 1440)]
    public int IntervalMinutes { get; set; } = 60;

    /// <summary>The first pass, this long after the server starts.</summary>
    [Range(0, 3600)]
    public int FirstRunDelaySeconds { get; set; } = 30;
}

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
                switch (await RenewAsync(id, cancellationToken))
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
                told += await ExpiredAsync(id, cancellationToken) ? 1 : 0;
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

    /// <summary>Renews one certificate in a scope of its own: returns how, or null when another pass (or node) already did.</summary>
    private async Task<KeyGeneration?> RenewAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<MobileIdDbContext>();
        var (certificate, mobileId, person, profile) = await LoadAsync(db, id, cancellationToken);
        var policy = await db.CertificatePolicies.AsNoTracking().SingleAsync(p => p.Id == certificate.PolicyId, cancellationToken);
        var caller = Caller.System("renewal");
        var audit = services.GetRequiredService<AuditTrail>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            if (policy.KeyGeneration == KeyGeneration.Server)
            {
                using var key = KeyPackages.Generate(policy.KeyAlgorithm);
                var pkcs8 = key.ExportPkcs8PrivateKey();
                try
                {
                    var made = await services.GetRequiredService<CertificateIssuance>().IssueForAsync(caller, person, policy,
                        new System.Security.Cryptography.X509Certificates.PublicKey(key),
                        new IssueFor(person.Id, policy.Id, policy.Archive ? pkcs8 : null, mobileId.Id, null, pkcs8, RenewsId: certificate.Id), cancellationToken);
                    if (!made.IsSuccess)
                    {
                        LogFailed(logger, certificate.SerialHex, made.Error!.Detail);
                        return null;
                    }

                    await NotifyAsync(services, person, mobileId.Id, profile, made.Value.Certificate.NotAfter, TemplateCatalog.MobileRenewedEmail,
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

                await NotifyAsync(services, person, mobileId.Id, profile, certificate.NotAfter, TemplateCatalog.MobileRenewalDueEmail,
                    TemplateCatalog.MobileRenewalDueSms, cancellationToken);
                audit.Record(caller, "certificate.renewal-due", null, AuditTarget.For(person), AuditOutcome.Success,
                    new { mobileId = mobileId.Id, serial = certificate.SerialHex, notAfter = certificate.NotAfter });
            }

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

    /// <summary>Tells the holder once that a certificate expired without a renewal being installed.</summary>
    private async Task<bool> ExpiredAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<MobileIdDbContext>();
        var (certificate, mobileId, person, profile) = await LoadAsync(db, id, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.IssuedCertificates.Where(c => c.Id == id && c.ExpiredNoticeAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.ExpiredNoticeAt, now).SetProperty(c => c.UpdatedAt, now), cancellationToken) == 0)
        {
            return false;
        }

        await NotifyAsync(services, person, mobileId.Id, profile, certificate.NotAfter, TemplateCatalog.MobileExpiredEmail, TemplateCatalog.MobileExpiredSms,
            cancellationToken);
        services.GetRequiredService<AuditTrail>().Record(Caller.System("renewal"), "certificate.expired-notice", null, AuditTarget.For(person),
            AuditOutcome.Success, new { mobileId = mobileId.Id, serial = certificate.SerialHex, notAfter = certificate.NotAfter });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>A certificate with its mobile ID, holder and profile name.</summary>
    private static async Task<(IssuedCertificate Certificate, MobileIdentity MobileId, Person Person, string Profile)> LoadAsync(MobileIdDbContext db, Guid id,
        CancellationToken cancellationToken)
    {
        var certificate = await db.IssuedCertificates.AsNoTracking().SingleAsync(c => c.Id == id, cancellationToken);
        var mobileId = await db.MobileIdentities.AsNoTracking().SingleAsync(m => m.Id == certificate.MobileIdentityId, cancellationToken);
        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var profile = await db.CredentialProfiles.AsNoTracking().Where(p => p.Id == mobileId.ProfileId).Select(p => p.Name).SingleAsync(cancellationToken);
        return (certificate, mobileId, person, profile);
    }

    /// <summary>Queues a notice by email when the person has an address, by SMS when they have a mobile number and SMS can be sent; both when both.</summary>
    private async Task NotifyAsync(IServiceProvider services, Person person, Guid mobileId, string profile, DateTime expiresAt, string emailTemplate,
        string smsTemplate, CancellationToken cancellationToken)
    {
        var outbox = services.GetRequiredService<NotificationOutbox>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["displayName"] = PersonRules.DisplayName(person), ["profile"] = profile,
            ["expiresAt"] = expiresAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        };
        var about = new NotificationSubject(person.Id, mobileId);
        var queued = new List<Result<Notification>>();
        if (person.Email is { Length: > 0 } email)
        {
            queued.Add(await outbox.EnqueueEmailAsync(email, emailTemplate, values, about, cancellationToken));
        }

        if (person.Mobile is { Length: > 0 } mobile && await outbox.CanSendSmsAsync(cancellationToken))
        {
            queued.Add(await outbox.EnqueueSmsAsync(mobile, smsTemplate, values, about, cancellationToken));
        }

        foreach (var failed in queued.Where(q => !q.IsSuccess))
        {
            // Note: a notice that cannot be queued (an address the channel does not take) does not hold up the renewal.
            LogNoticeFailed(logger, emailTemplate, person.LogonName, failed.Error!.Detail);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Renewal: {Renewed} renewed, {Due} due on their devices, {Expired} expiry notices")]
    private static partial void LogPass(ILogger logger, int renewed, int due, int expired);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewal of certificate {Serial} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string serial, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewal notice {Template} for {Person} could not be queued: {Reason}")]
    private static partial void LogNoticeFailed(ILogger logger, string template, string person, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Renewal of certificate {Serial} was done elsewhere: {Reason}")]
    private static partial void LogRaced(ILogger logger, string serial, string reason);
}

/// <summary>Runs <see cref="RenewalService"/> on a timer of the server's <see cref="TimeProvider"/>: shortly after start, then every interval.</summary>
public sealed partial class RenewalJob(RenewalService renewal, [FromKeyedServices(RenewalService.ClockKey)] TimeProvider time, IOptions<RenewalOptions> options, ILogger<RenewalJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Value.FirstRunDelaySeconds), time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await renewal.RunOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex);
                }

                await Task.Delay(TimeSpan.FromMinutes(options.Value.IntervalMinutes), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Note: the server is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A renewal pass failed; the next one runs at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

/// <summary>Registration of the renewal job.</summary>
public static class RenewalSetup
{
    public static IServiceCollection AddMobileIdRenewal(this IServiceCollection services)
    {
        services.AddOptions<RenewalOptions>().BindConfiguration(RenewalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddKeyedSingleton(RenewalService.ClockKey, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddSingleton<RenewalService>();
        services.AddHostedService<RenewalJob>();
        return services;
    }
}
