using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Interop.Tests.Features.Certificates;

public abstract class CertificatesApiTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private static object Policy(string name, string algorithm = "EcdsaP256", string[]? ekus = null, string? upn = null) => new
    {
        name, ca = "MobileIdIssuingCA", keyAlgorithm = algorithm, keyUsage = new[] { "DigitalSignature" },
        extendedKeyUsages = ekus ?? ["1.3.6.1.5.5.7.3.2"], subjectTemplate = "CN={displayName},OU={group},O=Example", sanEmail = true,
        upnSuffix = upn, policyOids = new[] { "2.16.840.1.101.3.2.1.3.13" }, validityDays = 365,
    };

    [Fact]
    public async Task Issue_ValidCsrUnderPolicy_GivesAnRfc5280CertificateFromThePersonRecordThatOpenSslVerifies()
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        var name = "smartcard-" + Guid.NewGuid().ToString("N")[..8];
        var created = await admin.PostAsJsonAsync("/api/v1/policies", Policy(name, ekus: ["1.3.6.1.5.5.7.3.2", "1.3.6.1.4.1.311.20.2.2"], upn: "corp.example.org"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var group = await fixture.App.CreateGroupAsync("Eng-" + Guid.NewGuid().ToString("N")[..6]);
        var person = await fixture.App.CreatePersonAsync("jdoe" + Guid.NewGuid().ToString("N")[..6], group, "jane@example.org");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=ignored, O=Evil", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

        // Act
        var response = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy = name, csr });

        // Assert
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(response);
        using var certificate = X509Certificate2.CreateFromPem(body.GetProperty("pem").GetString());
        Assert.StartsWith($"CN=Test {person.LogonName}, OU=Eng-", certificate.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("Evil", certificate.Subject, StringComparison.Ordinal);
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("jane@example.org", san.Format(false), StringComparison.Ordinal);
        Assert.Contains($"{person.LogonName}@corp.example.org", san.Format(false), StringComparison.Ordinal);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
        var dir = Directory.CreateTempSubdirectory("mid-issue-").FullName;
        using var client = fixture.App.CreateClient();
        await File.WriteAllTextAsync($"{dir}/chain.pem", await client.GetStringAsync("/pki/ca/MobileIdIssuingCA.pem"));
        await File.WriteAllTextAsync($"{dir}/leaf.pem", certificate.ExportCertificatePem());
        var (code, output) = await ExternalTool.RunAsync("openssl", $"verify -x509_strict -purpose sslclient -CAfile {dir}/chain.pem {dir}/leaf.pem");
        Assert.True(code == 0, output);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Issue_CsrWithBrokenSignatureOrWrongKey_IsRefusedWithTheReason()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var name = "auth-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/policies", Policy(name))).StatusCode);
        var person = await fixture.App.CreatePersonAsync("csr" + Guid.NewGuid().ToString("N")[..6]);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = new CertificateRequest("CN=x", ec, HashAlgorithmName.SHA256).CreateSigningRequest();
        der[^3] ^= 0x55; // damage the signature
        using var rsa = RSA.Create(2048);
        var rsaCsr = new CertificateRequest("CN=x", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();

        var broken = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy = name, csr = Convert.ToBase64String(der) });
        var wrongKey = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy = name, csr = rsaCsr });
        var noPolicy = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy = "nope", csr = rsaCsr });

        var p1 = await MobileIdApp.AssertProblemAsync(broken, 400, ErrorCodes.ValidationFailed);
        Assert.Contains("proof of possession", p1.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var p2 = await MobileIdApp.AssertProblemAsync(wrongKey, 400, ErrorCodes.ValidationFailed);
        Assert.Contains("Rsa2048, but the policy asks for EcdsaP256", p2.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await MobileIdApp.AssertProblemAsync(noPolicy, 400, ErrorCodes.ValidationFailed);
        var count = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.CountAsync(c => c.PersonId == person.Id));
        Assert.Equal(0, count);
    }

    [Fact]
    public async Task CreatePolicy_BreaksARule_Returns400NamingTheField()
    {
        using var admin = await fixture.App.AdminClientAsync();

        var response = await admin.PostAsJsonAsync("/api/v1/policies", Policy("bad-" + Guid.NewGuid().ToString("N")[..6], ekus: ["2.5.29.37.0"]));

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty("extendedKeyUsages", out _));
    }

    [Fact]
    public async Task RevokeHoldRelease_ThroughTheApi_ChangeTheStatusAndARevocationIsFinal()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var name = "rev-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/policies", Policy(name))).StatusCode);
        var person = await fixture.App.CreatePersonAsync("rev" + Guid.NewGuid().ToString("N")[..6]);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var issued = await MobileIdApp.ReadJsonAsync(await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy = name, csr }));
        var id = issued.GetProperty("id").GetGuid();

        var held = await MobileIdApp.ReadJsonAsync(await admin.PostAsync($"/api/v1/certificates/{id}/hold", null));
        var released = await MobileIdApp.ReadJsonAsync(await admin.PostAsync($"/api/v1/certificates/{id}/release", null));
        var revoked = await MobileIdApp.ReadJsonAsync(await admin.PostAsJsonAsync($"/api/v1/certificates/{id}/revoke", new { reason = "Superseded" }));
        var again = await admin.PostAsync($"/api/v1/certificates/{id}/hold", null);
        var list = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/people/{person.Id}/certificates"));

        Assert.Equal("OnHold", held.GetProperty("status").GetString());
        Assert.Equal("Valid", released.GetProperty("status").GetString());
        Assert.Equal("Revoked", revoked.GetProperty("status").GetString());
        Assert.Equal(4, revoked.GetProperty("revocationReason").GetInt32());
        await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
        Assert.Equal("Revoked", list.GetProperty("items").EnumerateArray().Single().GetProperty("status").GetString());
    }
}

public sealed class SqliteCertificatesApiTests(SqliteAppFixture fixture) : CertificatesApiTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresCertificatesApiTests(PostgresAppFixture fixture) : CertificatesApiTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
