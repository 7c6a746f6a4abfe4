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

    [Fact]
    public async Task RequestUnlockCode_RoleWithoutCanUnlock_403AndNoCode()
    {
        // Arrange
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        var role = "no-unlock-" + Guid.NewGuid().ToString("N")[..6];
        await CreateRoleAsync(role, Scope.All);
        using var client = await App.ClientForAsync(role, Scope.All);

        // Act
        var response = await client.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 403, ErrorCodes.WorkflowNotGranted);
        Assert.Contains("Can Unlock", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNoCodeAsync(requestId);
    }

    [Fact]
    public async Task RequestUnlockCode_OperatorForTheirOwnMobileId_403AndNoCode()
    {
        // Arrange: the holder's own client, with the helpdesk role that has Can Unlock.
        var phone = await CollectAsync("phone");
        var (requestId, challenge) = await StartAsync(phone);
        using var self = await App.ClientForAsync(phone.Helpdesk, Scope.All, phone.PersonId);

        // Act
        var response = await self.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 403, ErrorCodes.WorkflowNotGranted);
        Assert.Contains("your own mobile ID", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNoCodeAsync(requestId);
    }

    [Fact]
    public async Task RequestUnlockCode_OperatorOutOfScope_RefusedAndNoCode()
    {
        // Arrange
        var helpdeskGroup = await App.CreateGroupAsync("helpdesk-" + Guid.NewGuid().ToString("N")[..6]);
        var otherGroup = await App.CreateGroupAsync("sales-" + Guid.NewGuid().ToString("N")[..6]);
        var phone = await CollectAsync("phone", group: otherGroup);
        var (requestId, challenge) = await StartAsync(phone);
        var operatorPerson = await App.CreatePersonAsync("op" + Guid.NewGuid().ToString("N")[..6], helpdeskGroup);
        await CreateRoleAsync(phone.Helpdesk + "-dept", Scope.Department);
        await App.WithServicesAsync(async s =>
        {
            var profiles = s.GetRequiredService<MobileIdDbContext>();
            var helpdeskRole = await profiles.Roles.SingleAsync(r => r.Name == phone.Helpdesk + "-dept");
            var profileId = await profiles.MobileIdentities.Where(m => m.Id == phone.MobileId).Select(m => m.ProfileId).SingleAsync();
            profiles.ProfileRoles.Add(new ProfileRole { ProfileId = profileId, RoleId = helpdeskRole.Id, CanUnlock = true });
            return await profiles.SaveChangesAsync();
        });
        using var client = await App.ClientForAsync(phone.Helpdesk + "-dept", Scope.Department, operatorPerson.Id);

        // Act
        var response = await client.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });

        // Assert
        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNoCodeAsync(requestId);
    }

    [Fact]
    public async Task RequestUnlockCode_CallerVerification_CodeFromTheMailReleasesTheUnlockCode()
    {
        // Arrange
        var phone = await CollectAsync("phone", callerVerification: true);
        var (requestId, challenge) = await StartAsync(phone);
        using var helpdesk = await App.ClientForAsync(phone.Helpdesk, Scope.All);

        // Act
        var unverified = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge });
        var sent = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-verification", new { challenge, channel = "email" });
        await App.Services.GetRequiredService<NotificationDispatcher>().DispatchDueAsync(CancellationToken.None);
        var mail = MailsTo(phone.Email).Single(m => m.Subject?.Contains("verification", StringComparison.Ordinal) == true);
        var verification = Grouped().Match(mail.HtmlBody ?? "").Value;
        var wrong = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code",
            new { challenge, verificationCode = verification == "0000 0000" ? "1111 1111" : "0000 0000" });
        var verified = await helpdesk.PostAsJsonAsync($"/api/v1/devices/{phone.DeviceId}/unlock-code", new { challenge, verificationCode = verification });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(unverified, 422, ErrorCodes.VerificationRequired);
        Assert.Contains("requires caller verification", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("email", (await MobileIdApp.ReadJsonAsync(sent)).GetProperty("channel").GetString());
        Assert.NotEqual("", verification);
        await MobileIdApp.AssertProblemAsync(wrong, 422, ErrorCodes.CodeRejected);
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.Matches(Grouped(), (await MobileIdApp.ReadJsonAsync(verified)).GetProperty("unlockCode").GetString()!);
        Assert.Equal(1, await CountAsync(db => db.UnlockRequests.Where(u => u.Id == requestId).Select(u => u.VerificationFailures).SingleAsync()));
    }

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
