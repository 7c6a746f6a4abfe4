namespace MobileId.Server.Tests.Data;

/// <summary>How the database contexts are registered: options built once, a context per scope.</summary>
public abstract class DatabaseSetupTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    [Fact]
    public async Task MobileIdDbContext_TwoScopes_ShareOneOptionsInstanceButNotTheContext()
    {
        // Act
        var first = await fixture.App.WithServicesAsync(s => Task.FromResult(Resolve(s)));
        var second = await fixture.App.WithServicesAsync(async s =>
        {
            var resolved = Resolve(s);
            Assert.True(await resolved.Context.Database.CanConnectAsync());
            return resolved;
        });

        // Assert
        Assert.Same(first.Options, second.Options);
        Assert.NotSame(first.Context, second.Context);
    }

    private static (object Options, MobileIdDbContext Context) Resolve(IServiceProvider services)
    {
        var context = services.GetRequiredService<MobileIdDbContext>();
        var options = services.GetRequiredService(typeof(DbContextOptions<>).MakeGenericType(context.GetType()));
        return (options, context);
    }
}

public sealed class SqliteDatabaseSetupTests(SqliteAppFixture fixture) : DatabaseSetupTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresDatabaseSetupTests(PostgresAppFixture fixture) : DatabaseSetupTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
