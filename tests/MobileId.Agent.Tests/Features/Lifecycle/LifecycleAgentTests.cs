using MobileId.Server.Features.Crl;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;
using MobileId.Agent.Tests.Features.Agent;

namespace MobileId.Agent.Tests.Features.Lifecycle;

/// <summary>
/// Cancel Credential, Enable / Disable ID, Request Replacement ID and CancelDevice end to end: a
/// mobile ID collected by the real agent on a loopback server, then the operation through the API,
/// checked with <c>openssl ocsp</c> and <c>openssl verify -crl_check</c>.
/// </summary>
public sealed class LifecycleAgentTests : AgentTestKit
{
    [Fact]
    public async Task DisableThenEnable_IssuedMobileId_OcspSaysHoldThenGood()
    {
        // Arrange
        var (request, _) = await CollectedAsync();
        using var admin = await App.AdminClientAsync();

        // Act
        var disabled = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/disable", new { reason = "lost", details = "left on a train" });
        var whileDisabled = await OcspAsync();
        var enabled = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/enable", new { details = "found again" });
        var afterEnable = await OcspAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.Equal("Disabled", (await MobileIdApp.ReadJsonAsync(disabled)).GetProperty("status").GetString());
        Assert.Contains(": revoked", whileDisabled, StringComparison.Ordinal);
        Assert.Contains("Reason: certificateHold", whileDisabled, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Equal("Issued", (await MobileIdApp.ReadJsonAsync(enabled)).GetProperty("status").GetString());
        Assert.Contains(": good", afterEnable, StringComparison.Ordinal);
        Assert.Equal(["mobile-id.disabled", "mobile-id.enabled"], await ActionsAsync(request.PersonId, "mobile-id.disabled", "mobile-id.enabled"));
    }

    [Fact]
    public async Task Cancel_IssuedMobileId_RevokesCertificateCancelsDeviceAndCrlCheckFails()
    {
        // Arrange
        var (request, serial) = await CollectedAsync();
        using var admin = await App.AdminClientAsync();

        // Act
        var cancelled = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/cancel", new { reason = "keyCompromise", details = "phone wiped by thieves" });
        var ocsp = await OcspAsync();
        await App.Services.GetRequiredService<CrlPublisher>().PublishDueAsync(force: true, CancellationToken.None);
        using var http = new HttpClient();
        var crl = await http.GetByteArrayAsync($"{Base}/pki/crl/{IssuingCa}.crl");
        await File.WriteAllTextAsync($"{Dir}/full.pem", System.Security.Cryptography.PemEncoding.WriteString("X509 CRL", crl));
        var verify = await ExternalTool.RunAsync("openssl", $"verify -crl_check -CAfile {Dir}/chain.pem -CRLfile {Dir}/full.pem {Dir}/leaf.pem");
        var again = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/cancel", new { });

        // Assert
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("Cancelled", (await MobileIdApp.ReadJsonAsync(cancelled)).GetProperty("status").GetString());
        Assert.Contains(": revoked", ocsp, StringComparison.Ordinal);
        Assert.Contains("Reason: keyCompromise", ocsp, StringComparison.Ordinal);
        Assert.NotEqual(0, verify.Code);
        Assert.Contains("certificate revoked", verify.Output, StringComparison.Ordinal);
        Assert.Equal(DeviceStatus.Cancelled, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices
            .Where(d => d.SerialNumber == serial).Select(d => d.Status).SingleAsync()));
        var problem = await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
        Assert.Contains("keyCompromise: phone wiped by thieves", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["mobile-id.cancelled"], await ActionsAsync(request.PersonId, "mobile-id.cancelled"));
    }

