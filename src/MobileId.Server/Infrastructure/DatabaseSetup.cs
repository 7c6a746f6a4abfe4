using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Infrastructure;

public static class DatabaseSetup
{
    public static IServiceCollection AddMobileIdDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new MobileIdOptions();
        configuration.GetSection(MobileIdOptions.Section).Bind(options);
        var legacy = configuration.GetConnectionString("MobileId");
        var connectionString = options.Database.ConnectionString ?? legacy;

        switch (options.Database.Provider)
        {
            case DatabaseProvider.Sqlite:
                connectionString ??= DefaultSqliteConnectionString(options.DataPath);
                services.AddDbContext<SqliteMobileIdDbContext>(o => o.UseSqlite(connectionString));
                services.AddScoped<MobileIdDbContext>(sp => sp.GetRequiredService<SqliteMobileIdDbContext>());
                break;
            case DatabaseProvider.PostgreSql:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new OptionsValidationException(nameof(MobileIdOptions), typeof(MobileIdOptions), [
                        "MobileId:Database:ConnectionString is required when MobileId:Database:Provider is PostgreSql.",
                    ]);
                }

                services.AddDbContext<PostgresMobileIdDbContext>(o => o.UseNpgsql(connectionString));
                services.AddScoped<MobileIdDbContext>(sp => sp.GetRequiredService<PostgresMobileIdDbContext>());
                break;
            default:
                throw new OptionsValidationException(nameof(MobileIdOptions), typeof(MobileIdOptions), [
                    $"MobileId:Database:Provider '{options.Database.Provider}' is not supported; use Sqlite or PostgreSql.",
                ]);
        }

        return services;
    }

    public static string DefaultSqliteConnectionString(string dataPath) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataPath, "mobileid.db") }.ToString();

    /// <summary>Creates or upgrades the schema. SQLite also switches to WAL so readers never wait for the writer.</summary>
    public static async Task MigrateAsync(MobileIdDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite())
        {
            var builder = new SqliteConnectionStringBuilder(db.Database.GetConnectionString());
            var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}

/// <summary>Lets <c>dotnet ef</c> build the SQLite model without a running host.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteMobileIdDbContext>
{
    public SqliteMobileIdDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteMobileIdDbContext>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef</c> build the PostgreSQL model without a database.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresMobileIdDbContext>
{
    public PostgresMobileIdDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresMobileIdDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
