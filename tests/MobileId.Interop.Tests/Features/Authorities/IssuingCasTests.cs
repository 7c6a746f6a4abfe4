using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Crl;

namespace MobileId.Interop.Tests.Features.Authorities;

/// <summary>Several issuing CAs side by side: <c>POST /api/v1/authorities</c>, <c>GET /api/v1/authorities/{name}</c>, <c>POST …/{name}/retire</c>.</summary>
public abstract class IssuingCasTests<TFixture>(TFixture fixture) : IDisposable where TFixture : AppFixture
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mid-ica-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    private static string NewName() => "ica-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Create_RsaIssuingCaUnderTheEcRoot_IssuesLeavesAndPublishesACrlThatOpenSslVerifies()
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        using var client = fixture.App.CreateClient();
        var name = NewName();

        // Act
        var response = await admin.PostAsJsonAsync("/api/v1/authorities",
            new { name, parent = "MobileIdRootCA", keyAlgorithm = "Rsa2048", validityDays = 365, commonName = $"Second Issuing {name}" });
        var view = await admin.GetAsync($"/api/v1/authorities/{name}");

        // Assert: the CA and its certificate.
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal($"/api/v1/authorities/{name}", response.Headers.Location?.OriginalString);
        var ca = await MobileIdApp.ReadJsonAsync(view);
        Assert.Equal("Issuing", ca.GetProperty("kind").GetString());
        Assert.Equal("Rsa2048", ca.GetProperty("keyAlgorithm").GetString());
        Assert.Equal("MobileIdRootCA", ca.GetProperty("parent").GetString());
        Assert.Equal($"O=MobileId, CN=Second Issuing {name}", ca.GetProperty("subject").GetString());
        Assert.False(ca.GetProperty("imported").GetBoolean());
        Assert.Contains(name, (await client.GetStringAsync("/pki/ca")), StringComparison.Ordinal);
        using var root = X509CertificateLoader.LoadCertificate(await client.GetByteArrayAsync("/pki/ca/MobileIdRootCA.crt"));
        using var issuing = X509CertificateLoader.LoadCertificate(await client.GetByteArrayAsync($"/pki/ca/{name}.crt"));
        Assert.True(issuing.NotAfter - issuing.NotBefore < TimeSpan.FromDays(366));
        await File.WriteAllTextAsync($"{_dir}/root.pem", root.ExportCertificatePem());
        await File.WriteAllTextAsync($"{_dir}/issuing.pem", issuing.ExportCertificatePem());
        var verifyCa = await ExternalTool.RunAsync("openssl", $"verify -x509_strict -CAfile {_dir}/root.pem {_dir}/issuing.pem");
        Assert.True(verifyCa.Code == 0, verifyCa.Output);

        // A leaf from it verifies with openssl, and so does its CRL.
        var (_, leaf) = await Issuance.LeafAsync(fixture.App, admin, name);
        await File.WriteAllTextAsync($"{_dir}/leaf.pem", leaf);
        var verifyLeaf = await ExternalTool.RunAsync("openssl", $"verify -x509_strict -CAfile {_dir}/root.pem -untrusted {_dir}/issuing.pem {_dir}/leaf.pem");
        Assert.True(verifyLeaf.Code == 0, verifyLeaf.Output);
        await File.WriteAllBytesAsync($"{_dir}/issuing.crl", await client.GetByteArrayAsync($"/pki/crl/{name}.crl"));
        await File.WriteAllTextAsync($"{_dir}/chain.pem", await client.GetStringAsync($"/pki/ca/{name}.pem"));
        var crl = await ExternalTool.RunAsync("openssl", $"crl -inform DER -in {_dir}/issuing.crl -CAfile {_dir}/chain.pem -noout");
        Assert.True(crl.Code == 0, crl.Output);
        Assert.Contains("verify OK", crl.Output, StringComparison.Ordinal);
        var audit = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .SingleAsync(a => a.Action == "ca.created" && a.TargetId == name));
        Assert.Equal("api-client", audit.ActorKind);
    }

    [Fact]
    public async Task Retire_RefusesNewIssuanceWhileItsCrlAndOcspGoOn()
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        using var client = fixture.App.CreateClient();
        var name = NewName();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/authorities", new { name, parent = "MobileIdRootCA" })).StatusCode);
        var policy = await Issuance.PolicyForAsync(admin, name);
        var (_, leaf) = await Issuance.LeafAsync(fixture.App, admin, name);
        var publisher = fixture.App.Services.GetRequiredService<CrlPublisher>();
        await publisher.PublishDueAsync(force: true, CancellationToken.None);
        var numberBefore = await LatestCrlNumberAsync(name);

        // Act
        var retired = await admin.PostAsync($"/api/v1/authorities/{name}/retire", null);
        var issue = await Issuance.IssueAsync(fixture.App, admin, policy);
        var again = await admin.PostAsync($"/api/v1/authorities/{name}/retire", null);
        var newPolicy = await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name = "pol-" + name, ca = name, keyAlgorithm = "EcdsaP256", keyUsage = new[] { "DigitalSignature" }, subjectTemplate = "CN={displayName}", validityDays = 30,
        });
        await publisher.PublishDueAsync(force: true, CancellationToken.None);

        // Assert
        Assert.Equal("Retired", (await MobileIdApp.ReadJsonAsync(retired)).GetProperty("status").GetString());
        var refused = await MobileIdApp.AssertProblemAsync(issue, 409, ErrorCodes.Conflict);
        Assert.Contains("is retired and issues no new certificates", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
        await MobileIdApp.AssertProblemAsync(newPolicy, 400, ErrorCodes.ValidationFailed);
        Assert.True(await LatestCrlNumberAsync(name) > numberBefore, "a retired CA with valid certificates goes on publishing CRLs");
        var crl = await client.GetAsync($"/pki/crl/{name}.crl");
        Assert.Equal(HttpStatusCode.OK, crl.StatusCode);
        Assert.Equal("Retired", (await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/authorities/{name}"))).GetProperty("status").GetString());
        Assert.Equal(1, await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .CountAsync(a => a.Action == "ca.retired" && a.TargetId == name)));

        // OCSP still answers for the retired CA's leaf.
        await File.WriteAllTextAsync($"{_dir}/leaf.pem", leaf);
        using var issuing = X509CertificateLoader.LoadCertificate(await client.GetByteArrayAsync($"/pki/ca/{name}.crt"));
        await File.WriteAllTextAsync($"{_dir}/issuing.pem", issuing.ExportCertificatePem());
        await File.WriteAllTextAsync($"{_dir}/chain.pem", await client.GetStringAsync($"/pki/ca/{name}.pem"));
        var answer = await OpenSslOcsp.AskAsync(client, _dir, $"{_dir}/issuing.pem", $"{_dir}/leaf.pem", $"{_dir}/chain.pem");
        Assert.Contains("leaf.pem: good", answer, StringComparison.Ordinal);
        Assert.Contains("Response verify OK", answer, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, string, string> Rejections() => new()
    {
        { """{"name":"bad name","parent":"MobileIdRootCA"}""", 400, "name", "is not a CA name" },
        { """{"name":"mobileidissuingca","parent":"MobileIdRootCA"}""", 409, "", "A CA named 'MobileIdIssuingCA' already exists" },
        { """{"name":"NEW","parent":null}""", 400, "parent", "Name the root CA" },
        { """{"name":"NEW","parent":"NoSuchCA"}""", 400, "parent", "'NoSuchCA' is not a CA of this server" },
        { """{"name":"NEW","parent":"MobileIdIssuingCA"}""", 400, "parent", "is not a root CA" },
        { """{"name":"NEW","parent":"MobileIdRootCA","validityDays":5}""", 400, "validityDays", "outside 30-36500" },
        { """{"name":"NEW","parent":"MobileIdRootCA","commonName":"CN-THAT-IS-FAR-TOO-LONG-FOR-X509-CN-THAT-IS-FAR-TOO-LONG-FOR-X509-CN"}""", 400, "commonName", "X.509 allows 64" },
        { """{"name":"NEW","parent":"MobileIdRootCA","commonName":"MobileId Issuing CA"}""", 409, "", "has the subject 'O=MobileId, CN=MobileId Issuing CA' already" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Create_BadRequest_IsRefusedWithAProblemThatSaysWhy(string json, int status, string field, string message)
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        var name = NewName();
        using var content = new StringContent(json.Replace("\"NEW\"", $"\"{name}\"", StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json");

        // Act
        var response = await admin.PostAsync("/api/v1/authorities", content);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, status, status == 400 ? ErrorCodes.ValidationFailed : ErrorCodes.Conflict);
        var text = field.Length > 0 ? problem.GetProperty("errors").GetProperty(field)[0].GetString() : problem.GetProperty("detail").GetString();
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.False(await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CertificateAuthorities.AnyAsync(c => c.Name == name)));
    }

    [Fact]
    public async Task ViewOrRetire_UnknownCa_Is404()
    {
        using var admin = await fixture.App.AdminClientAsync();

        await MobileIdApp.AssertProblemAsync(await admin.GetAsync("/api/v1/authorities/NoSuchCA"), 404, ErrorCodes.NotFound);
        await MobileIdApp.AssertProblemAsync(await admin.PostAsync("/api/v1/authorities/NoSuchCA/retire", null), 404, ErrorCodes.NotFound);
    }

    private Task<long> LatestCrlNumberAsync(string name) => fixture.App.WithServicesAsync(s =>
    {
        var db = s.GetRequiredService<MobileIdDbContext>();
        return db.Crls.Where(c => db.CertificateAuthorities.Any(a => a.Name == name && a.Id == c.IssuerId) && !c.IsDelta).MaxAsync(c => c.Number);
    });
}

public sealed class SqliteIssuingCasTests(SqliteAppFixture fixture) : IssuingCasTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresIssuingCasTests(PostgresAppFixture fixture) : IssuingCasTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
