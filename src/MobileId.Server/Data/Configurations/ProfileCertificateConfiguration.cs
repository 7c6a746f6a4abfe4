using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="ProfileCertificate"/> to the <c>profile_certificates</c> table.</summary>
internal sealed class ProfileCertificateConfiguration : IEntityTypeConfiguration<ProfileCertificate>
{
    public void Configure(EntityTypeBuilder<ProfileCertificate> e)
    {
        e.ToTable("profile_certificates");
        e.Property(x => x.Container).HasMaxLength(100);
        e.Property(x => x.Mode).HasConversion<string>().HasMaxLength(16);
        e.HasOne<CertificatePolicyRecord>().WithMany().HasForeignKey(x => x.PolicyId).OnDelete(DeleteBehavior.Restrict);
    }
}
