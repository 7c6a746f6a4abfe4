using MobileId.Server.Features.MobileIds;

namespace MobileId.Server.Tests.Features.Agent;

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
}
