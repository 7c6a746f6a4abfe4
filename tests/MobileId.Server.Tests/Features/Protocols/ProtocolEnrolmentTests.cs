using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    }
}
