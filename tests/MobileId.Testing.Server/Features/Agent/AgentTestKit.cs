using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;

namespace MobileId.Testing.Features.Agent;

/// <summary>What one run of <c>mobileid-agent</c> returned and printed.</summary>
public sealed record AgentRun(int Code, string Output, string Error)
{
    public override string ToString() => $"exit {Code}\n{Output}{Error}";
}

/// <summary>
/// A fresh server on loopback whose <b>Web Server External Address</b> is its own address, a
/// temporary folder for agent stores and openssl files, and the steps the agent tests share: run
/// the agent as a library or as its own process, make a credential profile and a request, collect,
/// and check a collected certificate with <c>openssl verify</c> and <c>openssl ocsp</c>.
/// </summary>
public abstract class AgentTestKit : LoopbackServerTest
{
    /// <summary>The PIN of every store these tests make.</summary>
    protected const string Pin = "246810";

    protected const string IssuingCa = "MobileIdIssuingCA";

    /// <summary>The temporary folder of this test, deleted afterwards.</summary>
    protected string Dir { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Dir = Directory.CreateTempSubdirectory("mid-agent-").FullName;
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings", new { values = new Dictionary<string, object> { ["webServerExternalAddress"] = Base } })).StatusCode);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    /// <summary>Runs <c>mobileid-agent</c> in this process, through <paramref name="handler"/> when given.</summary>
    public static async Task<AgentRun> AgentAsync(HttpMessageHandler? handler, params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await MobileId.Agent.Program.RunAsync(args, output, error, handler);
        return new AgentRun(code, output.ToString(), error.ToString());
    }

    protected static Task<AgentRun> AgentAsync(params string[] args) => AgentAsync(null, args);

    /// <summary>
    /// Runs the agent as its own process (<c>dotnet mobileid-agent.dll ARGS</c>) whose input is
    /// <paramref name="standardInput"/> and then its end: input that is not a terminal. The
    /// arguments contain no spaces.
    /// </summary>
    protected static Task<(int Code, string Output)> AgentProcessAsync(string standardInput, params string[] args) =>
        ExternalTool.RunWithInputAsync("dotnet", $"{typeof(MobileId.Agent.Program).Assembly.Location} {string.Join(' ', args)}", standardInput);

    /// <summary>A profile with one certificate of this kind that Cardholders may receive and collect, a Cardholder with an email, and a request: its link and code.</summary>
    protected async Task<MobileIdView> RequestAsync(string tag, string keyAlgorithm = "EcdsaP256", params string[] extendedKeyUsages)
    {
        await CreateProfileAsync("phone-" + tag, false, [new ProfileRoleInput("Cardholder", true, false, false, true, false)], keyAlgorithm,
            extendedKeyUsages.Length > 0 ? extendedKeyUsages : null);
        var person = await App.CreatePersonAsync("agent" + tag, null, $"agent{tag}@example.org", "Cardholder");
        var requested = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput("phone-" + tag, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        return requested.Value!;
    }

    /// <summary>Requests a mobile ID and collects it into the store (a path) with <see cref="Pin"/>; returns the serial of its certificate.</summary>
    protected async Task<string> RequestAndCollectAsync(string store, string keyAlgorithm = "EcdsaP256", params string[] extendedKeyUsages)
    {
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8], keyAlgorithm, extendedKeyUsages);
        var collected = await AgentAsync("collect", request.Link, "--code", request.Code!, "--store", store, "--pin", Pin, "--serial", "SN-" + request.Id.ToString("N")[..8],
            "--key-store", "System Store");
        Assert.True(collected.Code == 0, collected.ToString());
        var listed = await AgentAsync("list", "--store", store);
        return listed.Output.Split("serial ")[1].Split(' ')[0];
    }

    /// <summary>The mails the server wrote to its pickup folder for this address.</summary>
    protected List<MimeKit.MimeMessage> MailsTo(string address)
    {
        var folder = Path.Combine(App.Database.Directory, "data", "mail-pickup");
        return !Directory.Exists(folder) ? [] : Directory.GetFiles(folder, "*.eml").Select(f => MimeKit.MimeMessage.Load(f))
            .Where(m => m.To.Mailboxes.Any(a => a.Address == address)).ToList();
    }

    /// <summary>The path of an agent store in this test's folder.</summary>
    protected string StorePath(string name) => Path.Combine(Dir, name);

