using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>
/// The issued certificates: end-entity certificates and the CAs' service certificates (content
/// signer, OCSP responder, registration authority), one table told apart by <see cref="IssuedCertificate.Purpose"/>.
/// </summary>
public sealed class IssuedCertificateConfiguration : IEntityTypeConfiguration<IssuedCertificate>
{
    public void Configure(EntityTypeBuilder<IssuedCertificate> e)
    {
        e.ToTable("issued_certificates");
        e.Property(x => x.SerialHex).HasMaxLength(40);
        e.HasIndex(x => new { x.IssuerId, x.SerialHex }).IsUnique();
        e.HasIndex(x => new { x.IssuerId, x.Status });
        e.HasIndex(x => new { x.IssuerId, x.Purpose, x.NotAfter });
        e.HasIndex(x => new { x.PersonId, x.PolicyId });
        e.HasIndex(x => new { x.MobileIdentityId, x.Slot }).IsUnique();
        e.HasIndex(x => x.RenewsId).IsUnique();
        e.HasIndex(x => x.NotAfter);
        e.HasIndex(x => x.KeyHash);
        e.HasIndex(x => x.DeviceId);
        e.HasOne<Device>().WithMany().HasForeignKey(x => x.DeviceId).OnDelete(DeleteBehavior.Restrict);
        e.Property(x => x.Subject).HasMaxLength(500);
        e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.Purpose).HasConversion<string>().HasMaxLength(24);
        e.Property(x => x.KeyId).HasMaxLength(128);
        e.HasOne<CertificateAuthorityRecord>().WithMany().HasForeignKey(x => x.IssuerId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Person>().WithMany().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<CertificatePolicyRecord>().WithMany().HasForeignKey(x => x.PolicyId).OnDelete(DeleteBehavior.Restrict);
    }
}
