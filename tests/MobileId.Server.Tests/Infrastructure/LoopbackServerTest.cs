namespace MobileId.Server.Tests.Infrastructure;

/// <summary>
/// A test class whose every test gets a fresh MobileId server on Kestrel (loopback, SQLite), for
/// third-party clients that need a real address: openssl, the agent.
/// </summary>
public abstract class LoopbackServerTest : IAsyncLifetime
{
    private TestDatabase _database = null!;

    protected MobileIdApp App { get; private set; } = null!;

    /// <summary>The server's address, such as <c>http://127.0.0.1:40123</c>.</summary>
    protected string Base { get; private set; } = "";

    public virtual async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        App = new MobileIdApp(_database);
        Base = App.StartOnLoopback();
    }

    public virtual async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _database.DisposeAsync();
    }
}
