using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="Group"/> to the <c>groups</c> table.</summary>
internal sealed class GroupConfiguration : IEntityTypeConfiguration<Group>
{
    public void Configure(EntityTypeBuilder<Group> e)
    {
        e.ToTable("groups");
        e.Property(x => x.Name).HasMaxLength(200);
        e.HasIndex(x => new { x.ParentId, x.Name }).IsUnique();
        e.HasOne<Group>().WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
    }
}
