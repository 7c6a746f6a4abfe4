using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MimeKit;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Settings;

namespace MobileId.Testing.Features.Notifications;

/// <summary>
/// An HTTP SMS gateway on Kestrel (loopback) that records what it is sent and answers with the
/// status the test sets.
/// </summary>
public sealed class SmsGatewayStub : IAsyncDisposable
{
    private WebApplication _app = null!;

    public string Url { get; private set; } = "";

    /// <summary>The status the gateway answers with.</summary>
    public int Status { get; set; } = StatusCodes.Status200OK;

    public ConcurrentQueue<(string? Authorization, JsonElement Body)> Received { get; } = new();

    public static async Task<SmsGatewayStub> StartAsync()
    {
        var stub = new SmsGatewayStub();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        stub._app = builder.Build();
        stub._app.MapPost("/send", async (HttpContext context) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
            stub.Received.Enqueue((context.Request.Headers.Authorization.ToString(), body));
            context.Response.StatusCode = stub.Status;
        });
        await stub._app.StartAsync();
        stub.Url = stub._app.Urls.First().TrimEnd('/') + "/send";
        return stub;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>
/// The server with an HTTP SMS gateway (the stub, with a bearer token from a variable of its own)
/// and email in the default pickup mode; one per test class.
/// </summary>
public abstract class NotificationsAppFixture(DatabaseProvider provider) : IAsyncLifetime
{
    public const string Token = "test-gateway-token";
    public const int MaxAttempts = 4;

    private TestDatabase? _database;
    private string _tokenVariable = "";

    public MobileIdApp App { get; private set; } = null!;

    public SmsGatewayStub Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = await SmsGatewayStub.StartAsync();
        _database = await TestDatabase.CreateAsync(provider);
        _tokenVariable = "MOBILEID_TEST_SMS_TOKEN_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(_tokenVariable, Token);
        App = new MobileIdApp(_database);
        App.Settings["MobileId:Sms:GatewayUrl"] = Gateway.Url;
        App.Settings["MobileId:Sms:TokenVariable"] = _tokenVariable;
        App.Settings["MobileId:Notifications:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        App.CreateClient().Dispose();
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Gateway.DisposeAsync();
        Environment.SetEnvironmentVariable(_tokenVariable, null);
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

public sealed class SqliteNotificationsAppFixture() : NotificationsAppFixture(DatabaseProvider.Sqlite);

public sealed class PostgresNotificationsAppFixture() : NotificationsAppFixture(DatabaseProvider.PostgreSql);

/// <summary>
/// aiosmtpd (Debian python3-aiosmtpd, installed by ./test.sh) on a loopback port: a real SMTP
/// server whose debugging handler prints every message it accepts.
/// </summary>
public sealed class AioSmtpServer : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private const string End = "------------ END MESSAGE ------------";

    private readonly StringBuilder _output = new();
    private Process _process = null!;

    public int Port { get; private set; }

    public static async Task<AioSmtpServer> StartAsync()
    {
        var server = new AioSmtpServer { Port = LoopbackPorts.Free() };
        var start = new ProcessStartInfo(Python, $"-u -m aiosmtpd -n -l 127.0.0.1:{server.Port}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["PYTHONUNBUFFERED"] = "1";
        server._process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start; ./test.sh installs python3-aiosmtpd.");
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        for (var tries = 0; ; tries++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, server.Port);
                return server;
            }
            catch (SocketException) when (tries < 100 && !server._process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"aiosmtpd did not listen on 127.0.0.1:{server.Port} (./test.sh installs python3-aiosmtpd):\n{server.Output}");
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The messages the server printed, parsed again with MimeKit.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count)
    {
        for (var tries = 0; tries < 100 && CountOf(Output) < count; tries++)
        {
            await Task.Delay(100);
        }

        var messages = new List<MimeMessage>();
        foreach (var part in Output.Split(End).SkipLast(1))
        {
            var text = part[(part.IndexOf("MESSAGE FOLLOWS ----------", StringComparison.Ordinal) + 26)..].TrimStart('\r', '\n');
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal)));
            messages.Add(await MimeMessage.LoadAsync(stream));
        }

        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int CountOf(string text) => text.Split(End).Length - 1;

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}

/// <summary>What the notification tests do again and again.</summary>
public static class NotificationTesting
{
    public static async Task<PersonView> PersonAsync(MobileIdApp app, string firstName, string lastName, string? email, string? mobile, Guid? groupId = null)
    {
        var logon = "nt." + Guid.NewGuid().ToString("N")[..10];
        var created = await app.WithServicesAsync(s => s.GetRequiredService<PeopleService>().CreateAsync(Caller.System("test"),
            new PersonInput(logon, firstName, lastName, email, mobile, groupId, null, null, null, null), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return created.Value!;
    }

    /// <summary>Queues through the outbox and saves, as a feature does; the notification is held back until <paramref name="holdUntil"/> when given.</summary>
    public static async Task<Notification> EnqueueAsync(MobileIdApp app, Func<NotificationOutbox, Task<Result<Notification>>> enqueue, DateTime? holdUntil = null)
    {
        return await app.WithServicesAsync(async s =>
        {
            var result = await enqueue(s.GetRequiredService<NotificationOutbox>());
            Assert.True(result.IsSuccess, result.Error?.Detail);
            if (holdUntil is { } until)
            {
                result.Value!.NextAttemptAt = until;
            }

            await s.GetRequiredService<MobileIdDbContext>().SaveChangesAsync();
            return result.Value!;
        });
    }

    public static Task<int> DispatchAsync(MobileIdApp app) =>
        app.Services.GetRequiredService<NotificationDispatcher>().DispatchDueAsync(CancellationToken.None);

    public static Task<Notification> RowAsync(MobileIdApp app, Guid id) =>
        app.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Notifications.AsNoTracking().SingleAsync(n => n.Id == id));

    /// <summary>Makes a waiting notification due now (instead of after its backoff).</summary>
    public static Task MakeDueAsync(MobileIdApp app, Guid id) =>
        app.WithDbAsync(db => db.Notifications.Where(n => n.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.NextAttemptAt, DateTime.UtcNow.AddSeconds(-1))));

    public static async Task SetSettingsAsync(MobileIdApp app, params (string Key, object Value)[] values)
    {
        var result = await app.WithServicesAsync(s => s.GetRequiredService<SettingsService>().UpdateAsync(Caller.System("test"),
            values.ToDictionary(v => v.Key, v => JsonSerializer.SerializeToElement(v.Value)), CancellationToken.None));
        Assert.True(result.IsSuccess, result.Error?.Detail);
    }

    /// <summary>An HTTP client with a role that grants Request ID at the given scope.</summary>
    public static async Task<HttpClient> RequestIdClientAsync(MobileIdApp app, Scope scope, Guid? personId = null)
    {
        var role = "nt-request-" + Guid.NewGuid().ToString("N")[..8];
        var created = await app.WithServicesAsync(s => s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
            new RoleInput(role, null, scope, [Workflow.RequestId, Workflow.FindPerson], null, null), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return await app.ClientForAsync(role, scope, personId);
    }

    public static Dictionary<string, string> Values(params (string Key, string Value)[] values) =>
        values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
}
