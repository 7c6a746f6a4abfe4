using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="MobileIdentity"/> to the <c>mobile_ids</c> table.</summary>
internal sealed class MobileIdentityConfiguration : IEntityTypeConfiguration<MobileIdentity>
{
    public void Configure(EntityTypeBuilder<MobileIdentity> e)
    {
        e.ToTable("mobile_ids");
        e.Property(x => x.Status).HasConversion<string>().HasMaxLength(24);
        e.Property(x => x.Channel).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.RequestedByName).HasMaxLength(200);
        e.Property(x => x.ValidatedByName).HasMaxLength(200);
        e.Property(x => x.LinkToken).HasMaxLength(64);
        e.Property(x => x.EndReason).HasMaxLength(1000);
        e.Property(x => x.Version).IsConcurrencyToken();
        e.HasIndex(x => x.LinkToken).IsUnique();
        e.HasIndex(x => new { x.PersonId, x.Status });
        e.HasIndex(x => x.DeviceId);
        e.HasIndex(x => x.CodeLookup);
        e.HasOne<Person>().WithMany().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<CredentialProfile>().WithMany().HasForeignKey(x => x.ProfileId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Device>().WithMany().HasForeignKey(x => x.DeviceId).OnDelete(DeleteBehavior.Restrict);
    }
}
