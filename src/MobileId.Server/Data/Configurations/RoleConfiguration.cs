using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="Role"/> to the <c>roles</c> table.</summary>
internal sealed class RoleConfiguration : IEntityTypeConfiguration<Role>
{
    /// <summary>Compares workflow sets by content, so a changed set is saved.</summary>
    private static readonly ValueComparer<HashSet<Workflow>> WorkflowsComparer = new(
        (a, b) => a!.SetEquals(b!),
        v => v.Aggregate(0, (h, w) => h ^ w.GetHashCode()),
        v => v.ToHashSet());

    public void Configure(EntityTypeBuilder<Role> e)
    {
        e.ToTable("roles");
        e.Property(x => x.Name).HasMaxLength(100);
        e.HasIndex(x => x.Name).IsUnique();
        e.Property(x => x.Description).HasMaxLength(500);
        e.Property(x => x.Scope).HasConversion<string>().HasMaxLength(32);
        e.Property(x => x.Workflows)
            .HasConversion(
                v => string.Join(',', v.Select(w => w.ToString()).Order(StringComparer.Ordinal)),
                v => v.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<Workflow>).ToHashSet())
            .HasMaxLength(2000)
            .Metadata.SetValueComparer(WorkflowsComparer);
    }
}
