using System.Security.Cryptography.X509Certificates;

namespace MobileId.Interop.Tests.Features.Scep;

/// <summary>
/// micromdm's <c>scepclient</c> (Debian package <c>scep</c>) against the server on loopback, with an
/// RSA issuing CA: scepclient encrypts its request to every certificate GetCACert returns, which
/// works only with RSA keys (see <see cref="ScepEcdsaCaTests"/> for the default ECDSA CA).
/// </summary>
public sealed class ScepClientTests : ScepTestKit
{
    protected override void Configure(MobileIdApp app)
    {
        app.Settings["MobileId:Pki:RootAlgorithm"] = "Rsa3072";
        app.Settings["MobileId:Pki:IssuingAlgorithm"] = "Rsa2048";
    }

    [Fact]
    public async Task Scepclient_OneTimeChallenge_IssuedToThePersonAndVerifies()
    {
        var request = await ChallengeAsync();
        var run = await ScepclientAsync("first", request.Code);
        Assert.True(run.Code == 0, run.Output);
        Assert.Contains("pkiStatus=SUCCESS", run.Output, StringComparison.Ordinal);
        await AssertVerifiesAsync(Path.Combine(Dir, "first", "c.pem"));

        using var certificate = LoadCertificate(Path.Combine(Dir, "first", "c.pem"));
        var issued = Assert.Single(await IssuedForAsync(request.Request.Id));
        Assert.Equal(certificate.RawData, issued.Der);
        Assert.Equal(request.Person.Id, issued.PersonId);
        Assert.Equal("CN=" + request.Person.DisplayName, certificate.Subject);
        var stored = await StoredAsync(request.Request.Id);
        Assert.Equal(MobileIdStatus.Issued, stored.Status);
        var device = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.AsNoTracking().SingleAsync(d => d.Id == stored.DeviceId));
        Assert.Equal("dev1", device.SerialNumber);
        Assert.Equal(device.Id, issued.DeviceId);
    }

    [Fact]
    public async Task Scepclient_UsedChallengeWithNewKey_FailureBadRequestAndNothingIssued()
    {
        var request = await ChallengeAsync();
        Assert.Equal(0, (await ScepclientAsync("first", request.Code)).Code);

        var again = await ScepclientAsync("second", request.Code, cn: "dev2");
        Assert.NotEqual(0, again.Code);
        Assert.True(again.Output.Contains("PKCSReq (19) request failed, failInfo: badRequest", StringComparison.Ordinal), again.Output);
        Assert.False(File.Exists(Path.Combine(Dir, "second", "c.pem")));
        Assert.Single(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task Scepclient_WrongChallenge_FailureBadMessageCheck()
    {
        var request = await ChallengeAsync();
        var wrong = await ScepclientAsync("wrong", request.Code == "00000000" ? "11111111" : "00000000");
        Assert.NotEqual(0, wrong.Code);
        Assert.True(wrong.Output.Contains("failInfo: badMessageCheck", StringComparison.Ordinal), wrong.Output);
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
        Assert.Empty(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task Scepclient_RunAgainWithIssuedCertificate_RenewsAndSupersedesTheOld()
    {
        var request = await ChallengeAsync();
        Assert.Equal(0, (await ScepclientAsync("device", request.Code)).Code);
        var path = Path.Combine(Dir, "device", "c.pem");
        using var first = LoadCertificate(path);

        // Note: with c.pem present scepclient signs with that certificate and its key, and sends no challenge.
        var renewed = await ScepclientAsync("device", null);
        Assert.True(renewed.Code == 0, renewed.Output);
        using var second = LoadCertificate(path);
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        await AssertVerifiesAsync(path);
        var all = await IssuedForAsync(request.Request.Id);
        Assert.Equal(2, all.Count);
        var old = all.Single(c => c.Der.AsSpan().SequenceEqual(first.RawData));
        var fresh = all.Single(c => c.Der.AsSpan().SequenceEqual(second.RawData));
        Assert.Equal(old.Id, fresh.RenewsId);
        Assert.Equal(CertificateStatus.Revoked, old.Status);
        Assert.Equal(request.Person.Id, fresh.PersonId);
    }

    [Fact]
    public async Task Scepclient_StaticChallenge_IssuedWithTheCsrSubjectForNoPerson()
    {
        const string secret = "static-challenge-for-the-mdm-42";
        await DeviceProfileAsync("mdm-devices", staticChallenge: secret);
        var run = await ScepclientAsync("mdm", secret, cn: "mdm-device-7");
        Assert.True(run.Code == 0, run.Output);
        var path = Path.Combine(Dir, "mdm", "c.pem");
        await AssertVerifiesAsync(path);
        using var certificate = LoadCertificate(path);
        Assert.Contains("CN=mdm-device-7", certificate.Subject, StringComparison.Ordinal);
        var issued = await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.AsNoTracking()
            .SingleAsync(c => c.SerialHex == certificate.SerialNumber || c.SerialHex == certificate.SerialNumber.TrimStart('0')));
        Assert.Null(issued.PersonId);
        Assert.NotNull(issued.DeviceId);
    }

    [Fact]
    public async Task GetCACapsAndGetCACert_Curl_CapabilitiesAndRaWithChain()
    {
        var caps = await ExternalTool.RunAsync("curl", $"-s -i {Base}/scep?operation=GetCACaps");
        Assert.Contains("Content-Type: text/plain", caps.Output, StringComparison.OrdinalIgnoreCase);
        foreach (var cap in new[] { "POSTPKIOperation", "SHA-256", "SHA-512", "AES", "Renewal", "SCEPStandard" })
        {
            Assert.Contains("\n" + cap, caps.Output.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("DES3", caps.Output, StringComparison.Ordinal);
        var der = Path.Combine(Dir, "ca.p7b");
        var get = await ExternalTool.RunAsync("curl", $"-s -o {der} -w %{{content_type}} {Base}/scep/pkiclient.exe?operation=GetCACert&message=MobileIdIssuingCA");
        Assert.Contains("application/x-x509-ca-ra-cert", get.Output, StringComparison.Ordinal);
        var print = await ExternalTool.RunAsync("openssl", $"pkcs7 -inform DER -in {der} -print_certs -noout");
        Assert.True(print.Code == 0, print.Output);
        Assert.True(print.Output.Contains("CN = MobileIdIssuingCA Registration Authority", StringComparison.Ordinal), print.Output);
        Assert.Equal(3, print.Output.Split("subject=").Length - 1);
        var (ra, cas) = await CaCertsAsync();
        Assert.True(ra.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages.HasFlag(X509KeyUsageFlags.KeyEncipherment));
        Assert.Equal(2, cas.Count);
    }
}
