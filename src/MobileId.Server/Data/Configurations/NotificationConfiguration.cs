using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="Notification"/> to the <c>notifications</c> table.</summary>
internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> e)
    {
        e.ToTable("notifications");
        e.Property(x => x.Channel).HasConversion<string>().HasMaxLength(8);
        e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.Recipient).HasMaxLength(320);
        e.Property(x => x.Subject).HasMaxLength(500);
        e.Property(x => x.Template).HasMaxLength(64);
        e.Property(x => x.LastError).HasMaxLength(2000);
        e.HasIndex(x => new { x.Status, x.NextAttemptAt });
        e.HasIndex(x => x.MobileIdentityId);
        e.HasIndex(x => x.PersonId);
    }
}
