using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="CrlRecord"/> to the <c>crls</c> table.</summary>
internal sealed class CrlRecordConfiguration : IEntityTypeConfiguration<CrlRecord>
{
    public void Configure(EntityTypeBuilder<CrlRecord> e)
    {
        e.ToTable("crls");
        e.HasIndex(x => new { x.IssuerId, x.Number }).IsUnique();
        e.HasIndex(x => new { x.IssuerId, x.IsDelta, x.Number });
        e.HasOne<CertificateAuthorityRecord>().WithMany().HasForeignKey(x => x.IssuerId).OnDelete(DeleteBehavior.Restrict);
    }
}
