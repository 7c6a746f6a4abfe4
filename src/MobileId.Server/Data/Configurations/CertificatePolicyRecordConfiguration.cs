using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="CertificatePolicyRecord"/> to the <c>certificate_policies</c> table.</summary>
internal sealed class CertificatePolicyRecordConfiguration : IEntityTypeConfiguration<CertificatePolicyRecord>
{
    public void Configure(EntityTypeBuilder<CertificatePolicyRecord> e)
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
    }
}
