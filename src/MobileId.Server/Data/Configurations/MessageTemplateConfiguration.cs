using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="MessageTemplate"/> to the <c>message_templates</c> table.</summary>
internal sealed class MessageTemplateConfiguration : IEntityTypeConfiguration<MessageTemplate>
{
    public void Configure(EntityTypeBuilder<MessageTemplate> e)
    {
        e.ToTable("message_templates");
        e.HasKey(x => x.Key);
        e.Property(x => x.Key).HasMaxLength(64);
        e.Property(x => x.Subject).HasMaxLength(500);
        e.Property(x => x.UpdatedBy).HasMaxLength(200);
    }
}
