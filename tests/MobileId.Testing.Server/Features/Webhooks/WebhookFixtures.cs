using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MobileId.Testing.Features.Webhooks;

/// <summary>One POST a <see cref="WebhookReceiver"/> was sent: the MobileId-Webhook-* headers and the body as received.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string ContentType, string Body);

/// <summary>
/// A webhook receiver on Kestrel at a given loopback port: it records every POST and answers with the
/// statuses queued by the test (200 when none is queued). It can be stopped and started again on the same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<int> _answers = new();
    private WebApplication? _app;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks/mobileid";

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>A receiver for a free port, not listening yet.</summary>
    public static WebhookReceiver OnFreePort() => new(LoopbackPorts.Free());

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = OnFreePort();
        await receiver.StartListeningAsync();
        return receiver;
    }

    /// <summary>The statuses to answer the next POSTs with, in order.</summary>
    public void AnswerWith(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _answers.Enqueue(status);
        }
    }

    public async Task StartListeningAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, Port));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hooks/mobileid", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers;
            Received.Enqueue(new ReceivedWebhook(headers["MobileId-Webhook-Id"].ToString(), headers["MobileId-Webhook-Timestamp"].ToString(),
                headers["MobileId-Webhook-Signature"].ToString(), context.Request.ContentType ?? "", body));
            context.Response.StatusCode = _answers.TryDequeue(out var status) ? status : StatusCodes.Status200OK;
        });
        await _app.StartAsync();
    }

    public async Task StopListeningAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopListeningAsync();
}

/// <summary>
/// The server with webhook retries set for tests: the dispatcher's own poll is an hour away, so the
/// tests run every dispatch pass themselves; one per test class.
/// </summary>
public abstract class WebhooksAppFixture(DatabaseProvider provider) : AppFixture(provider)
{
    public const int MaxAttempts = 3;
    public const int RetryBaseSeconds = 40;

    protected override void Configure(MobileIdApp app)
    {
        app.Settings["MobileId:Webhooks:PollSeconds"] = "3600";
        app.Settings["MobileId:Webhooks:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        app.Settings["MobileId:Webhooks:RetryBaseSeconds"] = RetryBaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class SqliteWebhooksAppFixture() : WebhooksAppFixture(DatabaseProvider.Sqlite);

public sealed class PostgresWebhooksAppFixture() : WebhooksAppFixture(DatabaseProvider.PostgreSql);
