using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="ContentSignerRecord"/> to the <c>content_signers</c> table.</summary>
internal sealed class ContentSignerRecordConfiguration : IEntityTypeConfiguration<ContentSignerRecord>
{
    public void Configure(EntityTypeBuilder<ContentSignerRecord> e)
    {
        e.ToTable("content_signers");
        e.Property(x => x.KeyId).HasMaxLength(128);
        e.HasIndex(x => x.IssuerId);
        e.HasOne<CertificateAuthorityRecord>().WithMany().HasForeignKey(x => x.IssuerId).OnDelete(DeleteBehavior.Restrict);
    }
}
