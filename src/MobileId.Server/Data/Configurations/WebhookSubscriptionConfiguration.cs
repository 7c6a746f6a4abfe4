using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="WebhookSubscription"/> to the <c>webhook_subscriptions</c> table.</summary>
internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> e)
    {
        e.ToTable("webhook_subscriptions");
        e.Property(x => x.Name).HasMaxLength(200);
        e.HasIndex(x => x.Name).IsUnique();
        e.Property(x => x.TargetUrl).HasMaxLength(2000);
        e.Property(x => x.EventTypes).HasMaxLength(500);
    }
}
