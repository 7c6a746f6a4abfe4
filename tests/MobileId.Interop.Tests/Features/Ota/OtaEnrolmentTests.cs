using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Interop.Tests.Features.Ota;

/// <summary>iOS over-the-air enrolment at /ota against a real server, checked with openssl and Python plistlib.</summary>
public sealed class OtaEnrolmentTests : OtaTestKit
{
    [Fact]
    public async Task Page_OtaEnabled_ShowsTheSettingsTextsRootLinkAndForm()
    {
        await OtaRequestAsync();
        using var http = new HttpClient();
        foreach (var path in new[] { "/ota", "/ota/enrol" })
        {
            var page = await http.GetAsync(Base + path);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Example &lt;Org&gt; &amp; Co", html, StringComparison.Ordinal);
            Assert.Contains($"<h1>{DisplayName}</h1>", html, StringComparison.Ordinal);
            Assert.Contains(Description, html, StringComparison.Ordinal);
            Assert.Contains("href=\"/ota/ca.crt\"", html, StringComparison.Ordinal);
            Assert.Contains("<form method=\"post\" action=\"/ota/enrol\">", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }

        var root = await http.GetAsync(Base + "/ota/ca.crt");
        Assert.Equal("application/x-x509-ca-cert", root.Content.Headers.ContentType?.MediaType);
        using var certificate = X509CertificateLoader.LoadCertificate(await root.Content.ReadAsByteArrayAsync());
        Assert.Equal(certificate.Subject, certificate.Issuer);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(await ChainPemAsync());
        Assert.Equal(chain[^1].Thumbprint, certificate.Thumbprint);
    }

    [Fact]
    public async Task Page_OtaNotEnabled_NotFoundAndCodeRefused()
    {
        var request = await ChallengeAsync();
        using var http = new HttpClient();
        var page = await http.GetAsync(Base + "/ota");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("not enabled", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var posted = await PostCodeAsync(request.Code);
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
    }

    [Fact]
    public async Task Enrol_Code_SignedProfileServiceVerifiesAndHasApplesKeys()
    {
        var request = await OtaRequestAsync();
        var service = await ProfileServiceAsync(request.Code);
        var plist = service.Plist;
        Assert.Equal("Profile Service", plist.GetProperty("PayloadType").GetString());
        Assert.Equal(1, plist.GetProperty("PayloadVersion").GetProperty("$int").GetInt32());
        Assert.Equal(Organization, plist.GetProperty("PayloadOrganization").GetString());
        Assert.Equal(DisplayName, plist.GetProperty("PayloadDisplayName").GetString());
        Assert.Equal(Description, plist.GetProperty("PayloadDescription").GetString());
        Assert.True(Guid.TryParse(plist.GetProperty("PayloadUUID").GetString(), out _));
        Assert.StartsWith("org.mobileid.ota.", plist.GetProperty("PayloadIdentifier").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"{Base}/ota/profile/", service.Url, StringComparison.Ordinal);
        Assert.Equal(service.Token, service.Challenge);
        Assert.True(service.Token.Length >= 40);
        var attributes = plist.GetProperty("PayloadContent").GetProperty("DeviceAttributes").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal(new string?[] { "UDID", "VERSION", "PRODUCT", "SERIAL", "IMEI", "MEID", "DEVICE_NAME" }, attributes);

        // Note: another profile service for the same code has its own identifiers and token.
        var second = await ProfileServiceAsync(request.Code);
        Assert.NotEqual(service.Token, second.Token);
        Assert.NotEqual(plist.GetProperty("PayloadUUID").GetString(), second.Plist.GetProperty("PayloadUUID").GetString());
        Assert.Equal(2, (await AuditAsync("ota.profile-service")).Count);
    }

    [Fact]
    public async Task Device_SignedAttributes_ScepProfileWhoseChallengeEnrolsOnTheDevice()
    {
        var request = await OtaRequestAsync();
        var service = await ProfileServiceAsync(request.Code);
        var answer = await PostDeviceAsync(service.Url, DeviceSigned(await AttributesAsync(service.Challenge, "F2LXK0ABCDEF")));
        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        Assert.Equal("application/x-apple-aspen-config", answer.Content.Headers.ContentType?.MediaType);
        var profile = await VerifiedPlistAsync(await answer.Content.ReadAsByteArrayAsync(), "scep");
        Assert.Equal("Configuration", profile.GetProperty("PayloadType").GetString());
        Assert.Equal(1, profile.GetProperty("PayloadVersion").GetProperty("$int").GetInt32());
        Assert.Equal(DisplayName, profile.GetProperty("PayloadDisplayName").GetString());
        var payloads = profile.GetProperty("PayloadContent").EnumerateArray().ToList();
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(await ChainPemAsync());
        var root = payloads.Single(p => p.GetProperty("PayloadType").GetString() == "com.apple.security.root");
        Assert.Equal(chain[^1].RawData, Convert.FromBase64String(root.GetProperty("PayloadContent").GetProperty("$data").GetString()!));
        var scep = ScepPayload(profile);
        Assert.Equal(1, scep.GetProperty("PayloadVersion").GetProperty("$int").GetInt32());
        Assert.NotEqual(root.GetProperty("PayloadUUID").GetString(), scep.GetProperty("PayloadUUID").GetString());
        var content = scep.GetProperty("PayloadContent");
        Assert.Equal($"{Base}/scep", content.GetProperty("URL").GetString());
        Assert.Equal(IssuingCa, content.GetProperty("Name").GetString());
        Assert.Equal("RSA", content.GetProperty("Key Type").GetString());
        Assert.Equal(2048, content.GetProperty("Keysize").GetProperty("$int").GetInt32());
        Assert.Equal(5, content.GetProperty("Key Usage").GetProperty("$int").GetInt32());
        Assert.True(content.GetProperty("Retries").GetProperty("$int").GetInt32() > 0);
        Assert.True(content.GetProperty("RetryDelay").GetProperty("$int").GetInt32() > 0);
        Assert.Equal(SHA256.HashData(chain[0].RawData), Convert.FromBase64String(content.GetProperty("CAFingerprint").GetProperty("$data").GetString()!));
        var subject = content.GetProperty("Subject")[0][0];
        Assert.Equal("CN", subject[0].GetString());
        Assert.Equal(request.Person.DisplayName, subject[1].GetString());
        var challenge = content.GetProperty("Challenge").GetString()!;

        // Note: the person's code was replaced by the SCEP challenge; the device record comes from the signed attributes.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostCodeAsync(request.Code)).StatusCode);
        var device = Assert.Single(await DevicesAsync("F2LXK0ABCDEF"));
        Assert.Equal(("ios", "iPhone15,2", "17.5.1", request.Person.Id), (device.Platform, device.Model, device.OsVersion, device.OwnerId));
        Assert.Equal(MobileIdStatus.Collecting, (await StoredAsync(request.Request.Id)).Status);
        Assert.Single(await AuditAsync("ota.scep-profile"));
        Assert.Contains(await AuditAsync("device.enrolled"), a => a.Details!.Contains("F2LXK0ABCDEF", StringComparison.Ordinal));

        var (issued, certificate) = await EnrolThroughScepAsync(challenge);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(device.Id, issued.DeviceId);
        Assert.Equal(request.Person.Id, issued.PersonId);
        Assert.Equal(MobileIdStatus.Issued, (await StoredAsync(request.Request.Id)).Status);
    }

    [Fact]
    public async Task Device_TamperedResponse_RefusedNoDeviceTokenStillUsable()
    {
        var request = await OtaRequestAsync();
        var service = await ProfileServiceAsync(request.Code);
        var signed = DeviceSigned(await AttributesAsync(service.Challenge, "TAMPER0001"));
        var at = signed.AsSpan().IndexOf("TAMPER0001"u8);
        Assert.True(at > 0);
        var tampered = (byte[])signed.Clone();
        tampered[at] = (byte)'X';
        var refused = await PostDeviceAsync(service.Url, tampered);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("signature", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await DevicesAsync("TAMPER0001"));
        Assert.Empty(await DevicesAsync("XAMPER0001"));
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
        Assert.Contains(await AuditAsync("enrolment.refused"), a => a.Details!.Contains("signature", StringComparison.Ordinal));

        // Note: the refusal did not spend the token: the genuine response is still accepted.
        Assert.Equal(HttpStatusCode.OK, (await PostDeviceAsync(service.Url, signed)).StatusCode);
    }

    [Fact]
    public async Task Device_TokenUsedTwice_SecondRefusedAndOneDevice()
    {
        var request = await OtaRequestAsync();
        var service = await ProfileServiceAsync(request.Code);
        var signed = DeviceSigned(await AttributesAsync(service.Challenge, "TWICE0001"));
        Assert.Equal(HttpStatusCode.OK, (await PostDeviceAsync(service.Url, signed)).StatusCode);
        var stored = await StoredAsync(request.Request.Id);
        var again = await PostDeviceAsync(service.Url, signed);
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.Equal("text/plain", again.Content.Headers.ContentType?.MediaType);
        Assert.Contains("used", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await DevicesAsync("TWICE0001"));
        Assert.Equal(stored.Version, (await StoredAsync(request.Request.Id)).Version);
        Assert.Single(await AuditAsync("ota.scep-profile"));
    }

    [Fact]
    public async Task Enrol_WrongCode_ReadableRefusalAuditedNothingStored()
    {
        var request = await OtaRequestAsync();
        var refused = await PostCodeAsync(request.Code == "00000000" ? "11111111" : "00000000");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("This is not a valid one-time code", html, StringComparison.Ordinal);
        Assert.Contains("<form", html, StringComparison.Ordinal);
        Assert.Single(await AuditAsync("enrolment.refused"));
        Assert.Empty(await App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().OtaTokens.AsNoTracking().ToListAsync()));
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
    }

    [Fact]
    public async Task Enrol_CodeOfAnotherProfile_RefusedAndRequestUntouched()
    {
        var ota = await OtaRequestAsync();
        var other = await ChallengeAsync();
        var refused = await PostCodeAsync(other.Code);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains(other.Profile, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(other.Request.Id)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostCodeAsync(ota.Code)).StatusCode);
    }

