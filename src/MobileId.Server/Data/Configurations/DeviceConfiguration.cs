using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="Device"/> to the <c>devices</c> table.</summary>
internal sealed class DeviceConfiguration : IEntityTypeConfiguration<Device>
{
    public void Configure(EntityTypeBuilder<Device> e)
    {
        e.ToTable("devices");
        e.Property(x => x.SerialNumber).HasMaxLength(100);
        e.HasIndex(x => x.SerialNumber).IsUnique();
        e.Property(x => x.Platform).HasMaxLength(32);
        e.Property(x => x.OsVersion).HasMaxLength(64);
        e.Property(x => x.Model).HasMaxLength(100);
        e.Property(x => x.KeyStores).HasMaxLength(500);
        e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        e.HasIndex(x => x.OwnerId);
        e.HasOne<Person>().WithMany().HasForeignKey(x => x.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}
