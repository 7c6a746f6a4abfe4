using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Infrastructure;

public static class DatabaseSetup
{
    /// <summary>
    /// Registers both database flavours; <see cref="MobileIdDbContext"/> resolves to the one that
    /// <c>MobileId:Database:Provider</c> names. Options are read when the first context is made, not here;
    /// so are the EF interceptors the features register as <see cref="IInterceptor"/> singletons (the audit
    /// chain, the webhook outbox), which take part in every save.
    /// </summary>
    /// <remarks>
    /// Note: the context options are singletons: built once, not for every request, which cost
    /// about 1.5 % of the server's CPU in a collection (docs/performance.md). Each context is still per scope.
    /// </remarks>
    public static IServiceCollection AddMobileIdDatabase(this IServiceCollection services)
    {
        services.AddDbContext<SqliteMobileIdDbContext>(
            (sp, o) => o.UseSqlite(ConnectionString(sp)).AddInterceptors(sp.GetServices<IInterceptor>()), ServiceLifetime.Scoped, ServiceLifetime.Singleton);
        services.AddDbContext<PostgresMobileIdDbContext>(
            (sp, o) => o.UseNpgsql(ConnectionString(sp)).AddInterceptors(sp.GetServices<IInterceptor>()), ServiceLifetime.Scoped, ServiceLifetime.Singleton);
        services.AddScoped<MobileIdDbContext>(sp =>
            sp.GetRequiredService<IOptions<MobileIdOptions>>().Value.Database.Provider switch
            {
                DatabaseProvider.Sqlite => sp.GetRequiredService<SqliteMobileIdDbContext>(),
                DatabaseProvider.PostgreSql => sp.GetRequiredService<PostgresMobileIdDbContext>(),
            });
        return services;
    }

    private static string ConnectionString(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<MobileIdOptions>>().Value;
        var configured = options.Database.ConnectionString;
        return configured ?? (options.Database.Provider == DatabaseProvider.Sqlite ? DefaultSqliteConnectionString(options.DataPath) : "");
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

        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        var known = db.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
        if (applied.FirstOrDefault(m => !known.Contains(m)) is { } foreign)
        {
            // Note: a database written by another schema history (a newer MobileId, or a development
            // build from before the migrations were consolidated) is never altered.
            throw new InvalidOperationException(
                $"The database has schema migration {foreign}, which this MobileId does not know: it was made by a newer version or by a development build whose migrations were later consolidated. "
                + "Use the MobileId version that made it, or start with a new database.");
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}