    [Fact]
    public async Task Device_BadInput_FourHundredsNeverAServerError()
    {
        var request = await OtaRequestAsync();
        var service = await ProfileServiceAsync(request.Code);
        var attributes = await AttributesAsync(service.Challenge, "BADINPUT01");
        var cases = new (string Url, byte[] Body, string Type, HttpStatusCode Status)[]
        {
            (service.Url, DeviceSigned(attributes), "text/plain", HttpStatusCode.UnsupportedMediaType),
            (service.Url, "garbage, not CMS"u8.ToArray(), "application/pkcs7-signature", HttpStatusCode.BadRequest),
            (service.Url, [], "application/pkcs7-signature", HttpStatusCode.BadRequest),
            (service.Url, DeviceSigned("<plist><dict><key>UDID</key></dict>"u8.ToArray()), "application/pkcs7-signature", HttpStatusCode.BadRequest),
            (service.Url, DeviceSigned("not xml at all"u8.ToArray()), "application/pkcs7-signature", HttpStatusCode.BadRequest),
            (service.Url, DeviceSigned(await AttributesAsync("another-challenge", "BADINPUT01")), "application/pkcs7-signature", HttpStatusCode.Forbidden),
            ($"{Base}/ota/profile/unknown-token", DeviceSigned(attributes), "application/pkcs7-signature", HttpStatusCode.Forbidden),
        };
        foreach (var (url, body, type, status) in cases)
        {
            var answer = await PostDeviceAsync(url, body, type);
            Assert.True(answer.StatusCode == status, $"{type} {body.Length} bytes: {answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
            Assert.Equal("text/plain", answer.Content.Headers.ContentType?.MediaType);
        }

        using var http = new HttpClient();
        var json = await http.PostAsJsonAsync($"{Base}/ota/enrol", new { code = request.Code });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Empty(await DevicesAsync("BADINPUT01"));
        Assert.Equal(cases.Length, (await AuditAsync("enrolment.refused")).Count);

        // Note: none of them spent the token.
        Assert.Equal(HttpStatusCode.OK, (await PostDeviceAsync(service.Url, DeviceSigned(attributes))).StatusCode);
    }

    [Fact]
    public async Task Device_KnownMobilesOnlyAndUnknownDevice_RefusedNoDevice()
    {
        await DeviceProfileAsync("ota-known", restriction: DeviceRestriction.KnownMobiles);
        var request = await RequestAsync("ota-known", "otaknown");
        await EnableOtaAsync("ota-known");
        var service = await ProfileServiceAsync(request.Code);
        var refused = await PostDeviceAsync(service.Url, DeviceSigned(await AttributesAsync(service.Challenge, "UNKNOWN001")));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Known Mobiles", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await DevicesAsync("UNKNOWN001"));
        Assert.Single(await AuditAsync("device.refused"));
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
    }
}
