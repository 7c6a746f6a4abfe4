using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Device;
using MobileId.Server.Features.MobileIds;
using MobileId.Agent.Tests.Features.Agent;

namespace MobileId.Agent.Tests.Features.Renewal;

/// <summary>
/// Collect My Updates over the device protocol itself: bad input, a wrong session, the wrong state
/// and the biometric setting are refused with problem details and issue nothing; a cancelled
/// mobile ID answers a signed package that says so.
/// </summary>
public sealed class UpdateRejectionTests : AgentTestKit
{
    private static readonly string SessionKey = Convert.ToBase64String(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfo());

    /// <summary>A mobile ID collected over HTTP with a P-256 CSR for its one slot, and confirmed unless told: its id and session token.</summary>
    private async Task<(MobileIdView Request, string Session)> CollectedAsync(bool confirm = true)
    {
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        using var http = new HttpClient();
        var enrolled = await http.PostAsJsonAsync(request.Link, new
        {
            code = request.Code, sessionKey = SessionKey,
            device = new { serialNumber = "SN-" + request.Id.ToString("N")[..8], platform = "android", model = "Pixel 9", osVersion = "16", keyStores = new[] { "System Store" } },
        });
        var session = (await MobileIdApp.ReadJsonAsync(enrolled)).GetProperty("sessionToken").GetString()!;
        var collected = await http.SendAsync(Call($"collect/{request.Id}", new { certificateRequests = new[] { new { slot = 0, csr = Csr() } } }, session));
        Assert.Equal(HttpStatusCode.OK, collected.StatusCode);
        if (confirm)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Call($"confirm/{request.Id}", null, session))).StatusCode);
        }

        return (request, session);
    }

    [Fact]
    public async Task AgentUpdate_OneServerUnreachable_TheOtherMobileIdIsStillUpdatedAndTheExitCodeSaysSo()
    {
        // Arrange: two mobile IDs in one store; the first one's server address points at a closed port, and the policy allows no retry.
        var first = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        var second = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(0, (await CollectAsync("both", first.Link, first.Code!, "SN-A-" + first.Id.ToString("N")[..6])).Code);
        Assert.Equal(0, (await CollectAsync("both", second.Link, second.Code!, "SN-B-" + second.Id.ToString("N")[..6])).Code);
        var path = MobileId.Agent.AgentStore.PathIn(StorePath("both"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        json["identities"]![0]!["server"] = $"http://127.0.0.1:{LoopbackPorts.Free()}/device/v1/";
        json["policy"]!["maximumRetryAttempts"] = 0;
        await File.WriteAllTextAsync(path, json.ToJsonString());

        // Act
        var run = await AgentAsync("update", "--store", StorePath("both"), "--pin", Pin);

        // Assert
        Assert.Equal(MobileId.Agent.Program.Unavailable, run.Code);
        Assert.Contains($"mobile ID {first.Id} ({first.Profile}) was not updated", run.Error, StringComparison.Ordinal);
        Assert.Contains($"Mobile ID {second.Id} ({second.Profile}): 0 renewed, 0 added, 0 removed.", run.Output, StringComparison.Ordinal);
    }

    private HttpRequestMessage Call(string path, object? body, string? session) => new(HttpMethod.Post, $"{Base}/device/v1/{path}")
    {
        Content = body is null ? null : JsonContent.Create(body),
        Headers = { Authorization = session is null ? null : new AuthenticationHeaderValue("Session", session) },
    };

    private static string Csr(bool rsa = false)
    {
        if (rsa)
        {
            using var key = RSA.Create(2048);
            return new CertificateRequest("CN=device", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
        }

        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=device", ec, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    private Task<int> CertificateCountAsync(Guid mobileId) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.CountAsync(c => c.MobileIdentityId == mobileId));

    private async Task<HttpResponseMessage> UpdateAsync(Guid mobileId, string? session, object body)
    {
        using var http = new HttpClient();
        return await http.SendAsync(Call($"update/{mobileId}", body, session));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-token")]
    public async Task Update_NoOrWrongSessionToken_401AndNothingIssued(string? token)
    {
        // Arrange
        var (request, _) = await CollectedAsync();

        // Act
        var response = await UpdateAsync(request.Id, token, new { sessionKey = SessionKey, held = Array.Empty<string>(), certificateRequests = new[] { new { slot = 0, csr = Csr() } } });

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 401, ErrorCodes.SessionInvalid);
        Assert.Equal(1, await CertificateCountAsync(request.Id));
    }

    [Theory]
    [InlineData("unknownSlot", "certificateRequests[0].slot")]
    [InlineData("badCsr", "certificateRequests[0].csr")]
    [InlineData("wrongKeyType", "certificateRequests[0].csr")]
    [InlineData("badSessionKey", "sessionKey")]
    public async Task Update_BadInput_400NamingTheFieldAndNothingIssued(string kind, string field)
    {
        // Arrange
        var (request, session) = await CollectedAsync();
        await App.WithDbAsync(db => db.IssuedCertificates.Where(c => c.MobileIdentityId == request.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.RenewalDueAt, DateTime.UtcNow)));
        var body = new
        {
            sessionKey = kind == "badSessionKey" ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(40)) : SessionKey, held = Array.Empty<string>(),
            certificateRequests = new[] { new { slot = kind == "unknownSlot" ? 7 : 0, csr = kind switch { "badCsr" => "not a CSR", "wrongKeyType" => Csr(rsa: true), _ => Csr() } } },
        };

        // Act
        var response = await UpdateAsync(request.Id, session, body);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(1, await CertificateCountAsync(request.Id));
    }

    [Fact]
    public async Task Update_CsrForASlotNotDue_409AndNothingIssued()
    {
        // Arrange
        var (request, session) = await CollectedAsync();

        // Act
        var response = await UpdateAsync(request.Id, session, new { sessionKey = SessionKey, held = Array.Empty<string>(), certificateRequests = new[] { new { slot = 0, csr = Csr() } } });

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 409, ErrorCodes.Conflict);
        Assert.Equal(1, await CertificateCountAsync(request.Id));
    }

    [Fact]
    public async Task Update_MobileIdStillCollecting_409AndNothingIssued()
    {
        // Arrange
        var (request, session) = await CollectedAsync(confirm: false);

        // Act
        var response = await UpdateAsync(request.Id, session, new { sessionKey = SessionKey, held = Array.Empty<string>(), certificateRequests = Array.Empty<object>() });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 409, ErrorCodes.Conflict);
        Assert.Contains("Collecting", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await CertificateCountAsync(request.Id));
    }

    [Fact]
    public async Task Update_VerifyFingerprintsDuringCardUpdateOn_422WithTheBiometricMessage()
    {
        // Arrange
        var (request, session) = await CollectedAsync();
        await App.WithDbAsync(db => db.IssuedCertificates.Where(c => c.MobileIdentityId == request.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.RenewalDueAt, DateTime.UtcNow)));
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings",
            new { values = new Dictionary<string, object> { ["verifyFingerprintsDuringCardUpdate"] = true } })).StatusCode);

        // Act
        var response = await UpdateAsync(request.Id, session, new { sessionKey = SessionKey, held = Array.Empty<string>(), certificateRequests = new[] { new { slot = 0, csr = Csr() } } });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 422, ErrorCodes.NotEligible);
        Assert.Equal(Enrolment.BiometricMessage, problem.GetProperty("detail").GetString());
        Assert.Equal(1, await CertificateCountAsync(request.Id));
    }

    [Fact]
    public async Task Update_RenewalDueRetriedWithTheSameCsr_OneSuccessorAndConfirmSupersedesOnce()
    {
        // Arrange
        var (request, session) = await CollectedAsync();
        await App.WithDbAsync(db => db.IssuedCertificates.Where(c => c.MobileIdentityId == request.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.RenewalDueAt, DateTime.UtcNow)));
        var body = new { sessionKey = SessionKey, held = Array.Empty<string>(), certificateRequests = new[] { new { slot = 0, csr = Csr() } } };

        // Act
        var first = await MobileIdApp.ReadJsonAsync(await UpdateAsync(request.Id, session, body));
        var retried = await MobileIdApp.ReadJsonAsync(await UpdateAsync(request.Id, session, body));
        var serial = Content(retried).GetProperty("certificates")[0].GetProperty("serialNumber").GetString()!;
        using var http = new HttpClient();
        var confirmed = await MobileIdApp.ReadJsonAsync(await http.SendAsync(Call($"update/{request.Id}/confirm", new { installed = new[] { serial } }, session)));
        var again = await MobileIdApp.ReadJsonAsync(await http.SendAsync(Call($"update/{request.Id}/confirm", new { installed = new[] { serial } }, session)));

        // Assert
        Assert.Equal(serial, Content(first).GetProperty("certificates")[0].GetProperty("serialNumber").GetString());
        Assert.Equal(2, await CertificateCountAsync(request.Id));
        Assert.Equal(1, confirmed.GetProperty("superseded").GetArrayLength());
        Assert.Equal(0, again.GetProperty("superseded").GetArrayLength());
        Assert.Equal(["certificate.renewed"], await ActionsAsync(request.PersonId, "certificate.renewed"));
    }

    [Fact]
    public async Task ConfirmUpdate_SerialOfAnotherMobileId_400AndNothingChanged()
    {
        // Arrange
        var (request, session) = await CollectedAsync();

        // Act
        using var http = new HttpClient();
        var response = await http.SendAsync(Call($"update/{request.Id}/confirm", new { installed = new[] { "0123456789ABCDEF" } }, session));

        // Assert
        await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Empty(await ActionsAsync(request.PersonId, "certificate.renewed"));
    }

    [Fact]
    public async Task Update_CancelledMobileId_SignedPackageWithStatusCancelledAndNoCertificates()
    {
        // Arrange
        var (request, session) = await CollectedAsync();
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/cancel", new { })).StatusCode);

        // Act
        var response = await UpdateAsync(request.Id, session, new { sessionKey = SessionKey, held = Array.Empty<string>(), certificateRequests = new[] { new { slot = 0, csr = Csr() } } });

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var signed = await MobileIdApp.ReadJsonAsync(response);
        using var signer = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(signed.GetProperty("signer")[0].GetString()!));
        using var publicKey = signer.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(Convert.FromBase64String(signed.GetProperty("package").GetString()!),
            Convert.FromBase64String(signed.GetProperty("signature").GetString()!), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var content = Content(signed);
        Assert.Equal("Cancelled", content.GetProperty("status").GetString());
        Assert.Equal(0, content.GetProperty("certificates").GetArrayLength());
        Assert.Equal(1, await CertificateCountAsync(request.Id));
    }

    private static JsonElement Content(JsonElement signed) =>
        JsonDocument.Parse(Convert.FromBase64String(signed.GetProperty("package").GetString()!)).RootElement.Clone();
}
