using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Protocols;
using MobileId.Testing.Features.Protocols;

namespace MobileId.Interop.Tests.Features.Ota;

/// <summary>The Profile Service a code got: its URL's token and its Challenge.</summary>
public sealed record ProfileService(string Url, string Token, string Challenge, JsonElement Plist);

/// <summary>A device enrolled over the air: its request, Profile Service, serial, and the SCEP certificate (with its key) and record.</summary>
public sealed record OtaDevice(ChallengeRequest Request, ProfileService Service, string Serial, IssuedCertificate Record, X509Certificate2 Certificate);

/// <summary>
/// What the iOS OTA tests share: the iOS OTA settings, the enrol form, REAL <c>openssl cms -verify</c>
/// and Python <c>plistlib</c> on what the server signs, and a simulated device that signs its
/// attributes (an XML plist written by plistlib) with a test device identity, as an iPhone signs
/// with its Apple-issued one.
/// </summary>
public abstract class OtaTestKit : EnrolmentTestKit
{
    protected const string Organization = "Example <Org> & Co";
    protected const string DisplayName = "Example Enrolment";
    protected const string Description = "Gets a device certificate from Example.";

    private X509Certificate2? _device;

    /// <summary>Makes <paramref name="profile"/> the iOS OTA Credential Profile and sets the texts.</summary>
    protected async Task EnableOtaAsync(string profile)
    {
        using var admin = await App.AdminClientAsync();
        var saved = await admin.PutAsJsonAsync("/api/v1/settings", new
        {
            values = new Dictionary<string, object>
            {
                ["iosOtaCredentialProfile"] = profile, ["iosOtaOrganization"] = Organization, ["iosOtaDisplayName"] = DisplayName,
                ["iosOtaDescription"] = Description,
            },
        });
        Assert.True(saved.StatusCode == HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
    }

    /// <summary>A request of a new OTA-enabled Device Identity (Only) profile.</summary>
    protected async Task<ChallengeRequest> OtaRequestAsync()
    {
        var request = await ChallengeAsync();
        await EnableOtaAsync(request.Profile);
        return request;
    }

    /// <summary>Posts the enrol form with <paramref name="code"/>.</summary>
    protected async Task<HttpResponseMessage> PostCodeAsync(string code)
    {
        using var http = new HttpClient();
        return await http.PostAsync($"{Base}/ota/enrol", new FormUrlEncodedContent([new("code", code)]));
    }

    /// <summary>The code's Profile Service, checked with openssl and parsed with plistlib.</summary>
    protected async Task<ProfileService> ProfileServiceAsync(string code)
    {
        var response = await PostCodeAsync(code);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/x-apple-aspen-config", response.Content.Headers.ContentType?.MediaType);
        var plist = await VerifiedPlistAsync(await response.Content.ReadAsByteArrayAsync(), "service");
        var url = plist.GetProperty("PayloadContent").GetProperty("URL").GetString()!;
        return new ProfileService(url, url[(url.LastIndexOf('/') + 1)..], plist.GetProperty("PayloadContent").GetProperty("Challenge").GetString()!, plist);
    }

    /// <summary>
    /// Writes a signed profile to <c>{name}.mobileconfig</c>, verifies it with <c>openssl cms -verify</c>
    /// against <paramref name="caFile"/> (default the CA chain) and returns the plist as plistlib reads it
    /// (data as <c>{"$data": base64}</c>, integers as <c>{"$int": n}</c>).
    /// </summary>
    protected async Task<JsonElement> VerifiedPlistAsync(byte[] signed, string name, string? caFile = null)
    {
        var path = Path.Combine(Dir, name + ".mobileconfig");
        await File.WriteAllBytesAsync(path, signed);
        var verify = await ExternalTool.RunAsync("openssl",
            $"cms -verify -inform DER -in {path} -CAfile {caFile ?? await ChainPemAsync()} -out {path}.plist");
        Assert.True(verify.Code == 0, verify.Output);
        Assert.Contains("Verification successful", verify.Output, StringComparison.Ordinal);
        return await PlistJsonAsync(path + ".plist");
    }

    /// <summary>An XML plist file as Python plistlib reads it (data as <c>{"$data": base64}</c>, integers as <c>{"$int": n}</c>).</summary>
    protected async Task<JsonElement> PlistJsonAsync(string path)
    {
        var script = Path.Combine(Dir, "plist2json.py");
        await File.WriteAllTextAsync(script, """
            import base64, json, plistlib, sys
            def conv(v):
                if isinstance(v, bytes): return {"$data": base64.b64encode(v).decode()}
                if isinstance(v, bool): return v
                if isinstance(v, int): return {"$int": v}
                if isinstance(v, dict): return {k: conv(x) for k, x in v.items()}
                if isinstance(v, list): return [conv(x) for x in v]
                return v
            with open(sys.argv[1], "rb") as f, open(sys.argv[2], "w") as out:
                json.dump(conv(plistlib.load(f)), out)
            """);
        var parsed = await ExternalTool.RunAsync("python3", $"{script} {path} {path}.json");
        Assert.True(parsed.Code == 0, parsed.Output);
        return JsonDocument.Parse(await File.ReadAllTextAsync(path + ".json")).RootElement.Clone();
    }

    /// <summary>The device's attributes as an XML plist written by Python plistlib.</summary>
    protected async Task<byte[]> AttributesAsync(string challenge, string serial, string product = "iPhone15,2", string version = "17.5.1")
    {
        var path = Path.Combine(Dir, $"attributes-{Guid.NewGuid():N}.plist");
        var attributes = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["UDID"] = "00008120-" + serial, ["SERIAL"] = serial, ["PRODUCT"] = product, ["VERSION"] = version, ["IMEI"] = "35 000000 000000 0",
            ["DEVICE_NAME"] = "Test iPhone", ["CHALLENGE"] = challenge,
        });
        var written = await ExternalTool.RunWithInputAsync("python3",
            $"-c \"import json,plistlib,sys; open(sys.argv[1],'wb').write(plistlib.dumps(json.loads(sys.stdin.read())))\" {path}", attributes);
        Assert.True(written.Code == 0, written.Output);
        return await File.ReadAllBytesAsync(path);
    }

    /// <summary>Signs content as attached CMS SignedData with the test device identity (an RSA key under a test "device CA").</summary>
    protected byte[] DeviceSigned(byte[] content)
    {
        _device ??= DeviceIdentity();
        return Signed(content, _device);
    }

    /// <summary>Signs content as attached CMS SignedData with <paramref name="signer"/> (and its key), as the device signs.</summary>
    protected static byte[] Signed(byte[] content, X509Certificate2 signer)
    {
        var cms = new SignedCms(new ContentInfo(content), detached: false);
        cms.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, signer), silent: true);
        return cms.Encode();
    }

    /// <summary>The SCEP payload of a phase-2 configuration profile.</summary>
    protected static JsonElement ScepPayload(JsonElement profile) =>
        profile.GetProperty("PayloadContent").EnumerateArray().Single(p => p.GetProperty("PayloadType").GetString() == "com.apple.security.scep");

    /// <summary>
    /// What the device does at <c>/scep</c> with the SCEP payload's challenge: a new RSA-2048 key and an
    /// enrolment through <see cref="ProtocolEnrolment"/>; the issued record and certificate with that key.
    /// </summary>
    protected async Task<(IssuedCertificate Record, X509Certificate2 Certificate)> EnrolThroughScepAsync(string challenge)
    {
        var key = RSA.Create(2048);
        var csr = new CertificateRequest("CN=ignored", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var enrolled = await App.WithServicesAsync(s => s.GetRequiredService<ProtocolEnrolment>()
            .EnrolAsync(EnrolmentProtocol.Scep, challenge, csr, new(), CancellationToken.None));
        Assert.True(enrolled.IsSuccess, enrolled.Message);
        using var issued = X509CertificateLoader.LoadCertificate(enrolled.Value!.Certificate.Der);
        return (enrolled.Value.Certificate, issued.CopyWithPrivateKey(key));
    }

    /// <summary>Phases 1 and 2 and the SCEP enrolment for <paramref name="request"/> (default a new OTA request) by a device with this serial.</summary>
    protected async Task<OtaDevice> OtaEnrolledAsync(string serial, ChallengeRequest? request = null)
    {
        request ??= await OtaRequestAsync();
        var service = await ProfileServiceAsync(request.Code);
        var answer = await PostDeviceAsync(service.Url, DeviceSigned(await AttributesAsync(service.Challenge, serial)));
        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        var profile = await VerifiedPlistAsync(await answer.Content.ReadAsByteArrayAsync(), "scep-" + serial);
        var (record, certificate) = await EnrolThroughScepAsync(ScepPayload(profile).GetProperty("PayloadContent").GetProperty("Challenge").GetString()!);
        return new OtaDevice(request, service, serial, record, certificate);
    }

    /// <summary>Posts a device response to the profile URL.</summary>
    protected static async Task<HttpResponseMessage> PostDeviceAsync(string url, byte[] body, string contentType = "application/pkcs7-signature")
    {
        using var http = new HttpClient();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return await http.PostAsync(url, content);
    }

    /// <summary>The device records with this serial number.</summary>
    protected Task<List<MobileId.Server.Data.Device>> DevicesAsync(string serial) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().Devices.AsNoTracking().Where(d => d.SerialNumber == serial).ToListAsync());

    /// <summary>The audit records of an action, oldest first.</summary>
    protected Task<List<AuditRecord>> AuditAsync(string action) =>
        App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords.AsNoTracking().Where(a => a.Action == action).OrderBy(a => a.Sequence).ToListAsync());

    private static X509Certificate2 DeviceIdentity()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Test iPhone Device CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=00008120-TESTDEVICE", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var leaf = request.Create(ca, now.AddDays(-1), now.AddMonths(6), [1, 2, 3, 4]);
        return leaf.CopyWithPrivateKey(key);
    }
}
