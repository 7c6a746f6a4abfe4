using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="ArchivedKey"/> to the <c>archived_keys</c> table.</summary>
internal sealed class ArchivedKeyConfiguration : IEntityTypeConfiguration<ArchivedKey>
{
    public void Configure(EntityTypeBuilder<ArchivedKey> e)
    {
        e.ToTable("archived_keys");
        e.HasKey(x => x.CertificateId);
        e.Property(x => x.KeyStore).HasMaxLength(16);
        e.HasOne<IssuedCertificate>().WithOne().HasForeignKey<ArchivedKey>(x => x.CertificateId).OnDelete(DeleteBehavior.Restrict);
    }
}
