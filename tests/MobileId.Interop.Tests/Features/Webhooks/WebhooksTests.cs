using System.Security.Cryptography;
using System.Text;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Interop.Tests.Features.Webhooks;

/// <summary>Webhooks from a lifecycle action to a receiver on loopback: signing, retries, the delivery log, redelivery (PRODUCT.md §7).</summary>
public abstract partial class WebhooksTests<TFixture>(TFixture fixture) where TFixture : WebhooksAppFixture
{
    private MobileIdApp App => fixture.App;

    /// <summary>An operator role that may request, a profile it may request under, and a Cardholder to request for.</summary>
    private sealed record World(HttpClient Operator, string Profile, PersonView Person);

    private async Task<World> ArrangeAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var role = "wh-operator-" + tag;
        var profile = "wh-phone-" + tag;
        await App.WithServicesAsync(async s =>
        {
            Assert.True((await s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"), new RoleInput(role, null, Scope.All,
                [Workflow.FindPerson, Workflow.RequestId], null, null), CancellationToken.None)).IsSuccess);
            var saved = await s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
                new ProfileInput(profile, null, null, null, false, null, null, null, null, null, null, null, null,
                    [new(role, false, true, false, false, false), new("Cardholder", true, false, false, true, false)]), CancellationToken.None);
            Assert.True(saved.IsSuccess, saved.Error?.Detail);
            return true;
        });
        var person = await App.CreatePersonAsync("wh" + tag, null, $"wh{tag}@example.org", "Cardholder");
        return new World(await App.ClientForAsync(role, Scope.All), profile, person);
    }

    private static async Task<Guid> RequestMobileIdAsync(World world, PersonView? person = null)
    {
        var response = await world.Operator.PostAsJsonAsync($"/api/v1/people/{(person ?? world.Person).Id}/mobile-ids", new { profile = world.Profile });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await MobileIdApp.ReadJsonAsync(response)).GetProperty("id").GetGuid();
    }

    /// <summary>Creates a subscription through the API; returns its id and the secret shown once.</summary>
    private async Task<(Guid Id, string Secret)> SubscribeAsync(string url, params string[] events)
    {
        using var admin = await App.AdminClientAsync();
        var response = await admin.PostAsJsonAsync("/api/v1/webhooks", new { name = "wh-" + Guid.NewGuid().ToString("N")[..8], url, events, active = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(response);
        return (body.GetProperty("webhook").GetProperty("id").GetGuid(), body.GetProperty("secret").GetString()!);
    }

    private async Task UnsubscribeAsync(Guid id)
    {
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode);
    }

    private Task<int> DispatchAsync() =>
        App.WithServicesAsync(s => s.GetRequiredService<WebhookDispatcher>().DispatchDueAsync(CancellationToken.None));

    private Task<List<WebhookDelivery>> DeliveriesAsync(Guid subscription) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookDeliveries.AsNoTracking()
            .Where(d => d.SubscriptionId == subscription).OrderBy(d => d.CreatedAt).ToListAsync());

    /// <summary>Brings a subscription's waiting deliveries forward to now, instead of waiting out the backoff.</summary>
    private Task MakeDueAsync(Guid subscription) =>
        App.WithDbAsync(db => db.WebhookDeliveries.Where(d => d.SubscriptionId == subscription && d.Status == WebhookDeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, DateTime.UtcNow.AddSeconds(-1))));

    private async Task<JsonElement> DeliveryLogAsync(Guid subscription)
    {
        using var admin = await App.AdminClientAsync();
        var response = await admin.GetAsync($"/api/v1/webhooks/{subscription}/deliveries?pageSize=10");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await MobileIdApp.ReadJsonAsync(response);
    }

    /// <summary>A receiver and a subscription to "requested" that got one delivery, of a mobile ID request.</summary>
    private async Task<(WebhookReceiver Receiver, (Guid Id, string Secret) Subscription, WebhookDelivery Delivery)> DeliveredOnceAsync()
    {
        var world = await ArrangeAsync();
        var receiver = await WebhookReceiver.StartAsync();
        var subscription = await SubscribeAsync(receiver.Url, "requested");
        await RequestMobileIdAsync(world);
        await DispatchAsync();
        return (receiver, subscription, Assert.Single(await DeliveriesAsync(subscription.Id)));
    }

    /// <summary>The signature as a receiver computes it: hex HMAC-SHA256 of "timestamp.body" under the secret.</summary>
    private static string ExpectedSignature(string secret, string timestamp, string body) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));

    [Fact]
    public async Task RequestId_RequestedSubscription_DeliversASignedPayloadWithoutTheCode()
    {
        // Arrange
        var world = await ArrangeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var requested = await SubscribeAsync(receiver.Url, "requested");
        var issuedOnly = await SubscribeAsync(receiver.Url, "issued");

        // Act
        var response = await world.Operator.PostAsJsonAsync($"/api/v1/people/{world.Person.Id}/mobile-ids", new { profile = world.Profile });
        var created = await MobileIdApp.ReadJsonAsync(response);
        var queued = await DeliveriesAsync(requested.Id);
        var delivered = await DispatchAsync();

        // Assert: queued with the request itself, sent once, signed, and only to the subscription for "requested".
        var mobileId = created.GetProperty("id").GetGuid();
        var code = created.GetProperty("code").GetString()!;
        Assert.Equal(WebhookDeliveryStatus.Pending, Assert.Single(queued).Status);
        Assert.Equal(1, delivered);
        Assert.Empty(await DeliveriesAsync(issuedOnly.Id));
        var post = Assert.Single(receiver.Received);
        Assert.Equal(queued[0].Id.ToString("D"), post.Id);
        Assert.StartsWith("application/json", post.ContentType, StringComparison.Ordinal);
        Assert.Equal(ExpectedSignature(requested.Secret, post.Timestamp, post.Body), post.Signature);
        Assert.NotEqual(ExpectedSignature(requested.Secret + "x", post.Timestamp, post.Body), post.Signature);
        Assert.InRange(long.Parse(post.Timestamp, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var payload = JsonDocument.Parse(post.Body);
        Assert.Equal(post.Id, payload.RootElement.GetProperty("id").GetString());
        Assert.Equal("requested", payload.RootElement.GetProperty("type").GetString());
        Assert.True(payload.RootElement.GetProperty("occurredAt").GetDateTime() > DateTime.UtcNow.AddMinutes(-1));
        var data = payload.RootElement.GetProperty("data");
        Assert.Equal(mobileId, data.GetProperty("mobileId").GetGuid());
        Assert.Equal(world.Person.Id, data.GetProperty("personId").GetGuid());
        Assert.Equal(world.Profile, data.GetProperty("profile").GetString());
        Assert.DoesNotContain(code.Replace(" ", "", StringComparison.Ordinal), post.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(code, post.Body, StringComparison.Ordinal);
        Assert.Equal(WebhookDeliveryStatus.Delivered, Assert.Single(await DeliveriesAsync(requested.Id)).Status);
        await UnsubscribeAsync(requested.Id);
        await UnsubscribeAsync(issuedOnly.Id);
    }

    [Fact]
    public async Task Signature_OpensslHmacOfTimestampAndBody_Matches()
    {
        // Arrange
        var world = await ArrangeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscription = await SubscribeAsync(receiver.Url, "requested");
        await RequestMobileIdAsync(world);
        await DispatchAsync();
        var post = Assert.Single(receiver.Received);
        var file = Path.Combine(App.Database.Directory, $"signed-{post.Id}.txt");
        await File.WriteAllTextAsync(file, post.Timestamp + "." + post.Body);

        // Act: the check docs/webhooks.md gives receivers.
        var (code, output) = await ExternalTool.RunAsync("openssl", $"dgst -sha256 -hmac {subscription.Secret} -r {file}");

        // Assert
        Assert.True(code == 0, output);
        var digest = output.Split('\n')[1].Split(' ')[0];
        Assert.Equal(post.Signature, "v1=" + digest);
        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task Receiver500Then200_RetriedAfterTheBackoff_DeliveredWithBothAttemptsLogged()
    {
        // Arrange
        var world = await ArrangeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerWith(500, 200);
        var subscription = await SubscribeAsync(receiver.Url, "requested");
        await RequestMobileIdAsync(world);

        // Act
        var before = DateTime.UtcNow;
        var first = await DispatchAsync();
        var afterFirst = Assert.Single(await DeliveriesAsync(subscription.Id));
        var notYet = await DispatchAsync();
        await MakeDueAsync(subscription.Id);
        var second = await DispatchAsync();
        var log = await DeliveryLogAsync(subscription.Id);

        // Assert: waiting out RetryBaseSeconds after the 500, then delivered.
        Assert.Equal(0, first);
        Assert.Equal(WebhookDeliveryStatus.Pending, afterFirst.Status);
        Assert.Contains("500", afterFirst.LastError, StringComparison.Ordinal);
        Assert.InRange(afterFirst.NextAttemptAt, before.AddSeconds(WebhooksAppFixture.RetryBaseSeconds - 1), DateTime.UtcNow.AddSeconds(WebhooksAppFixture.RetryBaseSeconds + 1));
        Assert.Equal(0, notYet);
        Assert.Equal(1, second);
        Assert.Equal(2, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => r.Id).Distinct());
        Assert.Single(receiver.Received.Select(r => r.Body).Distinct());
        var delivery = Assert.Single(log.GetProperty("items").EnumerateArray());
        Assert.Equal("Delivered", delivery.GetProperty("status").GetString());
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        var attempts = delivery.GetProperty("log").EnumerateArray().ToList();
        Assert.Equal([500, 200], attempts.Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.Equal([1, 2], attempts.Select(a => a.GetProperty("number").GetInt32()));
        Assert.Contains("500", attempts[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, attempts[1].GetProperty("error").ValueKind);
        Assert.All(attempts, a => Assert.True(a.GetProperty("durationMs").GetInt32() >= 0));
        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task ReceiverDown_ThenUp_EveryEventDeliveredOnce()
    {
        // Arrange: nothing listens on the receiver's port yet.
        var world = await ArrangeAsync();
        await using var receiver = WebhookReceiver.OnFreePort();
        var subscription = await SubscribeAsync(receiver.Url, "requested");
        var other = await App.CreatePersonAsync("wh" + Guid.NewGuid().ToString("N")[..8], null, "other@example.org", "Cardholder");
        var mobileIds = new[] { await RequestMobileIdAsync(world), await RequestMobileIdAsync(world, other) };

        // Act: two passes while it is down, then it comes up.
        await DispatchAsync();
        await MakeDueAsync(subscription.Id);
        await DispatchAsync();
        var whileDown = await DeliveriesAsync(subscription.Id);
        await receiver.StartListeningAsync();
        await MakeDueAsync(subscription.Id);
        var delivered = await DispatchAsync();
        var log = await DeliveryLogAsync(subscription.Id);

        // Assert
        Assert.All(whileDown, d => Assert.Equal((WebhookDeliveryStatus.Pending, 2), (d.Status, d.Attempts)));
        Assert.Equal(2, delivered);
        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(whileDown.Select(d => d.Id.ToString("D")).Order(), receiver.Received.Select(r => r.Id).Order());
        var sentFor = receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("mobileId").GetGuid());
        Assert.Equal(mobileIds.Order(), sentFor.Order());
        foreach (var item in log.GetProperty("items").EnumerateArray())
        {
            Assert.Equal("Delivered", item.GetProperty("status").GetString());
            var attempts = item.GetProperty("log").EnumerateArray().ToList();
            Assert.Equal(3, attempts.Count);
            Assert.All(attempts.Take(2), a => Assert.Equal(JsonValueKind.Null, a.GetProperty("statusCode").ValueKind));
            Assert.All(attempts.Take(2), a => Assert.False(string.IsNullOrEmpty(a.GetProperty("error").GetString())));
            Assert.Equal(200, attempts[2].GetProperty("statusCode").GetInt32());
        }

        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task ReceiverAlwaysFails_MaxAttempts_MarkedFailedThenRedeliveredOnRequest()
    {
        // Arrange
        var world = await ArrangeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerWith(Enumerable.Repeat(503, WebhooksAppFixture.MaxAttempts).ToArray());
        var subscription = await SubscribeAsync(receiver.Url, "requested");
        await RequestMobileIdAsync(world);
        for (var attempt = 0; attempt < WebhooksAppFixture.MaxAttempts; attempt++)
        {
            await MakeDueAsync(subscription.Id);
            await DispatchAsync();
        }

        var failed = Assert.Single(await DeliveriesAsync(subscription.Id));
        using var admin = await App.AdminClientAsync();

        // Act
        var redeliver = await admin.PostAsync($"/api/v1/webhooks/deliveries/{failed.Id}/redeliver", null);
        var delivered = await DispatchAsync();

        // Assert
        Assert.Equal(WebhookDeliveryStatus.Failed, failed.Status);
        Assert.Equal(WebhooksAppFixture.MaxAttempts, failed.Attempts);
        Assert.Equal(HttpStatusCode.OK, redeliver.StatusCode);
        Assert.Equal("Pending", (await MobileIdApp.ReadJsonAsync(redeliver)).GetProperty("status").GetString());
        Assert.Equal(1, delivered);
        Assert.Equal(WebhooksAppFixture.MaxAttempts + 1, receiver.Received.Count);
        var delivery = Assert.Single((await DeliveryLogAsync(subscription.Id)).GetProperty("items").EnumerateArray());
        Assert.Equal("Delivered", delivery.GetProperty("status").GetString());
        Assert.Equal(Enumerable.Range(1, WebhooksAppFixture.MaxAttempts + 1), delivery.GetProperty("log").EnumerateArray().Select(a => a.GetProperty("number").GetInt32()));
        Assert.True(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .AnyAsync(a => a.Action == "webhook.redelivered" && a.TargetId == failed.Id.ToString())));
        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task Redeliver_DeliveredDelivery_SendsTheSameIdAndBodyAgain()
    {
        // Arrange
        var (receiver, subscription, delivery) = await DeliveredOnceAsync();
        await using var _ = receiver;
        using var admin = await App.AdminClientAsync();

        // Act
        var response = await admin.PostAsync($"/api/v1/webhooks/deliveries/{delivery.Id}/redeliver", null);
        await DispatchAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => (r.Id, r.Body)).Distinct());
        Assert.All(receiver.Received, r => Assert.Equal(ExpectedSignature(subscription.Secret, r.Timestamp, r.Body), r.Signature));
        Assert.Equal(WebhookDeliveryStatus.Delivered, Assert.Single(await DeliveriesAsync(subscription.Id)).Status);
        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task CancelCredential_CancelledSubscription_DeliversTheCancelledEvent()
    {
        // Arrange
        var world = await ArrangeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscription = await SubscribeAsync(receiver.Url, "cancelled");
        var mobileId = await RequestMobileIdAsync(world);
        using var admin = await App.AdminClientAsync();

        // Act
        var cancelled = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{mobileId}/cancel", new { details = "left the company" });
        await DispatchAsync();

        // Assert
        Assert.True(cancelled.StatusCode == HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        var received = Assert.Single(receiver.Received);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("cancelled", body.GetProperty("type").GetString());
        Assert.Equal(mobileId, body.GetProperty("data").GetProperty("mobileId").GetGuid());
        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task InactiveSubscription_RequestId_QueuesNothing()
    {
        // Arrange
        var world = await ArrangeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscription = await SubscribeAsync(receiver.Url, "requested");
        using var admin = await App.AdminClientAsync();
        var view = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/webhooks/{subscription.Id}"));
        var update = await admin.PutAsJsonAsync($"/api/v1/webhooks/{subscription.Id}",
            new { name = view.GetProperty("name").GetString(), url = receiver.Url, events = new[] { "requested", "issued" }, active = false });

        // Act
        await RequestMobileIdAsync(world);
        await DispatchAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var updated = await MobileIdApp.ReadJsonAsync(update);
        Assert.False(updated.GetProperty("active").GetBoolean());
        Assert.Equal(["requested", "issued"], updated.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(await DeliveriesAsync(subscription.Id));
        Assert.Empty(receiver.Received);
        await UnsubscribeAsync(subscription.Id);
    }
}

public sealed class SqliteWebhooksTests(SqliteWebhooksAppFixture fixture) : WebhooksTests<SqliteWebhooksAppFixture>(fixture), IClassFixture<SqliteWebhooksAppFixture>;

public sealed class PostgresWebhooksTests(PostgresWebhooksAppFixture fixture) : WebhooksTests<PostgresWebhooksAppFixture>(fixture), IClassFixture<PostgresWebhooksAppFixture>;
