using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="AuditHead"/> to the <c>audit_head</c> table.</summary>
internal sealed class AuditHeadConfiguration : IEntityTypeConfiguration<AuditHead>
{
    public void Configure(EntityTypeBuilder<AuditHead> e)
    {
        e.ToTable("audit_head");
        e.Property(x => x.Id).ValueGeneratedNever();
        e.Property(x => x.LastHash).HasMaxLength(64);
        e.HasData(new AuditHead { Id = 1, LastSequence = 0, LastHash = AuditHead.Genesis, Writes = 0 });
    }
}
