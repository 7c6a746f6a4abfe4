using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MobileId.Server.Data;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.People;
using MobileId.Server.Infrastructure;

namespace MobileId.Testing;

/// <summary>The real server in memory, on its own database; one per test class.</summary>
public class MobileIdApp : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public MobileIdApp(TestDatabase database) => Database = database;

    public TestDatabase Database { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("MobileId:DataDirectory", Path.Combine(Database.Directory, "data"));
        builder.UseSetting("MobileId:Database:Provider", Database.Provider.ToString());
        builder.UseSetting("MobileId:Database:ConnectionString", Database.ConnectionString);
        builder.UseSetting("MobileId:Security:PasswordIterations", "100000");
        builder.UseSetting("Logging:Console:FormatterName", "simple");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (TestServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    /// <summary>Services that replace the server's own for this test (set before it starts), such as a fake clock.</summary>
    public Action<IServiceCollection>? TestServices { get; set; }

    /// <summary>More configuration for this server (set before it starts).</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Serves on Kestrel at a free loopback port, for clients outside this process (openssl); returns the
    /// base address. With <paramref name="httpsCertificate"/> it serves HTTPS with that certificate.
    /// </summary>
    public string StartOnLoopback(System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate = null)
    {
        UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l =>
        {
            if (httpsCertificate is not null)
            {
                l.UseHttps(httpsCertificate);
            }
        }));
        StartServer();
        return Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    /// <summary>
    /// Issues an EC P-256 client-authentication leaf straight from a CA through the certificate
    /// service, for tests about what happens to a certificate after issuance.
    /// </summary>
    public async Task<IssuedCertificate> IssueLeafAsync(string commonName, Guid? personId = null, string ca = "MobileIdIssuingCA",
        System.Security.Cryptography.ECDsa? subjectKey = null)
    {
        using var made = subjectKey is null ? System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256) : null;
        var key = subjectKey ?? made!;
        var profile = new MobileId.Pki.Authority.LeafProfile(new System.Security.Cryptography.X509Certificates.X500DistinguishedName($"CN={commonName}"),
            System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature, ["1.3.6.1.5.5.7.3.2"], null, [], TimeSpan.FromDays(30));
        var result = await WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.Certificates.CertificateService>().IssueAsync(
            Caller.System("test"), ca, new System.Security.Cryptography.X509Certificates.PublicKey(key), profile,
            new MobileId.Server.Features.Certificates.IssueFor(personId), CancellationToken.None));
        Assert.True(result.IsSuccess, result.Error?.Detail);
        return result.Value!;
    }

    /// <summary>Runs code with the server's own services, in a scope of its own.</summary>
    public async Task<T> WithServicesAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    public Task WithDbAsync(Func<MobileIdDbContext, Task> action) =>
        WithServicesAsync<bool>(async s =>
        {
            await action(s.GetRequiredService<MobileIdDbContext>());
            return true;
        });

    /// <summary>An HTTP client that authenticates as a new API client with this role and scope.</summary>
    public async Task<HttpClient> ClientForAsync(string role, Scope? scope = null, Guid? personId = null)
    {
        var created = await WithServicesAsync(s => s.GetRequiredService<ApiClientsService>().CreateAsync(
            Caller.System("test"), new CreateApiClientRequest("client-" + Guid.NewGuid().ToString("N")[..10], role, scope, personId), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Value!.Secret);
        return client;
    }

    public Task<HttpClient> AdminClientAsync() => ClientForAsync("Administrator", Scope.All);

    /// <summary>Creates a person directly through the service (as the system).</summary>
    public async Task<PersonView> CreatePersonAsync(string logon, Guid? groupId = null, string? email = null, params string[] roles)
    {
        var result = await WithServicesAsync(s => s.GetRequiredService<PeopleService>().CreateAsync(
            Caller.System("test"), new PersonInput(logon, "Test", logon, email, null, groupId, null, null, null, null), CancellationToken.None));
        Assert.True(result.IsSuccess, result.Error?.Detail);
        if (roles.Length > 0)
        {
            var assigned = await WithServicesAsync(s => s.GetRequiredService<RolesService>().AssignAsync(
                Caller.System("test"), result.Value!.Id, roles, CancellationToken.None));
            Assert.True(assigned.IsSuccess, assigned.Error?.Detail);
        }

        return result.Value!;
    }

    public async Task<Guid> CreateGroupAsync(string name, Guid? parent = null)
    {
        var result = await WithServicesAsync(s => s.GetRequiredService<GroupsService>().CreateAsync(
            Caller.System("test"), new CreateGroupRequest(name, parent), CancellationToken.None));
        Assert.True(result.IsSuccess, result.Error?.Detail);
        return result.Value!.Id;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(Json);

    /// <summary>Asserts an RFC 9457 problem response with this status and code, and returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status} but got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}

/// <summary>Starts one <see cref="MobileIdApp"/> per test class on the given database.</summary>
public abstract class AppFixture(DatabaseProvider provider) : IAsyncLifetime
{
    private TestDatabase? _database;

    public MobileIdApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        App = new MobileIdApp(_database);
        Configure(App);
        App.CreateClient().Dispose();
    }

    /// <summary>More configuration for the server (<see cref="MobileIdApp.Settings"/>) before it starts; none by default.</summary>
    protected virtual void Configure(MobileIdApp app)
    {
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

public sealed class SqliteAppFixture() : AppFixture(DatabaseProvider.Sqlite);

public sealed class PostgresAppFixture() : AppFixture(DatabaseProvider.PostgreSql);
