using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="AuditRecord"/> to the <c>audit_records</c> table.</summary>
internal sealed class AuditRecordConfiguration : IEntityTypeConfiguration<AuditRecord>
{
    public void Configure(EntityTypeBuilder<AuditRecord> e)
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
    }
}
