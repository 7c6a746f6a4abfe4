using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="RevocationEpoch"/> to the <c>revocation_epoch</c> table.</summary>
internal sealed class RevocationEpochConfiguration : IEntityTypeConfiguration<RevocationEpoch>
{
    public void Configure(EntityTypeBuilder<RevocationEpoch> e)
    {
        e.ToTable("revocation_epoch");
        e.Property(x => x.Id).ValueGeneratedNever();
        e.HasData(new RevocationEpoch { Id = 1, Value = 0 });
    }
}
