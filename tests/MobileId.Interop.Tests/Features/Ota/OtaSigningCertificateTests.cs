using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Interop.Tests.Features.Ota;

/// <summary>Operator configuration of iOS OTA: a signing certificate (PKCS#12), an introduction file, a low wrong-code limit.</summary>
public sealed class OtaSigningCertificateTests : OtaTestKit
{
    private const string Password = "pfx-password-123";
    private readonly string _files = Directory.CreateTempSubdirectory("mid-ota-signer-").FullName;
    private string _thumbprint = "";

    protected override void Configure(MobileIdApp app)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Operator Profile Signing CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=profiles.example.org", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var leaf = request.Create(ca, now.AddDays(-1), now.AddYears(1), [7, 7, 7]).CopyWithPrivateKey(key);
        _thumbprint = leaf.Thumbprint;
        var pfx = new X509Certificate2Collection { leaf, X509CertificateLoader.LoadCertificate(ca.RawData) }.Export(X509ContentType.Pkcs12, Password)!;
        File.WriteAllBytes(Path.Combine(_files, "signer.pfx"), pfx);
        File.WriteAllText(Path.Combine(_files, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_files, "intro.txt"), "Welcome to <Example> enrolment.\nAsk the desk for help.\n\nSecond paragraph & more.");
        app.Settings["MobileId:Ota:SigningCertificate"] = Path.Combine(_files, "signer.pfx");
        app.Settings["MobileId:Ota:SigningCertificatePassword"] = Password;
        app.Settings["MobileId:Ota:IntroductionFile"] = Path.Combine(_files, "intro.txt");
        app.Settings["MobileId:Enrolment:MaxFailedChallengesPerAddress"] = "2";
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_files, recursive: true);
    }

    [Fact]
    public async Task Enrol_OperatorSigningCertificate_SignsTheProfilesWithItsChain()
    {
        var request = await OtaRequestAsync();
        var response = await PostCodeAsync(request.Code);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var signed = await response.Content.ReadAsByteArrayAsync();
        var cms = new SignedCms();
        cms.Decode(signed);
        Assert.Equal(_thumbprint, cms.SignerInfos[0].Certificate!.Thumbprint);
        Assert.Contains(cms.Certificates.Cast<X509Certificate2>(), c => c.Subject == "CN=Operator Profile Signing CA");

        // Note: openssl trusts it through the operator's CA alone, not through MobileId's chain.
        var plist = await VerifiedPlistAsync(signed, "operator", Path.Combine(_files, "ca.pem"));
        Assert.Equal("Profile Service", plist.GetProperty("PayloadType").GetString());
        var path = Path.Combine(Dir, "operator.mobileconfig");
        var untrusted = await ExternalTool.RunAsync("openssl", $"cms -verify -inform DER -in {path} -CAfile {await ChainPemAsync()} -out {path}.x");
        Assert.NotEqual(0, untrusted.Code);
    }

    [Fact]
    public async Task Page_IntroductionFile_ShownEscapedAsParagraphs()
    {
        await OtaRequestAsync();
        using var http = new HttpClient();
        var html = await http.GetStringAsync(Base + "/ota");
        Assert.Contains("<p>Welcome to &lt;Example&gt; enrolment. Ask the desk for help.</p>", html, StringComparison.Ordinal);
        Assert.Contains("<p>Second paragraph &amp; more.</p>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<Example>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enrol_TooManyWrongCodesFromOneAddress_RefusedEvenWithTheRightCode()
    {
        var request = await OtaRequestAsync();
        var wrong = request.Code == "00000000" ? "11111111" : "00000000";
        Assert.Equal(HttpStatusCode.Forbidden, (await PostCodeAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostCodeAsync(wrong)).StatusCode);
        var blocked = await PostCodeAsync(request.Code);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Contains("Too many wrong codes", await blocked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().OtaTokens.AsNoTracking().ToListAsync()));
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
        Assert.Equal(3, (await AuditAsync("enrolment.refused")).Count);
    }
}
