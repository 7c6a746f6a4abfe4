using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MobileId.Server.Data;

/// <summary>
/// The MobileId database. Audit records added with <see cref="AddAudit"/> are written inside the same
/// transaction as the changes they describe: a save that carries them opens one (unless the caller has),
/// and the save-changes interceptors registered with the context's options chain them and act on them
/// (<see cref="PendingAudit"/>) before the changes are written.
/// </summary>
public abstract class MobileIdDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    private readonly List<AuditRecord> _pendingAudit = [];

    public DbSet<Group> Groups => Set<Group>();
    public DbSet<Person> People => Set<Person>();
    public DbSet<PersonPhoto> PersonPhotos => Set<PersonPhoto>();
    public DbSet<Role> Roles => Set<Role>();
    public DbSet<PersonRole> PersonRoles => Set<PersonRole>();
    public DbSet<ApiClient> ApiClients => Set<ApiClient>();
    public DbSet<SettingValue> Settings => Set<SettingValue>();
    public DbSet<AuditRecord> AuditRecords => Set<AuditRecord>();
    public DbSet<AuditHead> AuditHeads => Set<AuditHead>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<CertificateAuthorityRecord> CertificateAuthorities => Set<CertificateAuthorityRecord>();
    public DbSet<IssuedCertificate> IssuedCertificates => Set<IssuedCertificate>();
    public DbSet<RevocationEpoch> RevocationEpochs => Set<RevocationEpoch>();
    public DbSet<CrlRecord> Crls => Set<CrlRecord>();
    public DbSet<CertificatePolicyRecord> CertificatePolicies => Set<CertificatePolicyRecord>();
    public DbSet<UnmanagedCertificate> UnmanagedCertificates => Set<UnmanagedCertificate>();
    public DbSet<ArchivedKey> ArchivedKeys => Set<ArchivedKey>();
    public DbSet<ServerSecret> ServerSecrets => Set<ServerSecret>();
    public DbSet<CredentialProfile> CredentialProfiles => Set<CredentialProfile>();
    public DbSet<CardLayout> CardLayouts => Set<CardLayout>();
    public DbSet<ProfileCertificate> ProfileCertificates => Set<ProfileCertificate>();
    public DbSet<ProfileRole> ProfileRoles => Set<ProfileRole>();
    public DbSet<MobileIdentity> MobileIdentities => Set<MobileIdentity>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<UnlockRequest> UnlockRequests => Set<UnlockRequest>();
    public DbSet<OtaToken> OtaTokens => Set<OtaToken>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<MessageTemplate> MessageTemplates => Set<MessageTemplate>();
    public DbSet<WebhookSubscription> WebhookSubscriptions => Set<WebhookSubscription>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    /// <summary>Queues an audit record; the next <c>SaveChanges</c> writes it with the change.</summary>
    public void AddAudit(AuditRecord record) => _pendingAudit.Add(record);

    public bool HasPendingAudit => _pendingAudit.Count > 0;

    /// <summary>
    /// The audit records the save in progress writes, oldest first: a save-changes interceptor must add
    /// each one to <see cref="AuditRecords"/>, or the save fails and nothing is committed.
    /// </summary>
    public IReadOnlyList<AuditRecord> PendingAudit => _pendingAudit;

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult();

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (_pendingAudit.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        try
        {
            if (Database.CurrentTransaction is not null)
            {
                return await SaveAuditedAsync(acceptAllChangesOnSuccess, cancellationToken);
            }

            await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
            var written = await SaveAuditedAsync(acceptAllChangesOnSuccess, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return written;
        }
        finally
        {
            _pendingAudit.Clear();
        }
    }

    /// <summary>Saves inside the open transaction; the interceptors add the pending audit records first.</summary>
    private async Task<int> SaveAuditedAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        if (_pendingAudit.Any(r => Entry(r).State == EntityState.Detached))
        {
            // Note: a context built without the audit chain's interceptor would drop its audit records;
            // failing here leaves the transaction uncommitted.
            throw new InvalidOperationException("Audit records were queued but not written: the context's options have no audit chain interceptor.");
        }

        return written;
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Note: all times are UTC; SQLite cannot compare DateTimeOffset, so DateTime is stored
        // and marked UTC again when read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(MobileIdDbContext).Assembly);

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v.HasValue ? (v.Value.Kind == DateTimeKind.Utc ? v.Value : v.Value.ToUniversalTime()) : v,
        v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);
}

/// <summary>The SQLite flavour; its migrations live in Data/Migrations/Sqlite.</summary>
public sealed class SqliteMobileIdDbContext(DbContextOptions<SqliteMobileIdDbContext> options) : MobileIdDbContext(options);

/// <summary>The PostgreSQL flavour; its migrations live in Data/Migrations/PostgreSql.</summary>
public sealed class PostgresMobileIdDbContext(DbContextOptions<PostgresMobileIdDbContext> options) : MobileIdDbContext(options);
