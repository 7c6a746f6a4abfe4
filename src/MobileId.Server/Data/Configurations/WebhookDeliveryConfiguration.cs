using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="WebhookDelivery"/> to the <c>webhook_deliveries</c> table.</summary>
internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> e)
    {
        e.ToTable("webhook_deliveries");
        e.Property(x => x.EventType).HasMaxLength(32);
        e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.LastError).HasMaxLength(2000);
        e.HasIndex(x => new { x.Status, x.NextAttemptAt });
        e.HasIndex(x => new { x.SubscriptionId, x.CreatedAt });
        e.HasOne<WebhookSubscription>().WithMany().HasForeignKey(x => x.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
