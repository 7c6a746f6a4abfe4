using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="OtaToken"/> to the <c>ota_tokens</c> table.</summary>
internal sealed class OtaTokenConfiguration : IEntityTypeConfiguration<OtaToken>
{
    public void Configure(EntityTypeBuilder<OtaToken> e)
    {
        e.ToTable("ota_tokens");
        e.HasIndex(x => x.TokenHash).IsUnique();
        e.HasIndex(x => x.MobileIdentityId);
        e.HasOne<MobileIdentity>().WithMany().HasForeignKey(x => x.MobileIdentityId).OnDelete(DeleteBehavior.Cascade);
    }
}
