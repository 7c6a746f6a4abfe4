using System.Globalization;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Tests.Features.Agent;

/// <summary>
/// What the agent tests share: a server on loopback whose provisioning links point at it, a
/// temporary directory, running <c>mobileid-agent</c> in-process or as its own process, and a
/// person with a mobile ID request (policy, profile, person, request) for the agent to collect.
/// </summary>
public abstract class AgentTestKit : LoopbackServerTest
{
    /// <summary>The PIN of the stores these tests make.</summary>
    protected const string Pin = "246810";

    /// <summary>A directory of this test's own, deleted after it.</summary>
    protected string Dir { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Dir = Directory.CreateTempSubdirectory("mid-agent-").FullName;
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings",
            new { values = new Dictionary<string, object> { ["webServerExternalAddress"] = Base } })).StatusCode);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    /// <summary>Runs the agent in this process, as <c>mobileid-agent ARGS</c>.</summary>
    protected static async Task<(int Code, string Output, string Error)> AgentAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await MobileId.Agent.Program.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs the agent as its own process (<c>dotnet mobileid-agent.dll ARGS</c>) whose input is
    /// <paramref name="standardInput"/> and then its end: input that is not a terminal. The
    /// arguments contain no spaces.
    /// </summary>
    protected static Task<(int Code, string Output)> AgentProcessAsync(string standardInput, params string[] args) =>
        ExternalTool.RunAsync("dotnet", $"{typeof(MobileId.Agent.Program).Assembly.Location} {string.Join(' ', args)}", standardInput);

    /// <summary>A certificate policy (keys made on the device), a mobile profile with it, a person who may receive it, and a request: its link and code.</summary>
    protected async Task<MobileIdView> RequestAsync(string tag, string keyAlgorithm = "EcdsaP256", params string[] extendedKeyUsages)
    {
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name = "auth-" + tag, ca = "MobileIdIssuingCA", keyAlgorithm, keyUsage = new[] { "DigitalSignature" },
            extendedKeyUsages = extendedKeyUsages.Length > 0 ? extendedKeyUsages : ["1.3.6.1.5.5.7.3.2"], subjectTemplate = "CN={displayName}", validityDays = 365,
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

    /// <summary>Requests a mobile ID and collects it into the store with <see cref="Pin"/>; returns the serial of its certificate.</summary>
    protected async Task<string> CollectAsync(string store, string keyAlgorithm = "EcdsaP256", params string[] extendedKeyUsages)
    {
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8], keyAlgorithm, extendedKeyUsages);
        var collected = await AgentAsync("collect", request.Link, "--code", request.Code!, "--store", store, "--pin", Pin, "--serial", "SN-" + request.Id.ToString("N")[..8],
            "--key-store", "System Store");
        Assert.True(collected.Code == 0, collected.Output + collected.Error);
        var listed = await AgentAsync("list", "--store", store);
        return listed.Output.Split("serial ")[1].Split(' ')[0];
    }
}
