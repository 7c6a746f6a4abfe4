using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="CardLayout"/> to the <c>card_layouts</c> table.</summary>
internal sealed class CardLayoutConfiguration : IEntityTypeConfiguration<CardLayout>
{
    public void Configure(EntityTypeBuilder<CardLayout> e)
    {
        e.ToTable("card_layouts");
        e.Property(x => x.Name).HasMaxLength(100);
        e.HasIndex(x => x.Name).IsUnique();
        e.Property(x => x.Description).HasMaxLength(1000);
    }
}
