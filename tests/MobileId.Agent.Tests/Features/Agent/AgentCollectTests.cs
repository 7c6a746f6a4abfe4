using MobileId.Server.Features.MobileIds;

namespace MobileId.Agent.Tests.Features.Agent;

/// <summary><c>mobileid-agent collect</c> against the server on Kestrel (loopback), checked with <c>openssl verify</c> and <c>openssl ocsp</c>.</summary>
public sealed class AgentCollectTests : AgentTestKit
{
    [Fact]
    public async Task Collect_LinkAndCode_StoresACertificateThatOpenSslVerifiesAndOcspCallsGood()
    {
        // Arrange
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);

        // Act
        var collected = await CollectAsync("store", request.Link, request.Code!, "SN-AGENT-1");
        var listed = await AgentAsync("list", "--store", StorePath("store"));
        var status = await AgentAsync("status", "--store", StorePath("store"));

        // Assert
        Assert.True(collected.Code == 0, collected.ToString());
        Assert.Contains("1 certificate(s)", collected.Output, StringComparison.Ordinal);
        Assert.Contains("with key", listed.Output, StringComparison.Ordinal);
        Assert.Contains("root ", status.Output, StringComparison.Ordinal);
        await AssertStoredCertificateChainsAndIsGoodAsync("store");
        var status2 = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities.Where(m => m.Id == request.Id).Select(m => m.Status).SingleAsync());
        Assert.Equal(MobileIdStatus.Issued, status2);
    }

    [Fact]
    public async Task Collect_WrongCodeOrWrongPin_ExitsRejectedWithTheReason()
    {
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        var store = StorePath("store-pin");

        var wrongCode = await AgentAsync("collect", request.Link, "--code", "0000 0000", "--store", store, "--pin", "135790", "--serial", "SN-AGENT-2");
        var wrongPin = await AgentAsync("collect", request.Link, "--code", request.Code!, "--store", store, "--pin", "999999", "--serial", "SN-AGENT-2");
        var notALink = await AgentAsync("collect", "https://example.org/nothing", "--code", "1", "--store", store, "--pin", "135790");
        var noCommand = await AgentAsync("frobnicate");

        Assert.Equal(3, wrongCode.Code);
        Assert.Contains("one-time code is wrong", wrongCode.Error, StringComparison.Ordinal);
        Assert.Equal(3, wrongPin.Code);
        Assert.Contains("Wrong PIN. 9 tries left", wrongPin.Error, StringComparison.Ordinal);
        Assert.Equal(3, notALink.Code);
        Assert.Contains("not a MobileId provisioning link", notALink.Error, StringComparison.Ordinal);
        Assert.Equal(2, noCommand.Code);
    }

    [Fact]
    public async Task Collect_ServerAtItsSessionLimit_RetriesAsThePolicyAndRetryAfterSayThenReportsUnavailable()
    {
        // Arrange: Maximum session count 0 (device endpoints answer 503, Retry-After 7); a policy of 2 retries from 1 s.
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        using (var admin = await App.AdminClientAsync())
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings",
                new { values = new Dictionary<string, object> { ["maximumSessionCount"] = 0, ["minimumRetryDelay"] = 7 } })).StatusCode);
        }

        var pauses = new List<TimeSpan>();
        using var output = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var policy = new AgentPolicy(MaximumRetryAttempts: 2, MinimumRetryDelay: 1);
        using var http = new HttpClient();
        var collector = new MobileId.Agent.Collector(http, output, new MobileId.Agent.AgentLog(Dir, policy), policy, (pause, _) =>
        {
            pauses.Add(pause);
            return Task.CompletedTask;
        });
        var store = MobileId.Agent.AgentStore.Open(StorePath("store-limit"), Pin);

        // Act
        var failure = await Assert.ThrowsAsync<MobileId.Agent.UnavailableException>(() => collector.CollectAsync(request.Link, () => request.Code!,
            new MobileId.Agent.DeviceDescription("SN-LIMIT", "android", null, null, ["System Store"]), store, CancellationToken.None));

        // Assert
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7)], pauses);
        Assert.Contains("Maximum session count is 0", failure.Message, StringComparison.Ordinal);
        Assert.Contains("after 3 tries", failure.Message, StringComparison.Ordinal);
        Assert.Empty(store.Contents.Pending);
    }
}
