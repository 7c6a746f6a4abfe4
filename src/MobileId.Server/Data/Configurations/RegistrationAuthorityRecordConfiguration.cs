using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="RegistrationAuthorityRecord"/> to the <c>registration_authorities</c> table.</summary>
internal sealed class RegistrationAuthorityRecordConfiguration : IEntityTypeConfiguration<RegistrationAuthorityRecord>
{
    public void Configure(EntityTypeBuilder<RegistrationAuthorityRecord> e)
    {
        e.ToTable("registration_authorities");
        e.HasIndex(x => x.IssuerId);
        e.HasOne<CertificateAuthorityRecord>().WithMany().HasForeignKey(x => x.IssuerId).OnDelete(DeleteBehavior.Restrict);
    }
}
