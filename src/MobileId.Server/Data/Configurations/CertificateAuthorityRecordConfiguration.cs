using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="CertificateAuthorityRecord"/> to the <c>certificate_authorities</c> table.</summary>
internal sealed class CertificateAuthorityRecordConfiguration : IEntityTypeConfiguration<CertificateAuthorityRecord>
{
    public void Configure(EntityTypeBuilder<CertificateAuthorityRecord> e)
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
    }
}
