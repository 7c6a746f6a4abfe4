using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Profiles;
using MobileId.Testing.Features.Notifications;

namespace MobileId.Agent.Tests.Features.Agent;

/// <summary>
/// Mobile ID issuance end to end (PRODUCT.md §5.1–§5.4): an operator or the person requests over the
/// HTTP API, the link and code travel by email, SMS or QR code, and <c>mobileid-agent</c> collects
/// from what arrived; the certificate chains to the CA, OCSP says good, the API shows the mobile ID
/// Issued, and the audit log has every step.
/// </summary>
public sealed partial class AgentIssuanceTests : AgentMessagingTestKit
{
    /// <summary>The roles and the profile of one test: an operator role that may request and validate, and a self-service role.</summary>
    private sealed record World(string Operator, string SelfService, string Profile);

    [GeneratedRegex(@"(?<!\d)\d{4} \d{4}(?!\d)")]
    private static partial Regex GroupedCode();

    [GeneratedRegex(@"https?://\S+?/device/v1/enrol/[A-Za-z0-9_\-]+")]
    private static partial Regex ProvisioningLink();

    /// <summary>The provisioning link and the grouped one-time code in a text; empty where there is none.</summary>
    private static (string Link, string Code) Read(string? text) => (ProvisioningLink().Match(text ?? "").Value, GroupedCode().Match(text ?? "").Value);

