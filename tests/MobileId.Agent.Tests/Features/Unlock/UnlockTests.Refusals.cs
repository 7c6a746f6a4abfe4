using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MobileId.Server.Features.Device;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.Profiles;
using MobileId.Agent.Tests.Features.Agent;

namespace MobileId.Agent.Tests.Features.Unlock;

public sealed partial class UnlockTests
{
    [Fact]
    public async Task Unlock_FingerprintVerificationDuringUnlockOn_DeviceAndOperatorRefuseWithTheBiometricMessage()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings",
            new { values = new Dictionary<string, object> { ["verifyFingerprintsDuringCardUnlock"] = true } })).StatusCode);
        using var helpdesk = await App.ClientForAsync(phone.Helpdesk, Scope.All);

        // Act
        var agent = await AgentProcessAsync("", "unlock", "--store", phone.Store);
        var operatorAnswer = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });

        // Assert
        Assert.Equal(MobileId.Agent.Program.Rejected, agent.Code);
        Assert.Contains(Enrolment.BiometricMessage, agent.Output, StringComparison.Ordinal);
        var problem = await MobileIdApp.AssertProblemAsync(operatorAnswer, 422, ErrorCodes.NotEligible);
        Assert.Equal(Enrolment.BiometricMessage, problem.GetProperty("detail").GetString());
        await AssertNoCodeAsync(requestId);
    }

    [Fact]
    public async Task Unlock_ConfirmedWithoutEscrow_RefusedAsNotUnlockable()
    {
        // Arrange
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        using var http = new HttpClient { BaseAddress = new Uri(Base) };
        using var sessionKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var enrolled = await MobileIdApp.ReadJsonAsync(await http.PostAsJsonAsync(new Uri(request.Link).AbsolutePath, new
        {
            code = request.Code, sessionKey = Convert.ToBase64String(sessionKey.ExportSubjectPublicKeyInfo()),
            device = new { serialNumber = "SN-" + request.Id.ToString("N")[..8], platform = "android", keyStores = new[] { "System Store" } },
        }));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Session", enrolled.GetProperty("sessionToken").GetString());
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=phone", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync($"/device/v1/collect/{request.Id}", new { certificateRequests = new[] { new { slot = 0, csr } } })).StatusCode);
        var confirmed = await http.PostAsync($"/device/v1/confirm/{request.Id}", null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Unlock", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        // Act
        var unlock = await http.PostAsJsonAsync($"/device/v1/unlock/{request.Id}", new { key = Convert.ToBase64String(sessionKey.ExportSubjectPublicKeyInfo()) });

        // Assert
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var answer = await MobileIdApp.ReadJsonAsync(confirmed);
        Assert.Equal("Issued", answer.GetProperty("status").GetString());
        Assert.False(answer.GetProperty("unlockable").GetBoolean());
        var problem = await MobileIdApp.AssertProblemAsync(unlock, 422, ErrorCodes.NotUnlockable);
        Assert.Contains("cannot be unlocked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(db => db.UnlockRequests.CountAsync(u => u.MobileIdentityId == request.Id)));
    }

    [Fact]
    public async Task Unlock_CancelledOrDisabledMobileId_DeviceAndOperatorRefusedAndCancelErasesTheUnlockKey()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var other = await CollectAsync("other");
        var (requestId, challenge) = await StartAsync(other);
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{phone.MobileId}/cancel", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{other.MobileId}/disable", new { reason = "lost" })).StatusCode);
        using var helpdesk = await App.ClientForAsync(other.Helpdesk, Scope.All);

        // Act
        var cancelled = await AgentProcessAsync("", "unlock", "--store", phone.Store);
        var disabled = await AgentProcessAsync("", "unlock", "--store", other.Store);
        var operatorAnswer = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{other.DeviceId}/unlock-code", new { challenge });

        // Assert
        Assert.Equal(MobileId.Agent.Program.Rejected, cancelled.Code);
        Assert.Contains("Cancelled; only an Issued mobile ID can be unlocked", cancelled.Output, StringComparison.Ordinal);
        Assert.Equal(MobileId.Agent.Program.Rejected, disabled.Code);
        Assert.Contains("disabled; it cannot be unlocked until it is enabled again", disabled.Output, StringComparison.Ordinal);
        var problem = await MobileIdApp.AssertProblemAsync(operatorAnswer, 409, ErrorCodes.Conflict);
        Assert.Contains("disabled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNoCodeAsync(requestId);
        Assert.Null(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities
            .Where(m => m.Id == phone.MobileId).Select(m => m.UnlockKey).SingleAsync()));
        Assert.Equal(0, await CountAsync(db => db.UnlockRequests.CountAsync(u => u.MobileIdentityId == phone.MobileId)));
    }

    [Fact]
    public async Task UnlockEndpoints_BadInput_ProblemDetailsAndNothingChanges()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        using var device = DeviceClient(phone);
        using var stranger = new HttpClient { BaseAddress = new Uri(Base) };
        stranger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Unlock", "not-the-token-of-this-mobile-id");
        using var helpdesk = await App.ClientForAsync(phone.Helpdesk, Scope.All);

        // Act
        var badKey = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}", new { key = "AAAA" });
        var badToken = await stranger.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}", new { key = DeviceKey() });
        var noCode = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId });
        var notIssued = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code = "1234 5678" });
        var badChallenge = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge = "12ab" });
        var unknownChallenge = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code",
            new { challenge = challenge == "1111 1111" ? "2222 2222" : "1111 1111" });
        var unknownDevice = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{Guid.NewGuid()}/unlock-code", new { challenge });
        var badChannel = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-verification", new { challenge, channel = "pigeon" });
        var notRequired = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-verification", new { challenge });
        var badEscrow = await stranger.PostAsJsonAsync($"/device/v1/confirm/{phone.MobileId}",
            new { unlockToken = "short", unlockKey = "AAAA" });

        // Assert
        await MobileIdApp.AssertProblemAsync(badKey, 400, ErrorCodes.ValidationFailed);
        await MobileIdApp.AssertProblemAsync(badToken, 401, ErrorCodes.UnlockInvalid);
        await MobileIdApp.AssertProblemAsync(noCode, 400, ErrorCodes.ValidationFailed);
        var early = await MobileIdApp.AssertProblemAsync(notIssued, 422, ErrorCodes.CodeRejected);
        Assert.Contains("No unlock code has been issued", early.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await MobileIdApp.AssertProblemAsync(badChallenge, 400, ErrorCodes.ValidationFailed);
        var unknown = await MobileIdApp.AssertProblemAsync(unknownChallenge, 404, ErrorCodes.NotFound);
        Assert.Contains("no open unlock request", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await MobileIdApp.AssertProblemAsync(unknownDevice, 404, ErrorCodes.NotFound);
        await MobileIdApp.AssertProblemAsync(badChannel, 400, ErrorCodes.ValidationFailed);
        await MobileIdApp.AssertProblemAsync(notRequired, 409, ErrorCodes.Conflict);
        await MobileIdApp.AssertProblemAsync(badEscrow, 400, ErrorCodes.ValidationFailed);
        Assert.Equal(1, await CountAsync(db => db.UnlockRequests.CountAsync()));
        await AssertNoCodeAsync(requestId);
        Assert.Equal(0, await CountAsync(db => db.UnlockRequests.Where(u => u.Id == requestId).Select(u => u.CodeFailures).SingleAsync()));
    }
}
