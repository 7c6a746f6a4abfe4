using System.Security.Cryptography.X509Certificates;

namespace MobileId.Testing;

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
        Configure(App);
        Base = App.StartOnLoopback(HttpsCertificate);
    }

    /// <summary>The server's TLS certificate with its key when it serves HTTPS (EST needs TLS); plain HTTP by default.</summary>
    protected virtual X509Certificate2? HttpsCertificate => null;

    /// <summary>More configuration for the server (<see cref="MobileIdApp.Settings"/>) before it starts; none by default.</summary>
    protected virtual void Configure(MobileIdApp app)
    {
    }

    public virtual async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _database.DisposeAsync();
    }
}
