using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Interop.Tests.Features.Ota;

/// <summary>
/// Apple OTA phase 3 against a real server: the device posts its attributes again, signed with the
/// certificate it got through SCEP, and gets the final profile encrypted to that certificate.
/// Checked with REAL <c>openssl cms -verify</c> / <c>-decrypt</c> and Python plistlib.
/// </summary>
public sealed class OtaFinalProfileTests : OtaTestKit
{
    [Fact]
    public async Task Final_SignedWithScepCertificate_SignedProfileWhosePayloadsOpenWithTheDeviceKey()
    {
        var device = await OtaEnrolledAsync("FINAL00001");
        var answer = await PostFinalAsync(device, device.Certificate);
        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        Assert.Equal("application/x-apple-aspen-config", answer.Content.Headers.ContentType?.MediaType);
        var profile = await VerifiedPlistAsync(await answer.Content.ReadAsByteArrayAsync(), "final");
        Assert.Equal("Configuration", profile.GetProperty("PayloadType").GetString());
        Assert.Equal(1, profile.GetProperty("PayloadVersion").GetProperty("$int").GetInt32());
        Assert.Equal(Organization, profile.GetProperty("PayloadOrganization").GetString());
        Assert.Equal(DisplayName, profile.GetProperty("PayloadDisplayName").GetString());
        Assert.Equal(Description, profile.GetProperty("PayloadDescription").GetString());
        Assert.True(Guid.TryParse(profile.GetProperty("PayloadUUID").GetString(), out _));
        Assert.StartsWith("org.mobileid.ota.final.", profile.GetProperty("PayloadIdentifier").GetString(), StringComparison.Ordinal);
        Assert.False(profile.TryGetProperty("PayloadContent", out _));

        var enveloped = Path.Combine(Dir, "final-payloads.der");
        await File.WriteAllBytesAsync(enveloped, Convert.FromBase64String(profile.GetProperty("EncryptedPayloadContent").GetProperty("$data").GetString()!));
        var structure = await ExternalTool.RunAsync("openssl", $"cms -cmsout -print -inform DER -in {enveloped}");
        Assert.True(structure.Code == 0, structure.Output);
        Assert.Contains("aes-256-cbc", structure.Output, StringComparison.Ordinal);
        Assert.Contains("rsaEncryption", structure.Output, StringComparison.Ordinal);
        var (certificate, key) = await WritePemAsync(device.Certificate, "device");
        var inner = Path.Combine(Dir, "final-payloads.plist");
        var decrypted = await ExternalTool.RunAsync("openssl", $"cms -decrypt -inform DER -in {enveloped} -recip {certificate} -inkey {key} -out {inner}");
        Assert.True(decrypted.Code == 0, decrypted.Output);
        var payloads = (await PlistJsonAsync(inner)).EnumerateArray().ToList();
        var root = Assert.Single(payloads);
        Assert.Equal("com.apple.security.root", root.GetProperty("PayloadType").GetString());
        Assert.Equal(1, root.GetProperty("PayloadVersion").GetProperty("$int").GetInt32());
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(await ChainPemAsync());
        Assert.Equal(chain[^1].RawData, Convert.FromBase64String(root.GetProperty("PayloadContent").GetProperty("$data").GetString()!));

        // Note: another key cannot open it.
        var (_, otherKey) = await WritePemAsync(LookAlike(device.Certificate), "other");
        Assert.NotEqual(0, (await ExternalTool.RunAsync("openssl", $"cms -decrypt -inform DER -in {enveloped} -recip {certificate} -inkey {otherKey}")).Code);
        var configured = Assert.Single(await AuditAsync("ota.configured"));
        Assert.Contains(device.Record.SerialHex, configured.Details!, StringComparison.Ordinal);
        Assert.Empty(await AuditAsync("enrolment.refused"));
    }

    [Fact]
    public async Task Final_CertificateOfAnotherMobileIdOrWrongChallenge_RefusedNothingAnswered()
    {
        var first = await OtaEnrolledAsync("FIRST00001");
        var second = await OtaEnrolledAsync("SECOND0001", await RequestAsync(first.Request.Profile, "second" + Guid.NewGuid().ToString("N")[..6]));

        var other = await PostFinalAsync(first, second.Certificate);
        var wrongChallenge = await PostDeviceAsync(first.Service.Url, Signed(await AttributesAsync(second.Service.Challenge, first.Serial), first.Certificate));

        await AssertRefusedAsync(other, "not issued through this enrolment link");
        await AssertRefusedAsync(wrongChallenge, "challenge does not match");
        Assert.Equal(2, (await AuditAsync("enrolment.refused")).Count);
        Assert.Empty(await AuditAsync("ota.configured"));
        Assert.Equal(HttpStatusCode.OK, (await PostFinalAsync(first, first.Certificate)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostFinalAsync(second, second.Certificate)).StatusCode);
    }

    [Fact]
    public async Task Final_SelfMadeLookAlikeCertificate_Refused()
    {
        var device = await OtaEnrolledAsync("SELFMADE01");
        using var forged = LookAlike(device.Certificate);
        Assert.Equal(device.Certificate.SerialNumber, forged.SerialNumber);

        var refused = await PostFinalAsync(device, forged);

        await AssertRefusedAsync(refused, "used");
        Assert.Single(await AuditAsync("enrolment.refused"));
        Assert.Empty(await AuditAsync("ota.configured"));
    }

    [Fact]
    public async Task Final_AfterCancelCredential_RevokedCertificateRefused()
    {
        var device = await OtaEnrolledAsync("CANCEL0001");
        using var admin = await App.AdminClientAsync();
        var cancelled = await admin.PostAsJsonAsync($"/api/v1/mobile-ids/{device.Request.Request.Id}/cancel", new { reason = "keyCompromise" });
        Assert.True(cancelled.StatusCode == HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());

        var refused = await PostFinalAsync(device, device.Certificate);

        await AssertRefusedAsync(refused, "revoked");
        Assert.Empty(await AuditAsync("ota.configured"));
        Assert.Contains(await AuditAsync("enrolment.refused"), a => a.Details!.Contains("revoked", StringComparison.Ordinal));
    }

    /// <summary>The device's phase-3 post: its attributes with the token's challenge, signed by <paramref name="signer"/>.</summary>
    private async Task<HttpResponseMessage> PostFinalAsync(OtaDevice device, X509Certificate2 signer) =>
        await PostDeviceAsync(device.Service.Url, Signed(await AttributesAsync(device.Service.Challenge, device.Serial), signer));

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string reason)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{response.StatusCode} {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, text, StringComparison.Ordinal);
    }

    /// <summary>A self-signed certificate with the subject, issuer name and serial number of <paramref name="genuine"/>, and a new key.</summary>
    private static X509Certificate2 LookAlike(X509Certificate2 genuine)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(genuine.SubjectName, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.Create(genuine.IssuerName, X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1),
            genuine.NotBefore, genuine.NotAfter, genuine.SerialNumberBytes.ToArray());
        return made.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificate and its private key as PEM files; their paths.</summary>
    private async Task<(string Certificate, string Key)> WritePemAsync(X509Certificate2 certificate, string name)
    {
        var paths = (Path.Combine(Dir, name + ".crt.pem"), Path.Combine(Dir, name + ".key.pem"));
        await File.WriteAllTextAsync(paths.Item1, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(paths.Item2, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return paths;
    }
}