    [Fact]
    public async Task Cancel_DisabledMobileId_HeldCertificateIsRevokedForGood()
    {
        // Arrange
        var (request, _) = await CollectedAsync();
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/disable", new { reason = "suspectedCompromise" })).StatusCode);

        // Act
        var cancelled = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/cancel", new { });
        var ocsp = await OcspAsync();
        var enable = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/enable", new { });

        // Assert
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Contains(": revoked", ocsp, StringComparison.Ordinal);
        Assert.Contains("Reason: cessationOfOperation", ocsp, StringComparison.Ordinal);
        await MobileIdApp.AssertProblemAsync(enable, 409, ErrorCodes.Conflict);
        Assert.Equal(CertificateStatus.Revoked, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates
            .Where(c => c.MobileIdentityId == request.Id).Select(c => c.Status).SingleAsync()));
    }

    [Fact]
    public async Task Cancel_RequestNotYetCollected_CodeNoLongerWorks()
    {
        // Arrange
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        using var admin = await App.AdminClientAsync();

        // Act
        var cancelled = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/cancel", new { });
        var collect = await CollectAsync("late", request.Link, request.Code!, "SN-LATE-" + request.Id.ToString("N")[..6]);

        // Assert
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.NotEqual(0, collect.Code);
        Assert.Contains("Cancelled", collect.Error, StringComparison.Ordinal);
        Assert.Equal(0, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.CountAsync(c => c.MobileIdentityId == request.Id)));
    }

    [Fact]
    public async Task Replace_StolenDevice_CancelsOldWithKeyCompromiseAndNewRequestCanBeCollected()
    {
        // Arrange
        var (request, _) = await CollectedAsync();
        using var admin = await App.AdminClientAsync();

        // Act
        var replaced = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{request.Id}/replace", new { reason = "stolen", details = "taken from a car" });
        var ocsp = await OcspAsync();
        var body = await MobileIdApp.ReadJsonAsync(replaced);
        Assert.True(replaced.StatusCode == HttpStatusCode.Created, body.ToString());
        var fresh = body.GetProperty("request");
        var collect = await CollectAsync("replacement", fresh.GetProperty("link").GetString()!, fresh.GetProperty("code").GetString()!, "SN-NEW-" + request.Id.ToString("N")[..6]);

        // Assert
        Assert.Equal("Cancelled", body.GetProperty("cancelled").GetProperty("status").GetString());
        Assert.Equal("ReadyToCollect", fresh.GetProperty("status").GetString());
        Assert.Equal(request.Profile, fresh.GetProperty("profile").GetString());
        Assert.Equal(request.PersonId, fresh.GetProperty("personId").GetGuid());
        Assert.Contains("Reason: keyCompromise", ocsp, StringComparison.Ordinal);
        Assert.True(collect.Code == 0, collect.ToString());
        var newId = fresh.GetProperty("id").GetGuid();
        var (replaces, notified) = await App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            return ((await db.MobileIdentities.SingleAsync(m => m.Id == newId)).ReplacesId,
                await db.Notifications.CountAsync(n => n.MobileIdentityId == newId));
        });
        Assert.Equal(request.Id, replaces);
        Assert.Equal(1, notified);
        Assert.Equal(["mobile-id.cancelled", "mobile-id.replaced"], await ActionsAsync(request.PersonId, "mobile-id.cancelled", "mobile-id.replaced"));
    }

    [Fact]
    public async Task CancelDevice_DeviceWithIssuedMobileId_CancelsMobileIdAndDevice()
    {
        // Arrange
        var (request, serial) = await CollectedAsync();
        using var admin = await App.AdminClientAsync();
        var listed = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/devices?serialNumber={serial}"));
        var device = Assert.Single(listed.GetProperty("items").EnumerateArray());

        // Act
        var cancelled = await admin.PostAsync($"/api/v1/devices/{device.GetProperty("id").GetGuid()}/cancel", null);
        var ocsp = await OcspAsync();
        var again = await admin.PostAsync($"/api/v1/devices/{device.GetProperty("id").GetGuid()}/cancel", null);

        // Assert
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(cancelled);
        Assert.Equal("Cancelled", body.GetProperty("device").GetProperty("status").GetString());
        Assert.Equal(request.Id, Assert.Single(body.GetProperty("cancelledMobileIds").EnumerateArray()).GetGuid());
        Assert.Contains(": revoked", ocsp, StringComparison.Ordinal);
        Assert.Equal(MobileIdStatus.Cancelled, await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().MobileIdentities
            .Where(m => m.Id == request.Id).Select(m => m.Status).SingleAsync()));
        await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
        Assert.Equal(["mobile-id.cancelled", "device.cancelled"], await ActionsAsync(request.PersonId, "device.cancelled", "mobile-id.cancelled"));
    }

    [Fact]
    public async Task AddDevice_KnownMobilesProfile_AcceptsTheRegisteredDeviceOnly()
    {
        // Arrange
        var tag = Guid.NewGuid().ToString("N")[..8];
        await CreateProfileAsync("known-" + tag, false, [new ProfileRoleInput("Cardholder", true, false, false, true, false)]);
        var restricted = await App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var profile = await db.CredentialProfiles.SingleAsync(p => p.Name == "known-" + tag);
            profile.DeviceRestriction = DeviceRestriction.KnownMobiles;
            return await db.SaveChangesAsync();
        });
        var person = await App.CreatePersonAsync("known" + tag, null, $"known{tag}@example.org", "Cardholder");
        using var admin = await App.AdminClientAsync();
        var first = await RequestForAsync(person.Id, "known-" + tag);

        // Act
        var unknown = await CollectAsync("unknown", first.Link, first.Code!, "SN-UNKNOWN-" + tag);
        var added = await admin.PostAsJsonAsync("/api/v1/devices", new { serialNumber = "SN-KNOWN-" + tag, platform = "android", model = "Pixel", ownerId = person.Id });
        var known = await CollectAsync("known", first.Link, first.Code!, "SN-KNOWN-" + tag);

        // Assert
        Assert.Equal(1, restricted);
        Assert.NotEqual(0, unknown.Code);
        Assert.Contains("Known Mobiles", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal("Registered", (await MobileIdApp.ReadJsonAsync(added)).GetProperty("status").GetString());
        Assert.True(known.Code == 0, known.ToString());
        Assert.Equal(["device.added"], await ActionsAsync(person.Id, "device.added"));
    }

    /// <summary>A request collected by the agent as an Android phone; its certificate is exported to leaf.pem (with chain.pem and issuing.pem) and good.</summary>
    private async Task<(MobileIdView Request, string DeviceSerial)> CollectedAsync()
    {
        var request = await RequestAsync(Guid.NewGuid().ToString("N")[..8]);
        var serial = "SN-" + request.Id.ToString("N")[..10];
        var collected = await CollectAsync("phone", request.Link, request.Code!, serial);
        Assert.True(collected.Code == 0, collected.ToString());
        await AssertStoredCertificateChainsAndIsGoodAsync("phone");
        return (request, serial);
    }

    private async Task<MobileIdView> RequestForAsync(Guid personId, string profile)
    {
        var requested = await App.WithServicesAsync(s => s.GetRequiredService<MobileId.Server.Features.MobileIds.Request.RequestMobileId>().HandleAsync(
            Caller.System("test"), personId, new MobileIdRequestInput(profile, null), CancellationToken.None));
        Assert.True(requested.IsSuccess, requested.Error?.Detail);
        return requested.Value!;
    }

    /// <summary>What <c>openssl ocsp</c> says about leaf.pem.</summary>
    private async Task<string> OcspAsync() =>
        (await ExternalTool.RunAsync("openssl", $"ocsp -issuer {Dir}/issuing.pem -cert {Dir}/leaf.pem -url {Base}/pki/ocsp -CAfile {Dir}/chain.pem")).Output;
}
