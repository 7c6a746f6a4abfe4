using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="PersonPhoto"/> to the <c>person_photos</c> table.</summary>
internal sealed class PersonPhotoConfiguration : IEntityTypeConfiguration<PersonPhoto>
{
    public void Configure(EntityTypeBuilder<PersonPhoto> e)
    {
        e.ToTable("person_photos");
        e.HasKey(x => x.PersonId);
        e.Property(x => x.ContentType).HasMaxLength(50);
        e.HasOne<Person>().WithOne().HasForeignKey<PersonPhoto>(x => x.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}
