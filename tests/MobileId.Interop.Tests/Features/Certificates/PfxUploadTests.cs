using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;

namespace MobileId.Interop.Tests.Features.Certificates;

public abstract class PfxUploadTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private static (byte[] Pfx, byte[] PublicKey) MakePfx(string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=External Mail, O=Other CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return (certificate.Export(X509ContentType.Pkcs12, password), key.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public async Task Upload_PfxWithPassword_StoresAnUnmanagedCertificateWithItsKeyEncryptedUnderTheKek()
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        var person = await fixture.App.CreatePersonAsync("pfx" + Guid.NewGuid().ToString("N")[..8]);
        var (pfx, publicKey) = MakePfx("s3cret!");

        // Act
        var response = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/pfx", new { pfx = Convert.ToBase64String(pfx), password = "s3cret!" });
        var again = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/pfx", new { pfx = Convert.ToBase64String(pfx), password = "s3cret!" });

        // Assert
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(response);
        Assert.True(body.GetProperty("hasPrivateKey").GetBoolean());
        var id = body.GetProperty("id").GetGuid();
        var stored = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().UnmanagedCertificates.SingleAsync(u => u.Id == id));
        var pkcs8 = fixture.App.Services.GetRequiredService<IKeyStore>().Unwrap(stored.WrappedKey, "pfx:" + id.ToString("D"));
        using var recovered = RSA.Create();
        recovered.ImportPkcs8PrivateKey(pkcs8, out _);
        Assert.Equal(publicKey, recovered.ExportSubjectPublicKeyInfo());
        await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
    }

    [Fact]
    public async Task Upload_PfxMadeByOpenSsl_IsAccepted()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var person = await fixture.App.CreatePersonAsync("ossl" + Guid.NewGuid().ToString("N")[..8]);
        var dir = Directory.CreateTempSubdirectory("mid-pfx-").FullName;
        var made = await ExternalTool.RunAsync("openssl",
            $"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {dir}/k.pem -out {dir}/c.pem -days 30 -subj /CN=openssl-user");
        Assert.True(made.Code == 0, made.Output);
        var export = await ExternalTool.RunAsync("openssl", $"pkcs12 -export -inkey {dir}/k.pem -in {dir}/c.pem -out {dir}/u.p12 -passout pass:abc123");
        Assert.True(export.Code == 0, export.Output);

        var response = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/pfx",
            new { pfx = Convert.ToBase64String(await File.ReadAllBytesAsync($"{dir}/u.p12")), password = "abc123" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(response);
        Assert.Equal("CN=openssl-user", body.GetProperty("subject").GetString());
        Assert.True(body.GetProperty("hasPrivateKey").GetBoolean());
        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData("wrong password", "password", "The password does not open this PFX file.")]
    [InlineData("not pkcs12", "pfx", "The file is not a PKCS#12 (PFX/P12) file.")]
    [InlineData("not base64", "pfx", "The PFX file must be sent as base64.")]
    public async Task Upload_BadFileOrPassword_Returns400SayingWhichAndStoresNothing(string kind, string field, string message)
    {
        using var admin = await fixture.App.AdminClientAsync();
        var person = await fixture.App.CreatePersonAsync("bad" + Guid.NewGuid().ToString("N")[..8]);
        var (pfx, _) = MakePfx("right");
        var body = kind switch
        {
            "wrong password" => new { pfx = Convert.ToBase64String(pfx), password = "wrong" },
            "not pkcs12" => new { pfx = Convert.ToBase64String("-----BEGIN CERTIFICATE-----\nnope"u8.ToArray()), password = "right" },
            _ => new { pfx = "%%% not base64 %%%", password = "right" },
        };

        var response = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/pfx", body);

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Equal(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
        var count = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().UnmanagedCertificates.CountAsync(u => u.PersonId == person.Id));
        Assert.Equal(0, count);
    }
}

public sealed class SqlitePfxUploadTests(SqliteAppFixture fixture) : PfxUploadTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresPfxUploadTests(PostgresAppFixture fixture) : PfxUploadTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
