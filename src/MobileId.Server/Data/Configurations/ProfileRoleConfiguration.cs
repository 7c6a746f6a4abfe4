using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="ProfileRole"/> to the <c>profile_roles</c> table.</summary>
internal sealed class ProfileRoleConfiguration : IEntityTypeConfiguration<ProfileRole>
{
    public void Configure(EntityTypeBuilder<ProfileRole> e)
    {
        e.ToTable("profile_roles");
        e.HasKey(x => new { x.ProfileId, x.RoleId });
        e.HasOne(x => x.Role).WithMany().HasForeignKey(x => x.RoleId).OnDelete(DeleteBehavior.Cascade);
    }
}
