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

/// <summary>
/// Unlock Credential end to end (PRODUCT.md §5.6): a mobile ID collected by the real agent, its
/// store blocked by wrong PINs, <c>mobileid-agent unlock</c> showing a challenge, an operator with
/// Can Unlock reading back the code from RequestUnlockCodeForDevice, and the agent setting a new PIN;
/// and every way the code is refused.
/// </summary>
public sealed partial class UnlockTests : AgentTestKit
{
    private const string NewPin = "135792";

    /// <summary>A collected mobile ID: its store, the device, and the helpdesk role that has Can Unlock for its profile.</summary>
    private sealed record Collected(Guid MobileId, Guid PersonId, Guid DeviceId, string Store, string CertificateSerial, string Helpdesk, string Email);

    [GeneratedRegex(@"(?<!\d)\d{4} \d{4}(?!\d)")]
    private static partial Regex Grouped();

    [Fact]
    public async Task Unlock_BlockedStore_HelpdeskCodeSetsNewPinAndTheOldKeysWork()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        await SubscribeAsync("unlocked");
        var blocked = await BlockAsync(phone);
        var document = Path.Combine(Dir, "doc.txt");
        await File.WriteAllTextAsync(document, "signed after an unlock");

        // Act
        var shown = await AgentProcessAsync("", "unlock", "--store", phone.Store);
        var challenge = Grouped().Match(shown.Output).Value;
        var shownAgain = await AgentProcessAsync("", "unlock", "--store", phone.Store);
        using var helpdesk = await App.ClientForAsync(phone.Helpdesk, Scope.All);
        var issued = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge = challenge.Replace(" ", "") });
        var answer = await MobileIdApp.ReadJsonAsync(issued);
        var unlocked = await AgentAsync("unlock", "--store", phone.Store, "--code", answer.GetProperty("unlockCode").GetString()!, "--new-pin", NewPin);
        var oldPin = await AgentAsync("sign", phone.CertificateSerial, document, "--pin", Pin, "--store", phone.Store);
        var signed = await AgentAsync("sign", phone.CertificateSerial, document, "--pin", NewPin, "--store", phone.Store);
        var pem = await AgentAsync("export", phone.CertificateSerial, "--pem", "--store", phone.Store);

        // Assert
        Assert.Contains("the store is blocked", blocked.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(MobileId.Agent.AgentStore.PathIn(phone.Store)), "a blocked store keeps its keys");
        Assert.NotEqual("", challenge);
        Assert.Contains(challenge, shownAgain.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Matches(Grouped(), answer.GetProperty("unlockCode").GetString()!);
        Assert.Equal(phone.MobileId, answer.GetProperty("mobileId").GetGuid());
        Assert.Equal(phone.PersonId, answer.GetProperty("person").GetProperty("id").GetGuid());
        Assert.True(unlocked.Code == 0, unlocked.ToString());
        Assert.Contains("Unlocked", unlocked.Output, StringComparison.Ordinal);
        Assert.Equal(MobileId.Agent.Program.Rejected, oldPin.Code);
        Assert.True(signed.Code == 0, signed.ToString());
        var verified = await ExternalTool.RunAsync("openssl", $"cms -verify -binary -inform DER -in {document}.p7s -content {document} -noverify -out /dev/null");
        Assert.True(verified.Code == 0, verified.Output);
        Assert.True(pem.Code == 0, pem.ToString());
        Assert.Contains("BEGIN CERTIFICATE", pem.Output, StringComparison.Ordinal);
        var status = await AgentAsync("status", "--store", phone.Store);
        Assert.Contains("3 PIN tries left", status.Output, StringComparison.Ordinal);
        Assert.Equal(["mobile-id.unlock-requested", "mobile-id.unlock-code-issued", "mobile-id.unlocked"],
            await ActionsAsync(phone.PersonId, "mobile-id.unlock-requested", "mobile-id.unlock-code-issued", "mobile-id.unlocked"));
        Assert.DoesNotContain(answer.GetProperty("unlockCode").GetString()!.Replace(" ", ""), await AuditTextAsync(phone.PersonId), StringComparison.Ordinal);
        var unlockedEvent = Assert.Single(await WebhookPayloadsAsync("unlocked"));
        Assert.Contains(phone.MobileId.ToString(), unlockedEvent, StringComparison.Ordinal);
        Assert.DoesNotContain(answer.GetProperty("unlockCode").GetString()!.Replace(" ", ""), unlockedEvent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_CodeUsedOnce_RetryGetsTheSameAnswerAndANewRequestRefusesIt()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        var code = await IssueCodeAsync(phone, challenge);
        using var device = DeviceClient(phone);
        var first = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code });
        var firstBody = await first.Content.ReadAsStringAsync();

        // Act
        var retried = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code });
        var (nextRequest, _) = await StartAsync(phone);
        var reused = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId = nextRequest, code });

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(firstBody, await retried.Content.ReadAsStringAsync());
        Assert.NotEqual(requestId, nextRequest);
        await MobileIdApp.AssertProblemAsync(reused, 422, ErrorCodes.CodeRejected);
        Assert.Equal(1, await CountAsync(db => db.AuditRecords.CountAsync(a => a.TargetPersonId == phone.PersonId && a.Action == "mobile-id.unlocked")));
    }

    [Fact]
    public async Task Complete_CodeOfAnotherDevice_RefusedAndTheRightDeviceStillCompletes()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var other = await CollectAsync("other");
        var (requestId, challenge) = await StartAsync(phone);
        var (otherRequest, _) = await StartAsync(other);
        var code = await IssueCodeAsync(phone, challenge);
        using var otherDevice = DeviceClient(other);
        using var device = DeviceClient(phone);

        // Act
        var foreignRequest = await otherDevice.PostAsJsonAsync($"/device/v1/unlock/{other.MobileId}/complete", new { requestId, code });
        var foreignMobileId = await otherDevice.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code });
        var ownRequest = await otherDevice.PostAsJsonAsync($"/device/v1/unlock/{other.MobileId}/complete", new { requestId = otherRequest, code });
        using var helpdesk = await App.ClientForAsync(phone.Helpdesk, Scope.All);
        var wrongDeviceForOperator = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{other.DeviceId}/unlock-code", new { challenge });
        var right = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code });

        // Assert
        await MobileIdApp.AssertProblemAsync(foreignRequest, 404, ErrorCodes.NotFound);
        await MobileIdApp.AssertProblemAsync(foreignMobileId, 401, ErrorCodes.UnlockInvalid);
        await MobileIdApp.AssertProblemAsync(ownRequest, 422, ErrorCodes.CodeRejected);
        await MobileIdApp.AssertProblemAsync(wrongDeviceForOperator, 404, ErrorCodes.NotFound);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Complete_AfterTheCodeLifetime_RefusedUntilANewCodeIsIssued()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        var code = await IssueCodeAsync(phone, challenge);
        await App.WithDbAsync(async db =>
        {
            // Note: the code's lifetime passes (the stored expiry moves back rather than the test waiting).
            var unlock = await db.UnlockRequests.SingleAsync(u => u.Id == requestId);
            unlock.CodeExpiresAt = DateTime.UtcNow.AddSeconds(-1);
            await db.SaveChangesAsync();
        });
        using var device = DeviceClient(phone);

        // Act
        var expired = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code });
        var newCode = await IssueCodeAsync(phone, challenge);
        var oldAfterNew = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code });
        var fresh = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code = newCode });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(expired, 422, ErrorCodes.CodeRejected);
        Assert.Contains("expired", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await MobileIdApp.AssertProblemAsync(oldAfterNew, 422, ErrorCodes.CodeRejected);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Complete_FiveWrongCodes_LocksTheRequestEvenForTheRightCode()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        var code = await IssueCodeAsync(phone, challenge);
        var wrong = code == "0000 0000" ? "1111 1111" : "0000 0000";
        using var device = DeviceClient(phone);

        // Act
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code = wrong }));
        }

        var right = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}/complete", new { requestId, code });

        // Assert
        var fourth = await MobileIdApp.AssertProblemAsync(answers[3], 422, ErrorCodes.CodeRejected);
        Assert.Contains("1 try is left", fourth.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var fifth = await MobileIdApp.AssertProblemAsync(answers[4], 422, ErrorCodes.CodeRejected);
        Assert.Contains("now locked", fifth.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var locked = await MobileIdApp.AssertProblemAsync(right, 422, ErrorCodes.CodeRejected);
        Assert.Contains("locked", locked.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, await CountAsync(db => db.UnlockRequests.Where(u => u.Id == requestId).Select(u => u.CodeFailures).SingleAsync()));
        Assert.Equal(0, await CountAsync(db => db.AuditRecords.CountAsync(a => a.TargetPersonId == phone.PersonId && a.Action == "mobile-id.unlocked")));
    }

    /// <summary>
    /// A profile that Cardholder receives and collects and a new helpdesk role (Find Person, Unlock
    /// Credential; scope All) may unlock; a Cardholder with an email; the mobile ID collected by the
    /// agent into the named store as an Android phone.
    /// </summary>
    private async Task<Collected> CollectAsync(string storeName, bool callerVerification = false, Guid? group = null)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var helpdesk = "helpdesk-" + tag;
        await CreateRoleAsync(helpdesk, Scope.All);
        await CreateProfileAsync("phone-" + tag, false,
            [new ProfileRoleInput("Cardholder", true, false, false, true, false), new ProfileRoleInput(helpdesk, false, false, false, false, true)],
            requireCallerVerification: callerVerification);
        var email = $"holder{tag}@example.org";
        var person = await App.CreatePersonAsync("holder" + tag, group, email, "Cardholder");
        var requested = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), person.Id, new MobileIdRequestInput("phone-" + tag, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        var serial = "SN-" + tag;
        var collected = await CollectAsync(storeName, requested.Value!.Link, requested.Value.Code!, serial);
        Assert.True(collected.Code == 0, collected.ToString());
        var listed = await AgentAsync("list", "--store", StorePath(storeName));
        var deviceId = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.Where(d => d.SerialNumber == serial).Select(d => d.Id).SingleAsync());
        return new Collected(requested.Value.Id, person.Id, deviceId, StorePath(storeName), listed.Output.Split("serial ")[1].Split(' ')[0], helpdesk, email);
    }

    private Task CreateRoleAsync(string name, Scope scope) =>
        App.WithServicesAsync(async s =>
        {
            var created = await s.GetRequiredService<RolesService>().CreateAsync(Caller.System("test"),
                new RoleInput(name, null, scope, [Workflow.FindPerson, Workflow.UnlockCredential], null, null), CancellationToken.None);
            Assert.True(created.IsSuccess, created.Error?.Detail);
            return true;
        });

    /// <summary>Three wrong PINs (the store's limit lowered to three): the last run's output.</summary>
    private async Task<AgentRun> BlockAsync(Collected phone)
    {
        var path = MobileId.Agent.AgentStore.PathIn(phone.Store);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        json["maxPinTries"] = 3;
        await File.WriteAllTextAsync(path, json.ToJsonString());
        AgentRun last = null!;
        for (var i = 0; i < 3; i++)
        {
            last = await AgentAsync("export", phone.CertificateSerial, "--pfx", Path.Combine(Dir, "never.pfx"), "--pin", "000000", "--password", "twelve chars!",
                "--store", phone.Store);
            Assert.Equal(MobileId.Agent.Program.Rejected, last.Code);
        }

        return last;
    }

    /// <summary>A client of the device protocol that authenticates with the unlock token the agent keeps in its store.</summary>
    private static HttpClient DeviceClient(Collected phone)
    {
        var json = JsonNode.Parse(File.ReadAllText(MobileId.Agent.AgentStore.PathIn(phone.Store)))!;
        var server = new Uri(json["identities"]![0]!["server"]!.GetValue<string>());
        var client = new HttpClient { BaseAddress = new Uri(server.GetLeftPart(UriPartial.Authority)) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Unlock", json["identities"]![0]!["unlockToken"]!.GetValue<string>());
        return client;
    }

    /// <summary>Starts an unlock as the device does, with a new key: the request id and the challenge.</summary>
    private static async Task<(Guid RequestId, string Challenge)> StartAsync(Collected phone)
    {
        using var device = DeviceClient(phone);
        var response = await device.PostAsJsonAsync($"/device/v1/unlock/{phone.MobileId}", new { key = DeviceKey() });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await MobileIdApp.ReadJsonAsync(response);
        return (body.GetProperty("requestId").GetGuid(), body.GetProperty("challenge").GetString()!);
    }

    /// <summary>A new ephemeral P-256 public key, as the device sends it.</summary>
    private static string DeviceKey()
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>RequestUnlockCodeForDevice by the helpdesk role: the unlock code.</summary>
    private async Task<string> IssueCodeAsync(Collected phone, string challenge)
    {
        using var helpdesk = await App.ClientForAsync(phone.Helpdesk, Scope.All);
        var response = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await MobileIdApp.ReadJsonAsync(response)).GetProperty("unlockCode").GetString()!;
    }

    private async Task AssertNoCodeAsync(Guid requestId) =>
        Assert.Null(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().UnlockRequests
            .Where(u => u.Id == requestId).Select(u => u.CodeHash).SingleAsync()));

    private Task<int> CountAsync(Func<MobileIdDbContext, Task<int>> query) =>
        App.WithServicesAsync(s => query(s.GetRequiredService<MobileIdDbContext>()));

    private async Task<string> AuditTextAsync(Guid personId) =>
        string.Join("\n", await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .Where(a => a.TargetPersonId == personId).Select(a => a.Details ?? "").ToListAsync()));
}
