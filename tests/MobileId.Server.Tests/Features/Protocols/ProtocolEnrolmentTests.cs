using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MobileId.Server.Features.Protocols;

namespace MobileId.Server.Tests.Features.Protocols;

/// <summary>The enrolment core that SCEP, EST and iOS OTA share, called directly against a real server's services.</summary>
public sealed class ProtocolEnrolmentTests : EnrolmentTestKit
{
    private static CertificateRequest Csr(RSA key, string subject = "CN=device-1, SERIALNUMBER=SN-0001") =>
        new(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    private Task<EnrolmentResult> EnrolAsync(string? challenge, CertificateRequest csr, EnrolmentOptions? options = null) =>
        App.WithServicesAsync(s => s.GetRequiredService<ProtocolEnrolment>().EnrolAsync(EnrolmentProtocol.Scep, challenge, csr, options ?? new(), CancellationToken.None));

    private Task<EnrolmentResult> RenewAsync(X509Certificate2 current, CertificateRequest csr) =>
        App.WithServicesAsync(s => s.GetRequiredService<ProtocolEnrolment>().RenewAsync(EnrolmentProtocol.Scep, current, csr, false, CancellationToken.None));

    [Fact]
    public async Task Enrol_OneTimeCode_IssuesToThePersonAndDeviceOnce()
    {
        var request = await ChallengeAsync();
        using var key = RSA.Create(2048);
        var enrolled = await EnrolAsync(request.Code, Csr(key));
        Assert.True(enrolled.IsSuccess, enrolled.Message);
        var certificate = enrolled.Value!.Certificate;
        Assert.Equal(request.Person.Id, certificate.PersonId);
        Assert.DoesNotContain("device-1", certificate.Subject, StringComparison.Ordinal);
        var stored = await StoredAsync(request.Request.Id);
        Assert.Equal(MobileIdStatus.Issued, stored.Status);
        var device = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.AsNoTracking().SingleAsync(d => d.Id == stored.DeviceId));
        Assert.Equal("SN-0001", device.SerialNumber);
        Assert.Equal(device.Id, certificate.DeviceId);
        Assert.Equal(request.Person.Id, device.OwnerId);

        // Note: a retry with the same key gets the same certificate; another key with the used code is refused.
        var again = await EnrolAsync(request.Code, Csr(key));
        Assert.Equal(certificate.Id, again.Value?.Certificate.Id);
        using var other = RSA.Create(2048);
        var reused = await EnrolAsync(request.Code, Csr(other));
        Assert.False(reused.IsSuccess);
        Assert.Equal(EnrolmentFailure.BadRequest, reused.Failure);
        Assert.Single(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task Enrol_WrongOrMissingCode_RefusedUnauthorizedAndNothingIssued()
    {
        var request = await ChallengeAsync();
        using var key = RSA.Create(2048);
        var wrong = await EnrolAsync(request.Code == "00000000" ? "11111111" : "00000000", Csr(key));
        Assert.Equal(EnrolmentFailure.Unauthorized, wrong.Failure);
        Assert.False((await EnrolAsync(null, Csr(key))).IsSuccess);
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
        Assert.Empty(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task Enrol_ExpiredCode_RefusedAndTheRequestExpires()
    {
        var request = await ChallengeAsync();
        await App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var stored = await db.MobileIdentities.SingleAsync(m => m.Id == request.Request.Id);
            stored.CodeExpiresAt = DateTime.UtcNow.AddMinutes(-1);
            return await db.SaveChangesAsync();
        });
        using var key = RSA.Create(2048);
        var refused = await EnrolAsync(request.Code, Csr(key));
        Assert.Equal(EnrolmentFailure.BadRequest, refused.Failure);
        Assert.Contains("expired", refused.Message, StringComparison.Ordinal);
        Assert.Equal(MobileIdStatus.Expired, (await StoredAsync(request.Request.Id)).Status);
        Assert.Empty(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task Enrol_KeyOfAnotherAlgorithm_RefusedBadAlg()
    {
        var request = await ChallengeAsync("EcdsaP256");
        using var key = RSA.Create(2048);
        var refused = await EnrolAsync(request.Code, Csr(key));
        Assert.Equal(EnrolmentFailure.BadAlg, refused.Failure);
        Assert.Contains("EcdsaP256", refused.Message, StringComparison.Ordinal);
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
    }

    [Fact]
    public async Task Renew_ValidCertificate_SupersedesItInItsSlot()
    {
        var request = await ChallengeAsync();
        using var key = RSA.Create(2048);
        var first = (await EnrolAsync(request.Code, Csr(key))).Value!.Certificate;
        using var current = X509CertificateLoader.LoadCertificate(first.Der);
        using var next = RSA.Create(2048);
        var renewed = await RenewAsync(current, Csr(next));
        Assert.True(renewed.IsSuccess, renewed.Message);
        Assert.Equal(first.Id, renewed.Value!.Certificate.RenewsId);
        var all = await IssuedForAsync(request.Request.Id);
        Assert.Equal(CertificateStatus.Revoked, all.Single(c => c.Id == first.Id).Status);
        Assert.Equal(0, all.Single(c => c.Id == renewed.Value.Certificate.Id).Slot);

        // Note: the superseded certificate cannot renew again.
        using var third = RSA.Create(2048);
        Assert.False((await RenewAsync(current, Csr(third))).IsSuccess);
    }

    [Fact]
    public async Task Enrol_StaticChallenge_IssuesForNoPersonWithTheCsrSubject()
    {
        await DeviceProfileAsync("mdm-static", staticChallenge: "mdm-shared-secret-0123");
        using var key = RSA.Create(2048);
        var enrolled = await EnrolAsync("mdm-shared-secret-0123", Csr(key, "CN=kiosk-7"));
        Assert.True(enrolled.IsSuccess, enrolled.Message);
        Assert.Null(enrolled.Value!.Certificate.PersonId);
        Assert.Equal("CN=kiosk-7", enrolled.Value.Certificate.Subject);
        Assert.NotNull(enrolled.Value.Certificate.DeviceId);

        // Note: without a person the request must name its subject.
        using var nameless = RSA.Create(2048);
        var refused = await EnrolAsync("mdm-shared-secret-0123", new CertificateRequest(new X500DistinguishedName(""), nameless, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.Equal(EnrolmentFailure.BadRequest, refused.Failure);
        Assert.Contains("names none", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaticChallenge_DeviceCertificatesListedAndRevokedWithTheDevice()
    {
        await DeviceProfileAsync("mdm-kiosk", staticChallenge: "kiosk-shared-secret-0123");
        using var key = RSA.Create(2048);
        var enrolled = (await EnrolAsync("kiosk-shared-secret-0123", Csr(key, "CN=kiosk-9, SERIALNUMBER=KIOSK-9"))).Value!.Certificate;
        using var admin = await App.AdminClientAsync();
        var listed = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/devices/{enrolled.DeviceId}/certificates");
        Assert.Equal(enrolled.SerialHex, listed.GetProperty("items")[0].GetProperty("serialNumber").GetString());

        var cancelled = await admin.PostAsJsonAsync($"/api/v1/devices/{enrolled.DeviceId}/cancel", new { reason = "cessationOfOperation" });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var after = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/devices/{enrolled.DeviceId}/certificates");
        Assert.Equal("Revoked", after.GetProperty("items")[0].GetProperty("status").GetString());

        // Note: a cancelled device does not enrol again with the static challenge.
        using var next = RSA.Create(2048);
        Assert.False((await EnrolAsync("kiosk-shared-secret-0123", Csr(next, "CN=kiosk-9, SERIALNUMBER=KIOSK-9"))).IsSuccess);
    }

    [Fact]
    public async Task Profile_StaticChallengeRules_RefusedWithTheFieldAndNothingSaved()
    {
        await DeviceProfileAsync("mdm-rules");
        using var admin = await App.AdminClientAsync();
        var profile = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/profiles?q=mdm-rules")).GetProperty("items")[0];
        var id = profile.GetProperty("id").GetGuid();
        Assert.False(profile.GetProperty("hasStaticChallenge").GetBoolean());

        var shortOne = await admin.PutAsJsonAsync($"/api/v1/profiles/{id}", Input("mdm-rules", "DeviceIdentityOnly", "short"));
        Assert.Equal(HttpStatusCode.BadRequest, shortOne.StatusCode);
        Assert.Contains("staticChallenge", await shortOne.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var mobile = await admin.PostAsJsonAsync("/api/v1/profiles", Input("mobile-static", "IdentityAgent", "a-long-enough-static-challenge"));
        Assert.Equal(HttpStatusCode.BadRequest, mobile.StatusCode);
        Assert.Contains("Device Identity (Only)", await mobile.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/profiles/{id}", Input("mdm-rules", "DeviceIdentityOnly", "a-long-enough-static-challenge"))).StatusCode);
        Assert.True((await admin.PutAsJsonAsync($"/api/v1/profiles/{id}", Input("mdm-rules", "DeviceIdentityOnly", null))).IsSuccessStatusCode);
        Assert.True((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/profiles/{id}")).GetProperty("hasStaticChallenge").GetBoolean());
        using var key = RSA.Create(2048);
        Assert.True((await EnrolAsync("a-long-enough-static-challenge", Csr(key, "CN=kept"))).IsSuccess);

        Assert.True((await admin.PutAsJsonAsync($"/api/v1/profiles/{id}", Input("mdm-rules", "DeviceIdentityOnly", ""))).IsSuccessStatusCode);
        Assert.False((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/profiles/{id}")).GetProperty("hasStaticChallenge").GetBoolean());
        using var other = RSA.Create(2048);
        Assert.Equal(EnrolmentFailure.Unauthorized, (await EnrolAsync("a-long-enough-static-challenge", Csr(other, "CN=removed"))).Failure);
    }

    private static object Input(string name, string encoding, string? staticChallenge) => new
    {
        name, cardEncoding = encoding, requireChallenge = encoding == "DeviceIdentityOnly", staticChallenge,
        certificates = new[] { new { policy = "device-mdm-rules", container = "System Store", mode = "IssueNew" } },
        roles = new[] { new { role = "Cardholder", canReceive = true, canCollect = true } },
    };
}