    /// <summary>
    /// An operator role (Find Person, Request ID, Validate Request; scope All), a self-service role
    /// (Request My ID, Issue Device; scope Self), and a profile that Cardholder and the self-service
    /// role receive and collect, the operator role requests and validates, and the built-in
    /// Security Officer validates.
    /// </summary>
    private async Task<World> ArrangeAsync(bool requireValidation = false)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var world = new World("operator-" + tag, "self-" + tag, "phone-" + tag);
        await App.WithServicesAsync(async s =>
        {
            var roles = s.GetRequiredService<RolesService>();
            Assert.True((await roles.CreateAsync(Caller.System("test"), new RoleInput(world.Operator, null, Scope.All,
                [Workflow.FindPerson, Workflow.RequestId, Workflow.ValidateRequest], null, null), CancellationToken.None)).IsSuccess);
            Assert.True((await roles.CreateAsync(Caller.System("test"), new RoleInput(world.SelfService, null, Scope.Self,
                [Workflow.FindPerson, Workflow.RequestMyId, Workflow.IssueDevice], null, null), CancellationToken.None)).IsSuccess);
            return true;
        });
        await CreateProfileAsync(world.Profile, requireValidation,
        [
            new ProfileRoleInput(world.Operator, false, true, true, false, false),
            new ProfileRoleInput("Security Officer", false, false, true, false, false),
            new ProfileRoleInput("Cardholder", true, false, false, true, false),
            new ProfileRoleInput(world.SelfService, true, true, false, true, false),
        ]);
        return world;
    }

    private async Task<PersonView> HolderAsync(string? email, string? mobile, string role = "Cardholder")
    {
        var person = await NotificationTesting.PersonAsync(App, "Holder", Guid.NewGuid().ToString("N")[..6], email, mobile);
        var assigned = await App.WithServicesAsync(s => s.GetRequiredService<RolesService>().AssignAsync(Caller.System("test"), person.Id, [role], CancellationToken.None));
        Assert.True(assigned.IsSuccess, assigned.Error?.Detail);
        return person;
    }

    private static async Task<JsonElement> RequestAsync(HttpClient client, string path, string profile)
    {
        var response = await client.PostAsJsonAsync(path, new { profile });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await MobileIdApp.ReadJsonAsync(response);
    }

    /// <summary>Sends what the outbox holds now (the background dispatcher may have sent some of it already).</summary>
    private Task DispatchAsync() => App.Services.GetRequiredService<NotificationDispatcher>().DispatchDueAsync(CancellationToken.None);

    private Task<int> NotificationCountAsync(Guid mobileId) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Notifications.CountAsync(n => n.MobileIdentityId == mobileId));

    private static async Task<JsonElement> MobileIdAsync(HttpClient client, Guid id) =>
        await MobileIdApp.ReadJsonAsync(await client.GetAsync($"/api/v1/mobile-ids/{id}"));

    [Fact]
    public async Task RequestId_EmailChannel_AgentCollectsFromTheMailIssuedChainedGoodAndEveryStepAudited()
    {
        // Arrange
        var world = await ArrangeAsync();
        var email = $"holder{Guid.NewGuid().ToString("N")[..8]}@example.org";
        var person = await HolderAsync(email, null);
        using var operatorClient = await App.ClientForAsync(world.Operator, Scope.All);
        using var admin = await App.AdminClientAsync();

        // Act: the operator requests; the mail goes out; the agent collects from what the mail says.
        var requested = await RequestAsync(operatorClient, $"/api/v1/people/{person.Id}/mobile-ids", world.Profile);
        var id = requested.GetProperty("id").GetGuid();
        await DispatchAsync();
        var mail = Assert.Single(MailsTo(email));
        var (link, code) = Read(mail.TextBody);
        var collected = await CollectAsync("store", link, code, "SN-E2E-MAIL");

        // Assert: the mail carried the request's link and code.
        Assert.Equal("Email", requested.GetProperty("channel").GetString());
        Assert.Equal(requested.GetProperty("link").GetString(), link);
        Assert.Equal(requested.GetProperty("code").GetString(), code);
        Assert.Contains($"href=\"{link}\"", mail.HtmlBody, StringComparison.Ordinal);
        Assert.True(collected.Code == 0, collected.ToString());
        Assert.Contains("1 certificate(s)", collected.Output, StringComparison.Ordinal);
        var serial = await AssertStoredCertificateChainsAndIsGoodAsync("store");

        // The API shows the mobile ID Issued on the device, and the person's one certificate is the agent's.
        var mobileId = await MobileIdAsync(operatorClient, id);
        Assert.Equal("Issued", mobileId.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, mobileId.GetProperty("issuedAt").ValueKind);
        var deviceId = mobileId.GetProperty("deviceId").GetGuid();
        var device = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.AsNoTracking().SingleAsync(d => d.Id == deviceId));
        Assert.Equal(("SN-E2E-MAIL", "android", DeviceStatus.Active, person.Id), (device.SerialNumber, device.Platform, device.Status, device.OwnerId));
        var certificates = await MobileIdApp.ReadJsonAsync(await operatorClient.GetAsync($"/api/v1/people/{person.Id}/certificates"));
        var certificate = Assert.Single(certificates.GetProperty("items").EnumerateArray());
        Assert.Equal(serial, certificate.GetProperty("serialNumber").GetString(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("Valid", certificate.GetProperty("status").GetString());

        // The audit log has every step, in order, each a success, and its chain is intact.
        var audit = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/audit?personId={person.Id}&pageSize=200"));
        var records = audit.GetProperty("items").EnumerateArray().Reverse()
            .SkipWhile(r => r.GetProperty("action").GetString() != "mobile-id.requested").ToList();
        Assert.Equal(
            new[] { "mobile-id.requested", "notification.sent", "device.enrolled", "mobile-id.code-redeemed", "certificate.issued", "mobile-id.collected", "mobile-id.issued" },
            records.Select(r => r.GetProperty("action").GetString()));
        Assert.All(records, r => Assert.Equal("Success", r.GetProperty("outcome").GetString()));
        Assert.StartsWith("client-", records[0].GetProperty("actorName").GetString(), StringComparison.Ordinal);
        Assert.Contains(serial, records[4].GetProperty("targetId").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("SN-E2E-MAIL", records[6].GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(records, r => (r.GetProperty("details").GetString() ?? "").Contains(code, StringComparison.Ordinal));
        var verified = await MobileIdApp.ReadJsonAsync(await admin.GetAsync("/api/v1/audit/verify"));
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
    }

    [Fact]
    public async Task RequestId_SendMobileOtpViaSms_CodeOnlyBySmsLinkOnlyByEmailAndTheAgentCollectsWithBoth()
    {
        // Arrange
        var world = await ArrangeAsync();
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/settings", new { values = new Dictionary<string, object> { ["sendMobileOtpViaSms"] = true } })).StatusCode);
        var email = $"two{Guid.NewGuid().ToString("N")[..8]}@example.org";
        var person = await HolderAsync(email, "+44 7700 900321");
        using var operatorClient = await App.ClientForAsync(world.Operator, Scope.All);

        // Act
        var requested = await RequestAsync(operatorClient, $"/api/v1/people/{person.Id}/mobile-ids", world.Profile);
        await DispatchAsync();
        var mail = Assert.Single(MailsTo(email));
        var received = Assert.Single(Gateway.Received).Body;
        var sms = received.GetProperty("text").GetString()!;
        var link = Read(mail.TextBody).Link;
        var code = Read(sms).Code;
        var collected = await CollectAsync("store", link, code, "SN-E2E-SMS");

        // Assert: the code only by SMS, the link only by email.
        Assert.Equal("EmailAndSms", requested.GetProperty("channel").GetString());
        Assert.Equal("+447700900321", received.GetProperty("to").GetString());
        Assert.Equal(requested.GetProperty("link").GetString(), link);
        Assert.Equal(requested.GetProperty("code").GetString(), code);
        var token = link.Split('/')[^1];
        Assert.DoesNotContain(token, sms, StringComparison.Ordinal);
        Assert.DoesNotContain("/enrol/", sms, StringComparison.Ordinal);
        foreach (var part in new[] { mail.TextBody, mail.HtmlBody, mail.Subject })
        {
            Assert.DoesNotContain(code, part, StringComparison.Ordinal);
            Assert.DoesNotContain(code.Replace(" ", "", StringComparison.Ordinal), part, StringComparison.Ordinal);
            Assert.DoesNotMatch(GroupedCode(), part);
        }

        Assert.True(collected.Code == 0, collected.ToString());
        Assert.Equal("Issued", (await MobileIdAsync(operatorClient, requested.GetProperty("id").GetGuid())).GetProperty("status").GetString());
    }

    [Fact]
    public async Task RequestMyId_NoEmailNoPhone_QrCodeDecodedByZbarAndTheCodeCollect()
    {
        // Arrange
        var world = await ArrangeAsync();
        var person = await HolderAsync(null, null, world.SelfService);
        using var self = await App.ClientForAsync(world.SelfService, Scope.Self, person.Id);
        using var anonymous = new HttpClient();

        // Act: the person asks; the QR image is fetched like a browser would and read with zbarimg.
        var requested = await RequestAsync(self, "/api/v1/me/mobile-ids", world.Profile);
        var id = requested.GetProperty("id").GetGuid();
        var qrUrl = requested.GetProperty("qrCodeUrl").GetString()!;
        var png = await anonymous.GetAsync(qrUrl);
        await File.WriteAllBytesAsync($"{Dir}/qr.png", await png.Content.ReadAsByteArrayAsync());
        var decoded = await ExternalTool.RunAsync("zbarimg", $"--raw -q {Dir}/qr.png");
        var payload = decoded.Output.Split('\n').ElementAtOrDefault(1)?.Trim() ?? "";
        var collected = await CollectAsync("store", payload, requested.GetProperty("code").GetString()!, "SN-E2E-QR");
        var afterwards = await anonymous.GetAsync(qrUrl);

        // Assert
        Assert.Equal("QrCode", requested.GetProperty("channel").GetString());
        Assert.StartsWith(Base + "/qr/", qrUrl, StringComparison.Ordinal);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.True(decoded.Code == 0, decoded.Output + "\n(./test.sh installs zbar-tools)");
        Assert.Equal(requested.GetProperty("link").GetString(), payload);
        Assert.StartsWith(Base + "/device/v1/enrol/", payload, StringComparison.Ordinal);
        Assert.Equal(0, await NotificationCountAsync(id));
        Assert.True(collected.Code == 0, collected.ToString());
        Assert.Equal("Issued", (await MobileIdAsync(self, id)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, afterwards.StatusCode);
    }

    [Fact]
    public async Task RequestId_RequireValidation_CodeWithheldUntilASecondOperatorValidatesThenTheAgentCollects()
    {
        // Arrange
        var world = await ArrangeAsync(requireValidation: true);
        var email = $"checked{Guid.NewGuid().ToString("N")[..8]}@example.org";
        var person = await HolderAsync(email, null);
        using var requester = await App.ClientForAsync(world.Operator, Scope.All);
        using var securityOfficer = await App.ClientForAsync("Security Officer", Scope.All);

        // Act
        var requested = await RequestAsync(requester, $"/api/v1/people/{person.Id}/mobile-ids", world.Profile);
        var id = requested.GetProperty("id").GetGuid();
        var link = requested.GetProperty("link").GetString()!;
        await DispatchAsync();
        var mailsBefore = MailsTo(email).Count;
        var guessed = await CollectAsync("store", link, "1234 5678", "SN-E2E-VALIDATE");
        var absent = await CollectAsync("store", link, "", "SN-E2E-VALIDATE");
        var bySameOperator = await requester.PostAsync($"/api/v1/mobile-ids/{id}/validate", null);
        var bySecurityOfficer = await securityOfficer.PostAsync($"/api/v1/mobile-ids/{id}/validate", null);
        var validated = await MobileIdApp.ReadJsonAsync(bySecurityOfficer);
        await DispatchAsync();
        var mail = Assert.Single(MailsTo(email));
        var released = Read(mail.TextBody);
        var collected = await CollectAsync("store", released.Link, released.Code, "SN-E2E-VALIDATE");

        // Assert: no code anywhere before validation, and the agent is refused.
        Assert.Equal("AwaitingValidation", requested.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, requested.GetProperty("code").ValueKind);
        Assert.Equal(0, mailsBefore);
        foreach (var refused in new[] { guessed, absent })
        {
            Assert.Equal(3, refused.Code);
            Assert.Contains("waiting for Validate Request", refused.Error, StringComparison.Ordinal);
        }

        // The requester may not validate; the Security Officer may, and releases the code by mail.
        var problem = await MobileIdApp.AssertProblemAsync(bySameOperator, 403, ErrorCodes.WorkflowNotGranted);
        Assert.Equal("A request must be validated by someone other than the operator who requested it.", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, bySecurityOfficer.StatusCode);
        Assert.Equal("ReadyToCollect", validated.GetProperty("status").GetString());
        Assert.Equal(validated.GetProperty("code").GetString(), released.Code);
        Assert.Equal(link, released.Link);
        Assert.True(collected.Code == 0, collected.ToString());
        var issued = await MobileIdAsync(requester, id);
        Assert.Equal("Issued", issued.GetProperty("status").GetString());
        Assert.Equal(validated.GetProperty("validatedBy").GetString(), issued.GetProperty("validatedBy").GetString());
        Assert.NotEqual(issued.GetProperty("requestedBy").GetString(), issued.GetProperty("validatedBy").GetString());
    }

    [Theory]
    [InlineData("package")]
    [InlineData("signature")]
    public async Task Collect_OneByteOfTheSignedPackageChanged_AgentRefusesStoresNothingAndTheMobileIdIsNotIssued(string field)
    {
        // Arrange
        var world = await ArrangeAsync();
        var person = await HolderAsync($"tamper{Guid.NewGuid().ToString("N")[..8]}@example.org", null);
        using var operatorClient = await App.ClientForAsync(world.Operator, Scope.All);
        var requested = await RequestAsync(operatorClient, $"/api/v1/people/{person.Id}/mobile-ids", world.Profile);
        using var tampering = new TamperingHandler(field);

        // Act
        var collected = await CollectAsync("store", requested.GetProperty("link").GetString()!, requested.GetProperty("code").GetString()!, "SN-E2E-TAMPER", tampering);
        var listed = await AgentAsync("list", "--store", StorePath("store"));

        // Assert
        Assert.Equal(1, tampering.Changed);
        Assert.Equal(3, collected.Code);
        Assert.Contains("signature or its signer does not verify", collected.Error, StringComparison.Ordinal);
        Assert.Contains("No mobile ID", listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(tampering.Paths, p => p.Contains("/confirm/", StringComparison.Ordinal));
        var mobileId = await MobileIdAsync(operatorClient, requested.GetProperty("id").GetGuid());
        Assert.Equal("Collecting", mobileId.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, mobileId.GetProperty("issuedAt").ValueKind);
    }

    /// <summary>Passes every request on, and changes one byte of one base64 field of the collect answer.</summary>
    private sealed class TamperingHandler(string field) : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<string> Paths { get; } = [];

        /// <summary>How many answers were changed.</summary>
        public int Changed { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            Paths.Add(path);
            var response = await base.SendAsync(request, cancellationToken);
            if (!path.Contains("/device/v1/collect/", StringComparison.Ordinal) || !response.IsSuccessStatusCode)
            {
                return response;
            }

            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
            var bytes = Convert.FromBase64String(body[field]!.GetValue<string>());
            bytes[bytes.Length / 2] ^= 0x01;
            body[field] = Convert.ToBase64String(bytes);
            response.Content.Dispose();
            response.Content = JsonContent.Create(body);
            Changed++;
            return response;
        }
    }
}
