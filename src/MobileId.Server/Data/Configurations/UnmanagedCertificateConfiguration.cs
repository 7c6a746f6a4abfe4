using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="UnmanagedCertificate"/> to the <c>unmanaged_certificates</c> table.</summary>
internal sealed class UnmanagedCertificateConfiguration : IEntityTypeConfiguration<UnmanagedCertificate>
{
    public void Configure(EntityTypeBuilder<UnmanagedCertificate> e)
    {
        e.ToTable("unmanaged_certificates");
        e.Property(x => x.Subject).HasMaxLength(500);
        e.Property(x => x.Issuer).HasMaxLength(500);
        e.Property(x => x.SerialHex).HasMaxLength(80);
        e.Property(x => x.Sha256Thumbprint).HasMaxLength(64);
        e.Property(x => x.KeyStore).HasMaxLength(16);
        e.HasIndex(x => new { x.PersonId, x.Sha256Thumbprint }).IsUnique();
        e.HasOne<Person>().WithMany().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}
