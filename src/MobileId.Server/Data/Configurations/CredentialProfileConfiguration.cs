using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="CredentialProfile"/> to the <c>credential_profiles</c> table.</summary>
internal sealed class CredentialProfileConfiguration : IEntityTypeConfiguration<CredentialProfile>
{
    public void Configure(EntityTypeBuilder<CredentialProfile> e)
    {
        e.ToTable("credential_profiles");
        e.Property(x => x.Name).HasMaxLength(100);
        e.HasIndex(x => x.Name).IsUnique();
        e.Property(x => x.Description).HasMaxLength(1000);
        e.Property(x => x.CardDataModel).HasMaxLength(100);
        e.Property(x => x.CardEncoding).HasConversion<string>().HasMaxLength(32);
        e.Property(x => x.DeviceRestriction).HasConversion<string>().HasMaxLength(32);
        e.Property(x => x.RequireFingerprintsAtIssuance).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.RequireFacialBiometrics).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.CardFormat).HasConversion<string>().HasMaxLength(32);
        e.HasOne<CardLayout>().WithMany().HasForeignKey(x => x.CardLayoutId).OnDelete(DeleteBehavior.Restrict);
        e.HasMany(x => x.Certificates).WithOne().HasForeignKey(x => x.ProfileId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(x => x.Roles).WithOne().HasForeignKey(x => x.ProfileId).OnDelete(DeleteBehavior.Cascade);
    }
}
