using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="UnlockRequest"/> to the <c>unlock_requests</c> table.</summary>
internal sealed class UnlockRequestConfiguration : IEntityTypeConfiguration<UnlockRequest>
{
    public void Configure(EntityTypeBuilder<UnlockRequest> e)
    {
        e.ToTable("unlock_requests");
        e.Property(x => x.Challenge).HasMaxLength(16);
        e.Property(x => x.IssuedByName).HasMaxLength(200);
        e.Property(x => x.Delivered).HasMaxLength(2000);
        e.Property(x => x.Version).IsConcurrencyToken();
        e.HasIndex(x => new { x.DeviceId, x.Challenge });
        e.HasIndex(x => x.MobileIdentityId);
        e.HasOne<MobileIdentity>().WithMany().HasForeignKey(x => x.MobileIdentityId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Device>().WithMany().HasForeignKey(x => x.DeviceId).OnDelete(DeleteBehavior.Restrict);
    }
}
