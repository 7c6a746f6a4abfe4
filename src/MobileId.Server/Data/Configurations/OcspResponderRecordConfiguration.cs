using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="OcspResponderRecord"/> to the <c>ocsp_responders</c> table.</summary>
internal sealed class OcspResponderRecordConfiguration : IEntityTypeConfiguration<OcspResponderRecord>
{
    public void Configure(EntityTypeBuilder<OcspResponderRecord> e)
    {
        e.ToTable("ocsp_responders");
        e.Property(x => x.KeyId).HasMaxLength(128);
        e.HasIndex(x => x.IssuerId);
        e.HasOne<CertificateAuthorityRecord>().WithMany().HasForeignKey(x => x.IssuerId).OnDelete(DeleteBehavior.Restrict);
    }
}
