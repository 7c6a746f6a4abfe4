using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MobileId.Server.Data.Configurations;

/// <summary>Maps <see cref="ServerSecret"/> to the <c>server_secrets</c> table.</summary>
internal sealed class ServerSecretConfiguration : IEntityTypeConfiguration<ServerSecret>
{
    public void Configure(EntityTypeBuilder<ServerSecret> e)
    {
        e.ToTable("server_secrets");
        e.HasKey(x => x.Name);
        e.Property(x => x.Name).HasMaxLength(64);
    }
}
