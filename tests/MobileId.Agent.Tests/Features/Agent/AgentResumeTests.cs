using System.Net.Http.Headers;

namespace MobileId.Agent.Tests.Features.Agent;

/// <summary>
/// Interrupted collections (PRODUCT.md §5.4): the built server is killed (SIGKILL) right after it
/// issued the certificates and before the agent read the answer; the agent, or a second run of it,
/// resumes, and exactly one set of certificates exists. Also: the agent gives up a collection.
/// </summary>
public sealed class AgentResumeTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mid-resume-").FullName;
    private readonly int _port = LoopbackPorts.Free();
    private ServerProcess? _server;
    private HttpClient _admin = null!;

    private string Base => $"http://127.0.0.1:{_port}";

    public async Task InitializeAsync()
    {
        var data = $"--MobileId:DataDirectory={Path.Combine(_dir, "data")}";
        var init = await CommandLine.RunAsync("init", data);
        Assert.True(init.ExitCode == 0, init.Output + init.Error);
        var created = await CommandLine.RunAsync("admin", "api-client", "create", "--name", "resume", "--role", "Administrator", data);
        Assert.True(created.ExitCode == 0, created.Output + created.Error);
        _admin = new HttpClient { BaseAddress = new Uri(Base) };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            created.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1]);
        _server = await StartServerAsync();
        var settings = await _admin.PutAsJsonAsync("/api/v1/settings", new
        {
            values = new Dictionary<string, object> { ["webServerExternalAddress"] = Base, ["minimumRetryDelay"] = 1, ["maximumRetryAttempts"] = 9, ["logLevel"] = 4 },
        });
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);

        // Note: Request ID belongs to no role by default (PRODUCT.md §2); the administrators get it here.
        var administrator = (await MobileIdApp.ReadJsonAsync(await _admin.GetAsync("/api/v1/roles"))).GetProperty("items").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == "Administrator");
        var workflows = administrator.GetProperty("workflows").EnumerateArray().Select(w => w.GetString()!).Append("RequestId").ToList();
        var granted = await _admin.PutAsJsonAsync($"/api/v1/roles/{administrator.GetProperty("id").GetGuid()}", new { name = "Administrator", scope = "All", workflows });
        Assert.True(granted.StatusCode == HttpStatusCode.OK, await granted.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    private async Task<ServerProcess> StartServerAsync()
    {
        var server = ServerProcess.Start(["--urls", Base], _dir);
        await server.WaitUntilReadyAsync(Base);
        return server;
    }

    /// <summary>A profile with one device-made certificate, a person with an email, and Request ID over the API.</summary>
    private async Task<(Guid PersonId, Guid MobileId, string Link, string Code)> RequestAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name = "auth-" + tag, ca = "MobileIdIssuingCA", keyAlgorithm = "EcdsaP256", keyUsage = new[] { "DigitalSignature" },
            extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.2" }, subjectTemplate = "CN={displayName}", validityDays = 365,
        })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/v1/profiles", new
        {
            name = "phone-" + tag, certificates = new[] { new { policy = "auth-" + tag, container = "System Store", mode = "IssueNew" } },
            roles = new[] { new { role = "Cardholder", canReceive = true, canRequest = false, canCollect = true }, new { role = "Administrator", canReceive = false, canRequest = true, canCollect = false } },
        })).StatusCode);
        var person = await _admin.PostAsJsonAsync("/api/v1/people", new { logonName = "res" + tag, firstName = "Resume", lastName = tag, email = $"res{tag}@example.org" });
        Assert.Equal(HttpStatusCode.Created, person.StatusCode);
        var personId = (await MobileIdApp.ReadJsonAsync(person)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/v1/people/{personId}/roles", new { roles = new[] { "Cardholder" } })).StatusCode);
        var requested = await _admin.PostAsJsonAsync($"/api/v1/people/{personId}/mobile-ids", new { profile = "phone-" + tag });
        Assert.True(requested.StatusCode == HttpStatusCode.Created, await requested.Content.ReadAsStringAsync());
        var body = await MobileIdApp.ReadJsonAsync(requested);
        return (personId, body.GetProperty("id").GetGuid(), body.GetProperty("link").GetString()!, body.GetProperty("code").GetString()!);
    }

    private static Task<AgentRun> AgentAsync(HttpMessageHandler? handler, params string[] args) => AgentTestKit.AgentAsync(handler, args);

    private async Task<List<JsonElement>> CertificatesOfAsync(Guid personId) =>
        (await MobileIdApp.ReadJsonAsync(await _admin.GetAsync($"/api/v1/people/{personId}/certificates"))).GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task Collect_ServerKilledAfterIssuingBeforeAnswering_AgentRetriesIntoTheRestartedServerAndOneSetExists()
    {
        // Arrange: the server is killed the moment it has answered the first collect, before the agent reads the answer.
        var (personId, mobileId, link, code) = await RequestAsync();
        var store = Path.Combine(_dir, "store-kill");
        Task<ServerProcess>? restarted = null;
        using var crash = new InterruptingHandler("/collect/", sent: true, async () =>
        {
            await _server!.KillAsync();
            await _server.DisposeAsync();
            _server = null;
            restarted = StartServerAsync();
            return new HttpRequestException("The connection was reset by the peer.");
        });

        // Act
        var collected = await AgentAsync(crash, "collect", link, "--code", code, "--store", store, "--pin", "246810", "--serial", "SN-KILL-1", "--key-store", "System Store");
        _server = await restarted!;

        // Assert
        Assert.True(collected.Code == 0, collected.Output + collected.Error);
        Assert.Contains("trying again in", collected.Output, StringComparison.Ordinal);
        Assert.True(crash.Calls >= 2, $"The agent sent the collect {crash.Calls} time(s).");
        var certificates = await CertificatesOfAsync(personId);
        Assert.Single(certificates);
        var mobile = await MobileIdApp.ReadJsonAsync(await _admin.GetAsync($"/api/v1/mobile-ids/{mobileId}"));
        Assert.Equal("Issued", mobile.GetProperty("status").GetString());
        var listed = await AgentAsync(null, "list", "--store", store);
        Assert.Contains(certificates[0].GetProperty("serialNumber").GetString()!, listed.Output, StringComparison.OrdinalIgnoreCase);
        var log = await File.ReadAllTextAsync(Path.Combine(store, "logs", MobileId.Agent.AgentLog.FileName));
        Assert.Contains("WARNING POST /device/v1/collect/", log, StringComparison.Ordinal);
        Assert.Contains($"INFO    mobile ID {mobileId} confirmed: Issued", log, StringComparison.Ordinal);
        Assert.DoesNotContain(code.Replace(" ", "", StringComparison.Ordinal), log.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collect_AgentStoppedBeforeConfirming_SecondRunConfirmsWithoutTheCodeAndIssuesNothingNew()
    {
        // Arrange: the agent "dies" (an exception it does not handle) as it is about to confirm.
        var (personId, mobileId, link, code) = await RequestAsync();
        var store = Path.Combine(_dir, "store-agent");
        using var dies = new InterruptingHandler("/confirm/", sent: false, () => Task.FromResult<Exception>(new InvalidOperationException("power lost")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => AgentAsync(dies, "collect", link, "--code", code, "--store", store, "--pin", "246810",
            "--serial", "SN-AGENT-STOP", "--key-store", "System Store"));
        var before = await MobileIdApp.ReadJsonAsync(await _admin.GetAsync($"/api/v1/mobile-ids/{mobileId}"));

        // Act: no --code this time — the stored session is enough.
        var resumed = await AgentAsync(null, "collect", link, "--store", store, "--pin", "246810", "--serial", "SN-AGENT-STOP");

        // Assert
        Assert.Equal("Collecting", before.GetProperty("status").GetString());
        Assert.True(resumed.Code == 0, resumed.Output + resumed.Error);
        Assert.Contains("Resuming the collection", resumed.Output, StringComparison.Ordinal);
        Assert.Single(await CertificatesOfAsync(personId));
        var after = await MobileIdApp.ReadJsonAsync(await _admin.GetAsync($"/api/v1/mobile-ids/{mobileId}"));
        Assert.Equal("Issued", after.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CollectCancel_InterruptedCollection_RevokesItsCertificateAndOpenSslOcspSaysRevoked()
    {
        // Arrange: the collection stops before the package is read.
        var (personId, mobileId, link, code) = await RequestAsync();
        var store = Path.Combine(_dir, "store-cancel");
        using var dies = new InterruptingHandler("/collect/", sent: true, () => Task.FromResult<Exception>(new InvalidOperationException("power lost")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => AgentAsync(dies, "collect", link, "--code", code, "--store", store, "--pin", "246810",
            "--serial", "SN-CANCEL", "--key-store", "System Store"));

        // Act
        var cancelled = await AgentAsync(null, "collect", link, "--cancel", "--store", store, "--pin", "246810");
        var again = await AgentAsync(null, "collect", link, "--cancel", "--store", store, "--pin", "246810");

        // Assert
        Assert.True(cancelled.Code == 0, cancelled.Output + cancelled.Error);
        var certificate = Assert.Single(await CertificatesOfAsync(personId));
        Assert.Contains(certificate.GetProperty("serialNumber").GetString()!, cancelled.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Revoked", certificate.GetProperty("status").GetString());
        await File.WriteAllTextAsync(Path.Combine(_dir, "leaf.pem"), certificate.GetProperty("pem").GetString());
        using var http = new HttpClient();
        await File.WriteAllTextAsync(Path.Combine(_dir, "chain.pem"), await http.GetStringAsync($"{Base}/pki/ca/MobileIdIssuingCA.pem"));
        using var issuing = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(
            await http.GetByteArrayAsync($"{Base}/pki/ca/MobileIdIssuingCA.crt"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "issuing.pem"), issuing.ExportCertificatePem());
        var ocsp = await ExternalTool.RunAsync("openssl",
            $"ocsp -issuer {_dir}/issuing.pem -cert {_dir}/leaf.pem -url {Base}/pki/ocsp -CAfile {_dir}/chain.pem");
        Assert.True(ocsp.Code == 0 && ocsp.Output.Contains(": revoked", StringComparison.Ordinal), ocsp.Output);
        Assert.Equal("ReadyToCollect", (await MobileIdApp.ReadJsonAsync(await _admin.GetAsync($"/api/v1/mobile-ids/{mobileId}"))).GetProperty("status").GetString());
        Assert.Equal(3, again.Code);
        Assert.Contains("nothing to cancel", again.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Passes requests to the server; on the first one whose path contains <c>path</c>, <c>interrupt</c>
    /// runs and its exception is thrown instead of the answer — after the server answered when
    /// <c>sent</c>, before the request leaves when not.
    /// </summary>
    private sealed class InterruptingHandler(string path, bool sent, Func<Task<Exception>> interrupt) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _calls;

        /// <summary>Requests to <c>path</c> seen, the interrupted one included.</summary>
        public int Calls => _calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.Contains(path, StringComparison.Ordinal) && Interlocked.Increment(ref _calls) == 1)
            {
                if (sent)
                {
                    using var answered = await base.SendAsync(request, cancellationToken);
                }

                throw await interrupt();
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