    /// <summary><c>collect</c> as an Android phone with a System Store, into the named store with <see cref="Pin"/>.</summary>
    protected Task<AgentRun> CollectAsync(string store, string link, string code, string serial, HttpMessageHandler? handler = null) =>
        AgentAsync(handler, "collect", link, "--code", code, "--store", StorePath(store), "--pin", Pin,
            "--platform", "android", "--serial", serial, "--key-store", "System Store");

    /// <summary>
    /// A certificate policy (EC P-256 and client authentication unless told, device-made key, from the built-in
    /// issuing CA) and a Mobile profile that puts it in the System Store, with these role rights.
    /// </summary>
    protected async Task CreateProfileAsync(string name, bool requireValidation, ProfileRoleInput[] roles, string keyAlgorithm = "EcdsaP256",
        string[]? extendedKeyUsages = null, bool requireCallerVerification = false)
    {
        using var admin = await App.AdminClientAsync();
        var policy = "auth-" + name;
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name = policy, ca = IssuingCa, keyAlgorithm, keyUsage = new[] { "DigitalSignature" },
            extendedKeyUsages = extendedKeyUsages ?? ["1.3.6.1.5.5.7.3.2"], subjectTemplate = "CN={displayName}", validityDays = 365,
        })).StatusCode);
        var profile = await App.WithServicesAsync(s => s.GetRequiredService<ProfilesService>().SaveAsync(Caller.System("test"), null,
            new ProfileInput(name, null, null, null, requireValidation, null, null, null, null, null, null, null,
                [new ProfileCertificateInput(policy, "System Store", CertificateMode.IssueNew)], [.. roles],
                RequireCallerVerification: requireCallerVerification), CancellationToken.None));
        Assert.True(profile.IsSuccess, profile.Error?.Detail);
    }

    /// <summary>
    /// Exports the one certificate in the store as PEM and checks it: <c>openssl verify</c> against
    /// the chain from <c>/pki/ca/{ca}.pem</c>, and <c>openssl ocsp</c> at <c>/pki/ocsp</c> says good.
    /// Returns its serial number.
    /// </summary>
    protected async Task<string> AssertStoredCertificateChainsAndIsGoodAsync(string store)
    {
        var listed = await AgentAsync("list", "--store", StorePath(store));
        var serials = listed.Output.Split("serial ").Skip(1).Select(s => s.Split(' ')[0]).ToList();
        var serial = Assert.Single(serials);
        var pem = await AgentAsync("export", serial, "--pem", "--store", StorePath(store));
        Assert.True(pem.Code == 0, pem.ToString());
        await File.WriteAllTextAsync($"{Dir}/leaf.pem", pem.Output);
        using var http = new HttpClient();
        await File.WriteAllTextAsync($"{Dir}/chain.pem", await http.GetStringAsync($"{Base}/pki/ca/{IssuingCa}.pem"));
        using var issuing = X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync($"{Base}/pki/ca/{IssuingCa}.crt"));
        await File.WriteAllTextAsync($"{Dir}/issuing.pem", issuing.ExportCertificatePem());
        var verify = await ExternalTool.RunAsync("openssl", $"verify -CAfile {Dir}/chain.pem {Dir}/leaf.pem");
        Assert.True(verify.Code == 0, verify.Output);
        var ocsp = await ExternalTool.RunAsync("openssl", $"ocsp -issuer {Dir}/issuing.pem -cert {Dir}/leaf.pem -url {Base}/pki/ocsp -CAfile {Dir}/chain.pem");
        Assert.True(ocsp.Code == 0 && ocsp.Output.Contains(": good", StringComparison.Ordinal), ocsp.Output);
        return serial;
    }

    /// <summary>The audit actions among <paramref name="actions"/> recorded about a person, in order.</summary>
    /// <summary>A webhook subscription to these event types (its receiver need not answer: the tests read the queued deliveries).</summary>
    protected async Task SubscribeAsync(params string[] events)
    {
        using var admin = await App.AdminClientAsync();
        var response = await admin.PostAsJsonAsync("/api/v1/webhooks",
            new { name = "wh-" + Guid.NewGuid().ToString("N")[..8], url = "https://hooks.example.org/mobileid", events, active = true });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The payloads of the webhook deliveries of this event type, oldest first.</summary>
    protected Task<List<string>> WebhookPayloadsAsync(string eventType) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().WebhookDeliveries
            .Where(d => d.EventType == eventType).OrderBy(d => d.CreatedAt).Select(d => d.Payload).ToListAsync());

    protected Task<List<string>> ActionsAsync(Guid personId, params string[] actions) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .Where(a => a.TargetPersonId == personId && actions.Contains(a.Action)).OrderBy(a => a.Sequence).Select(a => a.Action).ToListAsync());
}
