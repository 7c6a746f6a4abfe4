using System.Text.RegularExpressions;
using MobileId.Server.Features.Device;
using MobileId.Server.Features.Webhooks;
using MobileId.Server.Tests.Features.Webhooks;
using static MobileId.Testing.Console.ConsoleAdministrators;

namespace MobileId.Server.Tests.Console;

/// <summary>Webhooks in the console: subscriptions with the secret shown once, editing, deleting, the delivery log and redelivery.</summary>
public sealed partial class ConsoleWebhooksTests(SqliteWebhooksAppFixture fixture) : IClassFixture<SqliteWebhooksAppFixture>
{
    private MobileIdApp App => fixture.App;

    [GeneratedRegex("data-testid=\"webhook-secret\">([^<]+)<")]
    private static partial Regex Secret();

    private Task<WebhookSubscription?> StoredAsync(string name) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookSubscriptions.AsNoTracking().SingleOrDefaultAsync(w => w.Name == name));

    private Task<HttpClient> SettingsAdministratorAsync() => SignedInWithAsync(App, Scope.All, Workflow.OperationSettings);

    private async Task<Guid> SubscribeAsync(string name, string url, params string[] events)
    {
        var created = await App.WithServicesAsync(s => s.GetRequiredService<WebhooksService>().CreateAsync(Caller.System("test"),
            new WebhookInput(name, url, events, true), CancellationToken.None));
        Assert.True(created.IsSuccess, created.Error?.Detail);
        return created.Value!.Webhook.Id;
    }

    private static string Name() => "hook-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Create_WithEvents_ShowsTheSecretOnceAndStoresTheSubscription()
    {
        // Arrange
        using var browser = await SettingsAdministratorAsync();
        var name = Name();

        // Act
        using var response = await SubmitAsync(browser, "/console/webhooks", "create-webhook", ("name", name), ("url", "https://hooks.example.org/mobileid"),
            ("events", "issued"), ("events", "cancelled"), ("active", "true"));
        var html = await ReadAsync(response, HttpStatusCode.OK);
        var secret = Secret().Match(html).Groups[1].Value;
        var again = await browser.GetStringAsync("/console/webhooks?q=" + name);
        var stored = await StoredAsync(name);

        // Assert
        Assert.Contains($"Webhook {name} created.", html, StringComparison.Ordinal);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Contains($">{name}</a>", again, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, again, StringComparison.Ordinal);
        Assert.Equal(("https://hooks.example.org/mobileid", "issued cancelled", true), (stored!.TargetUrl, stored.EventTypes, stored.Active));
    }

    [Fact]
    public async Task Create_BadUrlAndNoEvent_ShowsTheMessagesNextToTheFieldsAndCreatesNothing()
    {
        // Arrange
        using var browser = await SettingsAdministratorAsync();
        var name = Name();

        // Act
        using var response = await SubmitAsync(browser, "/console/webhooks", "create-webhook", ("name", name), ("url", "ftp://hooks.example.org/"), ("active", "true"));
        var html = await ReadAsync(response, HttpStatusCode.BadRequest);

        // Assert
        Assert.Contains("<span class=\"field-error\" id=\"url-error\">url must be an absolute http or https URL", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"field-error\" id=\"events-error\">events must name at least one event type", html, StringComparison.Ordinal);
        Assert.DoesNotContain("webhook-secret", html, StringComparison.Ordinal);
        Assert.Null(await StoredAsync(name));
    }

    [Fact]
    public async Task Page_OperationSettingsWithDepartmentScope_IsRefusedLikeTheApi()
    {
        // Arrange
        var id = await SubscribeAsync(Name(), "https://hooks.example.org/dept", "issued");
        using var browser = await SignedInWithAsync(App, Scope.Department, Workflow.OperationSettings);

        // Act
        using var list = await browser.GetAsync("/console/webhooks");
        using var page = await browser.GetAsync($"/console/webhooks/{id}");
        var html = await page.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("with scope All", html, StringComparison.Ordinal);
        Assert.DoesNotContain("hooks.example.org/dept", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_UrlEventsAndActive_AreSavedAndABadUrlChangesNothing()
    {
        // Arrange
        var name = Name();
        var id = await SubscribeAsync(name, "https://hooks.example.org/old", "issued");
        using var browser = await SettingsAdministratorAsync();

        // Act
        using var bad = await SubmitAsync(browser, $"/console/webhooks/{id}", "webhook", ("name", name), ("url", "not a url"), ("events", "issued"));
        var badHtml = await ReadAsync(bad, HttpStatusCode.BadRequest);
        var afterBad = (await StoredAsync(name))!.TargetUrl;
        using var saved = await SubmitAsync(browser, $"/console/webhooks/{id}", "webhook", ("name", name), ("url", "https://hooks.example.org/new"),
            ("events", "disabled"), ("events", "enabled"));
        var html = await ReadAsync(saved, HttpStatusCode.OK);
        var stored = await StoredAsync(name);

        // Assert
        Assert.Contains("id=\"url-error\"", badHtml, StringComparison.Ordinal);
        Assert.Equal("https://hooks.example.org/old", afterBad);
        Assert.Contains("Webhook saved.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"enabled\" checked", html, StringComparison.Ordinal);
        Assert.Equal(("https://hooks.example.org/new", "disabled enabled", false), (stored!.TargetUrl, stored.EventTypes, stored.Active));
    }

    [Fact]
    public async Task Delete_ASubscription_IsGone()
    {
        // Arrange
        var name = Name();
        var id = await SubscribeAsync(name, "https://hooks.example.org/gone", "issued");
        using var browser = await SettingsAdministratorAsync();

        // Act
        using var response = await SubmitAsync(browser, $"/console/webhooks/{id}", "delete-webhook");
        var list = await browser.GetStringAsync(response.Headers.Location!.PathAndQuery);

        // Assert
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Contains("The webhook was deleted.", list, StringComparison.Ordinal);
        Assert.Null(await StoredAsync(name));
    }

    [Fact]
    public async Task DeliveryLog_ShowsStatusAndAttempts_AndRedeliverSendsItAgain()
    {
        // Arrange: a subscription to device-added on a receiver, and one device added; one dispatch pass delivers it.
        await using var receiver = await WebhookReceiver.StartAsync();
        var id = await SubscribeAsync(Name(), receiver.Url, "device-added");
        var added = await App.WithServicesAsync(s => s.GetRequiredService<DeviceManagement>().AddAsync(Caller.System("test"),
            new AddDeviceInput("SN-" + Guid.NewGuid().ToString("N")[..10], "ios", null, null), CancellationToken.None));
        Assert.True(added.IsSuccess, added.Error?.Detail);
        await App.WithServicesAsync(s => s.GetRequiredService<WebhookDispatcher>().DispatchDueAsync(CancellationToken.None));
        using var browser = await SettingsAdministratorAsync();
        var delivery = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookDeliveries.AsNoTracking().SingleAsync(d => d.SubscriptionId == id));

        // Act
        var log = await browser.GetStringAsync($"/console/webhooks/{id}");
        using var redelivered = await SubmitAsync(browser, $"/console/webhooks/{id}", $"redeliver-{delivery.Id:N}");
        var html = await ReadAsync(redelivered, HttpStatusCode.OK);
        var queued = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookDeliveries.AsNoTracking().SingleAsync(d => d.Id == delivery.Id));
        await App.WithServicesAsync(s => s.GetRequiredService<WebhookDispatcher>().DispatchDueAsync(CancellationToken.None));
        var after = await browser.GetStringAsync($"/console/webhooks/{id}");

        // Assert
        Assert.Contains("<span class=\"badge good\">Delivered</span>", log, StringComparison.Ordinal);
        Assert.Contains("<summary>1 attempt</summary>", log, StringComparison.Ordinal);
        Assert.Contains("Delivery of device-added queued again.", html, StringComparison.Ordinal);
        Assert.Equal((WebhookDeliveryStatus.Pending, 0), (queued.Status, queued.Attempts));
        Assert.Contains("<summary>2 attempts</summary>", after, StringComparison.Ordinal);
        Assert.Equal(2, receiver.Received.Count);
    }
}
