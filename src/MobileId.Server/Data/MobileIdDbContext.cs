using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Data;

/// <summary>
/// The MobileId database. Audit records added with <see cref="AddAudit"/> are chained and
/// written inside the same transaction as the changes they describe.
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
                await AppendAuditAsync(cancellationToken);
                return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            }

            await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
            await AppendAuditAsync(cancellationToken);
            var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return written;
        }
        finally
        {
            _pendingAudit.Clear();
        }
    }

    private async Task AppendAuditAsync(CancellationToken cancellationToken)
    {
        // Note: the UPDATE takes the head row's lock in PostgreSQL and the database write lock in
        // SQLite, so concurrent writers (threads or server nodes) extend the chain one at a time.
        await AuditHeads.Where(h => h.Id == 1)
            .ExecuteUpdateAsync(s => s.SetProperty(h => h.Writes, h => h.Writes + 1), cancellationToken);
        var head = await AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, cancellationToken);

        var sequence = head.LastSequence;
        var previous = head.LastHash;
        foreach (var record in _pendingAudit)
        {
            record.Sequence = ++sequence;
            record.OccurredAt = AuditChain.Truncate(record.OccurredAt);
            record.PreviousHash = previous;
            record.Hash = AuditChain.ComputeHash(record);
            previous = record.Hash;
            AuditRecords.Add(record);
        }

        await WebhookOutbox.QueueAsync(this, _pendingAudit, cancellationToken);

        await AuditHeads.Where(h => h.Id == 1)
            .ExecuteUpdateAsync(
                s => s.SetProperty(h => h.LastSequence, sequence).SetProperty(h => h.LastHash, previous),
                cancellationToken);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Note: all times are UTC; SQLite cannot compare DateTimeOffset, so DateTime is stored
        // and marked UTC again when read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Group>(e =>
        {
            e.ToTable("groups");
            e.Property(x => x.Name).HasMaxLength(200);
            e.HasIndex(x => new { x.ParentId, x.Name }).IsUnique();
            e.HasOne<Group>().WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Person>(e =>
        {
            e.ToTable("people");
            e.Property(x => x.LogonName).HasMaxLength(128);
            e.Property(x => x.NormalizedLogonName).HasMaxLength(128);
            e.HasIndex(x => x.NormalizedLogonName).IsUnique();
            e.Property(x => x.FirstName).HasMaxLength(100);
            e.Property(x => x.LastName).HasMaxLength(100);
            e.Property(x => x.Email).HasMaxLength(254);
            e.Property(x => x.Mobile).HasMaxLength(32);
            e.Property(x => x.EmployeeId).HasMaxLength(64);
            e.Property(x => x.JobTitle).HasMaxLength(100);
            e.Property(x => x.Organization).HasMaxLength(100);
            e.Property(x => x.SearchText).HasMaxLength(800);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.PasswordHash).HasMaxLength(200);
            e.Property(x => x.SecurityStamp).HasMaxLength(64);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasIndex(x => x.GroupId);
            e.HasIndex(x => x.EmployeeId);
            e.HasOne<Group>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(x => x.Roles).WithOne().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PersonPhoto>(e =>
        {
            e.ToTable("person_photos");
            e.HasKey(x => x.PersonId);
            e.Property(x => x.ContentType).HasMaxLength(50);
            e.HasOne<Person>().WithOne().HasForeignKey<PersonPhoto>(x => x.PersonId).OnDelete(DeleteBehavior.Cascade);
        });

        var workflowsComparer = new ValueComparer<HashSet<Workflow>>(
            (a, b) => a!.SetEquals(b!),
            v => v.Aggregate(0, (h, w) => h ^ w.GetHashCode()),
            v => v.ToHashSet());
        modelBuilder.Entity<Role>(e =>
        {
            e.ToTable("roles");
            e.Property(x => x.Name).HasMaxLength(100);
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Description).HasMaxLength(500);
            e.Property(x => x.Scope).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.Workflows)
                .HasConversion(
                    v => string.Join(',', v.Select(w => w.ToString()).Order(StringComparer.Ordinal)),
                    v => v.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<Workflow>).ToHashSet())
                .HasMaxLength(2000)
                .Metadata.SetValueComparer(workflowsComparer);
        });

        modelBuilder.Entity<PersonRole>(e =>
        {
            e.ToTable("person_roles");
            e.HasKey(x => new { x.PersonId, x.RoleId });
            e.HasOne(x => x.Role).WithMany().HasForeignKey(x => x.RoleId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ApiClient>(e =>
        {
            e.ToTable("api_clients");
            e.Property(x => x.Name).HasMaxLength(100);
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Scope).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.SecretHash).HasMaxLength(32);
            e.HasOne(x => x.Role).WithMany().HasForeignKey(x => x.RoleId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Person>().WithMany().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<SettingValue>(e =>
        {
            e.ToTable("settings");
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).HasMaxLength(100);
            e.Property(x => x.Json).HasMaxLength(4000);
            e.Property(x => x.UpdatedBy).HasMaxLength(200);
        });

        modelBuilder.Entity<AuditRecord>(e =>
        {
            e.ToTable("audit_records");
            e.HasKey(x => x.Sequence);
            e.Property(x => x.Sequence).ValueGeneratedNever();
            e.Property(x => x.ActorKind).HasMaxLength(32);
            e.Property(x => x.ActorId).HasMaxLength(64);
            e.Property(x => x.ActorName).HasMaxLength(200);
            e.Property(x => x.Action).HasMaxLength(100);
            e.Property(x => x.Workflow).HasMaxLength(64);
            e.Property(x => x.TargetKind).HasMaxLength(32);
            e.Property(x => x.TargetId).HasMaxLength(200);
            e.Property(x => x.TargetName).HasMaxLength(200);
            e.Property(x => x.SourceAddress).HasMaxLength(64);
            e.Property(x => x.Outcome).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.PreviousHash).HasMaxLength(64);
            e.Property(x => x.Hash).HasMaxLength(64);
            e.HasIndex(x => x.OccurredAt);
            e.HasIndex(x => x.TargetPersonId);
            e.HasIndex(x => x.Action);
        });

        modelBuilder.Entity<DataProtectionKey>(e => e.ToTable("data_protection_keys"));

        modelBuilder.Entity<CertificateAuthorityRecord>(e =>
        {
            e.ToTable("certificate_authorities");
            e.Property(x => x.Name).HasMaxLength(64);
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.KeyAlgorithm).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Subject).HasMaxLength(500);
            e.Property(x => x.KeyStore).HasMaxLength(16);
            e.Property(x => x.KeyId).HasMaxLength(128);
            e.Property(x => x.SerialHex).HasMaxLength(40);
            e.HasOne<CertificateAuthorityRecord>().WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.ApplyConfiguration(new Configurations.IssuedCertificateConfiguration());

        modelBuilder.Entity<CardLayout>(e =>
        {
            e.ToTable("card_layouts");
            e.Property(x => x.Name).HasMaxLength(100);
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Description).HasMaxLength(1000);
        });

        modelBuilder.Entity<CredentialProfile>(e =>
        {
            e.ToTable("credential_profiles");
            e.Property(x => x.Name).HasMaxLength(100);
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Description).HasMaxLength(1000);
            e.Property(x => x.CardDataModel).HasMaxLength(100);
            e.Property(x => x.CardEncoding).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.DeviceRestriction).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.RequireFingerprintsAtIssuance).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.RequireFacialBiometrics).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.CardFormat).HasConversion<string>().HasMaxLength(32);
            e.HasOne<CardLayout>().WithMany().HasForeignKey(x => x.CardLayoutId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(x => x.Certificates).WithOne().HasForeignKey(x => x.ProfileId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Roles).WithOne().HasForeignKey(x => x.ProfileId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ProfileCertificate>(e =>
        {
            e.ToTable("profile_certificates");
            e.Property(x => x.Container).HasMaxLength(100);
            e.Property(x => x.Mode).HasConversion<string>().HasMaxLength(16);
            e.HasOne<CertificatePolicyRecord>().WithMany().HasForeignKey(x => x.PolicyId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<ProfileRole>(e =>
        {
            e.ToTable("profile_roles");
            e.HasKey(x => new { x.ProfileId, x.RoleId });
            e.HasOne(x => x.Role).WithMany().HasForeignKey(x => x.RoleId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<MobileIdentity>(e =>
        {
            e.ToTable("mobile_ids");
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(24);
            e.Property(x => x.Channel).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.RequestedByName).HasMaxLength(200);
            e.Property(x => x.ValidatedByName).HasMaxLength(200);
            e.Property(x => x.LinkToken).HasMaxLength(64);
            e.Property(x => x.EndReason).HasMaxLength(1000);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasIndex(x => x.LinkToken).IsUnique();
            e.HasIndex(x => new { x.PersonId, x.Status });
            e.HasIndex(x => x.DeviceId);
            e.HasIndex(x => x.CodeLookup);
            e.HasOne<Person>().WithMany().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<CredentialProfile>().WithMany().HasForeignKey(x => x.ProfileId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Device>().WithMany().HasForeignKey(x => x.DeviceId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<OtaToken>(e =>
        {
            e.ToTable("ota_tokens");
            e.HasIndex(x => x.TokenHash).IsUnique();
            e.HasIndex(x => x.MobileIdentityId);
            e.HasOne<MobileIdentity>().WithMany().HasForeignKey(x => x.MobileIdentityId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<UnlockRequest>(e =>
        {
            e.ToTable("unlock_requests");
            e.Property(x => x.Challenge).HasMaxLength(16);
            e.Property(x => x.IssuedByName).HasMaxLength(200);
            e.Property(x => x.Delivered).HasMaxLength(2000);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasIndex(x => new { x.DeviceId, x.Challenge });
            e.HasIndex(x => x.MobileIdentityId);
            e.HasOne<MobileIdentity>().WithMany().HasForeignKey(x => x.MobileIdentityId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Device>().WithMany().HasForeignKey(x => x.DeviceId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Device>(e =>
        {
            e.ToTable("devices");
            e.Property(x => x.SerialNumber).HasMaxLength(100);
            e.HasIndex(x => x.SerialNumber).IsUnique();
            e.Property(x => x.Platform).HasMaxLength(32);
            e.Property(x => x.OsVersion).HasMaxLength(64);
            e.Property(x => x.Model).HasMaxLength(100);
            e.Property(x => x.KeyStores).HasMaxLength(500);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(x => x.OwnerId);
            e.HasOne<Person>().WithMany().HasForeignKey(x => x.OwnerId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Notification>(e =>
        {
            e.ToTable("notifications");
            e.Property(x => x.Channel).HasConversion<string>().HasMaxLength(8);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Recipient).HasMaxLength(320);
            e.Property(x => x.Subject).HasMaxLength(500);
            e.Property(x => x.Template).HasMaxLength(64);
            e.Property(x => x.LastError).HasMaxLength(2000);
            e.HasIndex(x => new { x.Status, x.NextAttemptAt });
            e.HasIndex(x => x.MobileIdentityId);
            e.HasIndex(x => x.PersonId);
        });

        modelBuilder.Entity<WebhookSubscription>(e =>
        {
            e.ToTable("webhook_subscriptions");
            e.Property(x => x.Name).HasMaxLength(200);
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.TargetUrl).HasMaxLength(2000);
            e.Property(x => x.EventTypes).HasMaxLength(500);
        });

        modelBuilder.Entity<WebhookDelivery>(e =>
        {
            e.ToTable("webhook_deliveries");
            e.Property(x => x.EventType).HasMaxLength(32);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.LastError).HasMaxLength(2000);
            e.HasIndex(x => new { x.Status, x.NextAttemptAt });
            e.HasIndex(x => new { x.SubscriptionId, x.CreatedAt });
            e.HasOne<WebhookSubscription>().WithMany().HasForeignKey(x => x.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<WebhookAttempt>(e =>
        {
            e.ToTable("webhook_attempts");
            e.Property(x => x.Error).HasMaxLength(2000);
            e.HasIndex(x => new { x.DeliveryId, x.Number });
            e.HasOne<WebhookDelivery>().WithMany().HasForeignKey(x => x.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<MessageTemplate>(e =>
        {
            e.ToTable("message_templates");
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).HasMaxLength(64);
            e.Property(x => x.Subject).HasMaxLength(500);
            e.Property(x => x.UpdatedBy).HasMaxLength(200);
        });

        modelBuilder.Entity<ServerSecret>(e =>
        {
            e.ToTable("server_secrets");
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(64);
        });

        modelBuilder.Entity<ArchivedKey>(e =>
        {
            e.ToTable("archived_keys");
            e.HasKey(x => x.CertificateId);
            e.Property(x => x.KeyStore).HasMaxLength(16);
            e.HasOne<IssuedCertificate>().WithOne().HasForeignKey<ArchivedKey>(x => x.CertificateId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<CrlRecord>(e =>
        {
            e.ToTable("crls");
            e.HasIndex(x => new { x.IssuerId, x.Number }).IsUnique();
            e.HasIndex(x => new { x.IssuerId, x.IsDelta, x.Number });
            e.HasOne<CertificateAuthorityRecord>().WithMany().HasForeignKey(x => x.IssuerId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<CertificatePolicyRecord>(e =>
        {
            e.ToTable("certificate_policies");
            e.Property(x => x.Name).HasMaxLength(100);
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.KeyAlgorithm).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.KeyGeneration).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.ExtendedKeyUsages).HasMaxLength(1000);
            e.Property(x => x.PolicyOids).HasMaxLength(1000);
            e.Property(x => x.SubjectTemplate).HasMaxLength(500);
            e.Property(x => x.UpnSuffix).HasMaxLength(253);
            e.HasOne<CertificateAuthorityRecord>().WithMany().HasForeignKey(x => x.IssuerId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<UnmanagedCertificate>(e =>
        {
            e.ToTable("unmanaged_certificates");
            e.Property(x => x.Subject).HasMaxLength(500);
            e.Property(x => x.Issuer).HasMaxLength(500);
            e.Property(x => x.SerialHex).HasMaxLength(80);
            e.Property(x => x.Sha256Thumbprint).HasMaxLength(64);
            e.Property(x => x.KeyStore).HasMaxLength(16);
            e.HasIndex(x => new { x.PersonId, x.Sha256Thumbprint }).IsUnique();
            e.HasOne<Person>().WithMany().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<RevocationEpoch>(e =>
        {
            e.ToTable("revocation_epoch");
            e.Property(x => x.Id).ValueGeneratedNever();
            e.HasData(new RevocationEpoch { Id = 1, Value = 0 });
        });

        modelBuilder.Entity<AuditHead>(e =>
        {
            e.ToTable("audit_head");
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.LastHash).HasMaxLength(64);
            e.HasData(new AuditHead { Id = 1, LastSequence = 0, LastHash = AuditChain.Genesis, Writes = 0 });
        });
    }

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
