using System.Security.Cryptography;
using System.Text;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Interop.Tests.Features.Webhooks;

public abstract partial class WebhooksTests<TFixture>
{
    [Fact]
    public async Task Create_Secret_ShownOnceAndStoredWrapped()
    {
        // Arrange
        using var admin = await App.AdminClientAsync();

        // Act
        var subscription = await SubscribeAsync("https://hooks.example.org/mobileid", "issued", "device-added");
        var got = await admin.GetAsync($"/api/v1/webhooks/{subscription.Id}");
        var list = await admin.GetAsync("/api/v1/webhooks");
        var stored = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookSubscriptions.AsNoTracking().SingleAsync(w => w.Id == subscription.Id));

        // Assert
        Assert.StartsWith("whsec_", subscription.Secret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        foreach (var text in new[] { await got.Content.ReadAsStringAsync(), await list.Content.ReadAsStringAsync() })
        {
            Assert.Contains(subscription.Id.ToString(), text, StringComparison.Ordinal);
            Assert.DoesNotContain(subscription.Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(-1, stored.WrappedSecret.AsSpan().IndexOf(Encoding.UTF8.GetBytes(subscription.Secret["whsec_".Length..])));
        Assert.Equal("issued device-added", stored.EventTypes);
        await UnsubscribeAsync(subscription.Id);
    }

    public static TheoryData<string, object, string> BadInputs() => new()
    {
        { "ftp URL", new { name = "bad", url = "ftp://hooks.example.org/x", events = new[] { "issued" }, active = true }, "url" },
        { "relative URL", new { name = "bad", url = "/hooks", events = new[] { "issued" }, active = true }, "url" },
        { "not a URL", new { name = "bad", url = "not a url", events = new[] { "issued" }, active = true }, "url" },
        { "no URL", new { name = "bad", events = new[] { "issued" }, active = true }, "url" },
        { "unknown event", new { name = "bad", url = "https://hooks.example.org/x", events = new[] { "issued", "exploded" }, active = true }, "events" },
        { "empty events", new { name = "bad", url = "https://hooks.example.org/x", events = Array.Empty<string>(), active = true }, "events" },
        { "no events", new { name = "bad", url = "https://hooks.example.org/x", active = true }, "events" },
        { "empty name", new { name = " ", url = "https://hooks.example.org/x", events = new[] { "issued" }, active = true }, "name" },
        { "no active flag", new { name = "bad", url = "https://hooks.example.org/x", events = new[] { "issued" } }, "active" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Create_BadInput_ProblemDetailsAndNothingCreated(string why, object input, string field)
    {
        // Arrange
        using var admin = await App.AdminClientAsync();
        var before = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookSubscriptions.CountAsync());

        // Act
        var response = await admin.PostAsJsonAsync("/api/v1/webhooks", input);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{why}: no error for {field}");
        Assert.Equal(before, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookSubscriptions.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Update_BadInput_ProblemDetailsAndNothingChanged(string why, object input, string field)
    {
        // Arrange
        var subscription = await SubscribeAsync("https://hooks.example.org/keep", "issued");
        using var admin = await App.AdminClientAsync();
        var before = await (await admin.GetAsync($"/api/v1/webhooks/{subscription.Id}")).Content.ReadAsStringAsync();

        // Act
        var response = await admin.PutAsJsonAsync($"/api/v1/webhooks/{subscription.Id}", input);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{why}: no error for {field}");
        Assert.Equal(before, await (await admin.GetAsync($"/api/v1/webhooks/{subscription.Id}")).Content.ReadAsStringAsync());
        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task Create_NameTaken_Conflict()
    {
        // Arrange
        using var admin = await App.AdminClientAsync();
        var input = new { name = "wh-same-" + Guid.NewGuid().ToString("N")[..8], url = "https://hooks.example.org/a", events = new[] { "issued" }, active = true };
        var first = await admin.PostAsJsonAsync("/api/v1/webhooks", input);

        // Act
        var second = await admin.PostAsJsonAsync("/api/v1/webhooks", input);

        // Assert
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await MobileIdApp.AssertProblemAsync(second, 409, ErrorCodes.Conflict);
        await UnsubscribeAsync((await MobileIdApp.ReadJsonAsync(first)).GetProperty("webhook").GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task UnknownIds_EveryEndpoint_NotFound()
    {
        // Arrange
        using var admin = await App.AdminClientAsync();
        var id = Guid.NewGuid();
        var input = new { name = "nobody", url = "https://hooks.example.org/a", events = new[] { "issued" }, active = true };

        // Act
        var responses = new[]
        {
            await admin.GetAsync($"/api/v1/webhooks/{id}"),
            await admin.PutAsJsonAsync($"/api/v1/webhooks/{id}", input),
            await admin.DeleteAsync($"/api/v1/webhooks/{id}"),
            await admin.GetAsync($"/api/v1/webhooks/{id}/deliveries"),
            await admin.PostAsync($"/api/v1/webhooks/deliveries/{id}/redeliver", null),
        };

        // Assert
        foreach (var response in responses)
        {
            await MobileIdApp.AssertProblemAsync(response, 404, ErrorCodes.NotFound);
        }
    }

    [Fact]
    public async Task Deliveries_BadPage_ProblemDetails()
    {
        // Arrange
        var subscription = await SubscribeAsync("https://hooks.example.org/pages", "issued");
        using var admin = await App.AdminClientAsync();

        // Act
        var response = await admin.GetAsync($"/api/v1/webhooks/{subscription.Id}/deliveries?page=0&pageSize=100000");

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty("page", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("pageSize", out _));
        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task Redeliver_PendingDelivery_ConflictAndUnchanged()
    {
        // Arrange: the receiver is down, so the delivery stays pending.
        var world = await ArrangeAsync();
        await using var receiver = WebhookReceiver.OnFreePort();
        var subscription = await SubscribeAsync(receiver.Url, "requested");
        await RequestMobileIdAsync(world);
        var pending = Assert.Single(await DeliveriesAsync(subscription.Id));
        using var admin = await App.AdminClientAsync();

        // Act
        var response = await admin.PostAsync($"/api/v1/webhooks/deliveries/{pending.Id}/redeliver", null);

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 409, ErrorCodes.Conflict);
        var after = Assert.Single(await DeliveriesAsync(subscription.Id));
        Assert.Equal((pending.Status, pending.Attempts, pending.NextAttemptAt), (after.Status, after.Attempts, after.NextAttemptAt));
        await UnsubscribeAsync(subscription.Id);
    }

    [Fact]
    public async Task Delete_Subscription_RemovesItsDeliveriesAndLog()
    {
        // Arrange
        var (receiver, subscription, delivery) = await DeliveredOnceAsync();
        await using var _ = receiver;

        // Act
        await UnsubscribeAsync(subscription.Id);

        // Assert
        Assert.Empty(await DeliveriesAsync(subscription.Id));
        Assert.False(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookAttempts.AnyAsync(a => a.DeliveryId == delivery.Id)));
        Assert.True(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .AnyAsync(a => a.Action == "webhook.deleted" && a.TargetId == subscription.Id.ToString())));
    }
}
