using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Tests.Features.Agent;

/// <summary><c>mobileid-agent collect</c> against the server on Kestrel (loopback), checked with <c>openssl verify</c> and <c>openssl ocsp</c>.</summary>
public sealed class AgentCollectTests : LoopbackServerTest
{
    private string _dir = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _dir = Directory.CreateTempSubdirectory("mid-agent-").FullName;
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings", new { values = new Dictionary<string, object> { ["webServerExternalAddress"] = Base } })).StatusCode);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<(int Code, string Output, string Error)> AgentAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await MobileId.Agent.Program.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private async Task<MobileIdView> RequestAsync(string tag)
    {
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name = "auth-" + tag, ca = "MobileIdIssuingCA", keyAlgorithm = "EcdsaP256", keyUsage = new[] { "DigitalSignature" },
            extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.2" }, subjectTemplate = "CN={displayName}", validityDays = 365,
        })).StatusCode);
        var profile = await App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput("phone-" + tag, null, null, null, null, null, null, null, null, null, null, null,
                [new ProfileCertificateInput("auth-" + tag, "System Store", CertificateMode.IssueNew)],
                [new ProfileRoleInput("Cardholder", true, false, false, true, false)]), CancellationToken.None));
        Assert.True(profile.IsSuccess, profile.Error?.Detail);
        var person = await App.CreatePersonAsync("agent" + tag, null, $"agent{tag}@example.org", "Cardholder");
        var requested = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdRequests>().RequestAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput("phone-" + tag, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        return requested.Value!;
    }

    [Fact]
    public async Task Collect_LinkAndCode_StoresACertificateThatOpenSslVerifiesAndOcspCallsGood()
    {
        // Arrange
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        var store = Path.Combine(_dir, "store");

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
        await File.WriteAllTextAsync($"{_dir}/leaf.pem", pem.Output);
        using var http = new HttpClient();
        await File.WriteAllTextAsync($"{_dir}/chain.pem", await http.GetStringAsync($"{Base}/pki/ca/MobileIdIssuingCA.pem"));
        using var issuing = X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync($"{Base}/pki/ca/MobileIdIssuingCA.crt"));
        await File.WriteAllTextAsync($"{_dir}/issuing.pem", issuing.ExportCertificatePem());
        var verify = await ExternalTool.RunAsync("openssl", $"verify -CAfile {_dir}/chain.pem {_dir}/leaf.pem");
        Assert.True(verify.Code == 0, verify.Output);
        var ocsp = await ExternalTool.RunAsync("openssl", $"ocsp -issuer {_dir}/issuing.pem -cert {_dir}/leaf.pem -url {Base}/pki/ocsp -CAfile {_dir}/chain.pem");
        Assert.True(ocsp.Code == 0 && ocsp.Output.Contains(": good", StringComparison.Ordinal), ocsp.Output);
        var status2 = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities.Where(m => m.Id == request.Id).Select(m => m.Status).SingleAsync());
        Assert.Equal(MobileIdStatus.Issued, status2);
    }

    [Fact]
    public async Task Collect_WrongCodeOrWrongPin_ExitsRejectedWithTheReason()
    {
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        var store = Path.Combine(_dir, "store-pin");

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
