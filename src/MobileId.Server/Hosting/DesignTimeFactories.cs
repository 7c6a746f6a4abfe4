using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MobileId.Server.Hosting;

/// <summary>Lets <c>dotnet ef</c> build the SQLite model without a running host.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteMobileIdDbContext>
{
    public SqliteMobileIdDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteMobileIdDbContext>().UseSqlite("Data Source=design.db")
            .AddInterceptors(DesignTimeInterceptors.All()).Options);
}

/// <summary>Lets <c>dotnet ef</c> build the PostgreSQL model without a database.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresMobileIdDbContext>
{
    public PostgresMobileIdDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresMobileIdDbContext>().UseNpgsql("Host=localhost;Database=design")
            .AddInterceptors(DesignTimeInterceptors.All()).Options);
}

/// <summary>The interceptors the server's own registrations give every context, so a design-time context saves as the server's does.</summary>
internal static class DesignTimeInterceptors
{
    public static IInterceptor[] All()
    {
        using var services = new ServiceCollection().AddMobileIdServices().BuildServiceProvider();
        return [.. services.GetServices<IInterceptor>()];
    }
}
