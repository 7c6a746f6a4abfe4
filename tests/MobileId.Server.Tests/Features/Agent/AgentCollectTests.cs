using System.Security.Cryptography.X509Certificates;
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
        var store = Path.Combine(Dir, "store");

        // Act
        var collected = await AgentAsync("collect", request.Link, "--code", request.Code!, "--store", store, "--pin", "246810",
            "--platform", "android", "--serial", "SN-AGENT-1", "--key-store", "System Store");
        var listed = await AgentAsync("list", "--store", store);
        var status = await AgentAsync("status", "--store", store);

        // Assert
        Assert.True(collected.Code == 0, collected.Output + collected.Error);
        Assert.Contains("1 certificate(s)", collected.Output, StringComparison.Ordinal);
        Assert.Contains("with key", listed.Output, StringComparison.Ordinal);
        Assert.Contains("root ", status.Output, StringComparison.Ordinal);
        var serial = listed.Output.Split("serial ")[1].Split(' ')[0];
        var pem = await AgentAsync("export", serial, "--pem", "--store", store);
        await File.WriteAllTextAsync($"{Dir}/leaf.pem", pem.Output);
        using var http = new HttpClient();
        await File.WriteAllTextAsync($"{Dir}/chain.pem", await http.GetStringAsync($"{Base}/pki/ca/MobileIdIssuingCA.pem"));
        using var issuing = X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync($"{Base}/pki/ca/MobileIdIssuingCA.crt"));
        await File.WriteAllTextAsync($"{Dir}/issuing.pem", issuing.ExportCertificatePem());
        var verify = await ExternalTool.RunAsync("openssl", $"verify -CAfile {Dir}/chain.pem {Dir}/leaf.pem");
        Assert.True(verify.Code == 0, verify.Output);
        var ocsp = await ExternalTool.RunAsync("openssl", $"ocsp -issuer {Dir}/issuing.pem -cert {Dir}/leaf.pem -url {Base}/pki/ocsp -CAfile {Dir}/chain.pem");
        Assert.True(ocsp.Code == 0 && ocsp.Output.Contains(": good", StringComparison.Ordinal), ocsp.Output);
        var status2 = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities.Where(m => m.Id == request.Id).Select(m => m.Status).SingleAsync());
        Assert.Equal(MobileIdStatus.Issued, status2);
    }

    [Fact]
    public async Task Collect_WrongCodeOrWrongPin_ExitsRejectedWithTheReason()
    {
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        var store = Path.Combine(Dir, "store-pin");

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
