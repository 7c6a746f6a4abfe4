using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="WebhookAttempt"/> to the <c>webhook_attempts</c> table.</summary>
internal sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> e)
    {
        e.ToTable("webhook_attempts");
        e.Property(x => x.Error).HasMaxLength(2000);
        e.HasIndex(x => new { x.DeliveryId, x.Number });
        e.HasOne<WebhookDelivery>().WithMany().HasForeignKey(x => x.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}
