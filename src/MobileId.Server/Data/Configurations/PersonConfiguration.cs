using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="Person"/> to the <c>people</c> table.</summary>
internal sealed class PersonConfiguration : IEntityTypeConfiguration<Person>
{
    public void Configure(EntityTypeBuilder<Person> e)
    {
        e.ToTable("people");
        e.Property(x => x.LogonName).HasMaxLength(128);
        e.Property(x => x.NormalizedLogonName).HasMaxLength(128);
        e.HasIndex(x => x.NormalizedLogonName).IsUnique();
        e.Property(x => x.FirstName).HasMaxLength(100);
        e.Property(x => x.LastName).HasMaxLength(100);
        e.Property(x => x.Email).HasMaxLength(254);
        e.Property(x => x.Mobile).HasMaxLength(32);
        e.Property(x => x.EmployeeId).HasMaxLength(64);
        e.Property(x => x.JobTitle).HasMaxLength(100);
        e.Property(x => x.Organization).HasMaxLength(100);
        e.Property(x => x.SearchText).HasMaxLength(800);
        e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.PasswordHash).HasMaxLength(200);
        e.Property(x => x.SecurityStamp).HasMaxLength(64);
        e.Property(x => x.Version).IsConcurrencyToken();
        e.HasIndex(x => x.GroupId);
        e.HasIndex(x => x.EmployeeId);
        e.HasOne<Group>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Restrict);
        e.HasMany(x => x.Roles).WithOne().HasForeignKey(x => x.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}
