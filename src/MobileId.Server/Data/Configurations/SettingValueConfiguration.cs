using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="SettingValue"/> to the <c>settings</c> table.</summary>
internal sealed class SettingValueConfiguration : IEntityTypeConfiguration<SettingValue>
{
    public void Configure(EntityTypeBuilder<SettingValue> e)
    {
        e.ToTable("settings");
        e.HasKey(x => x.Key);
        e.Property(x => x.Key).HasMaxLength(100);
        e.Property(x => x.Json).HasMaxLength(4000);
        e.Property(x => x.UpdatedBy).HasMaxLength(200);
    }
}
