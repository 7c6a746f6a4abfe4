using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Certificates;

namespace MobileId.Interop.Tests.Features.Certificates;

/// <summary>Server-made keys: issued as PKCS#12, archived under the KEK, recovered for operators and for Use existing / Historic Only.</summary>
public abstract class KeyArchiveTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private const string Password = "correct-horse-battery";

    private static object Policy(string name, bool archive, string algorithm = "Rsa2048", string usage = "KeyEncipherment") => new
    {
        name, ca = "MobileIdIssuingCA", keyAlgorithm = algorithm, keyUsage = new[] { usage }, extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.4" },
        subjectTemplate = "CN={displayName}", sanEmail = true, validityDays = 365, keyGeneration = "Server", archive,
    };

    private async Task<(HttpClient Admin, MobileId.Server.Features.People.PersonView Person, string PolicyName)> ArrangeAsync(bool archive, string algorithm = "Rsa2048", string usage = "KeyEncipherment")
    {
        var admin = await fixture.App.AdminClientAsync();
        var policy = "mail-" + Guid.NewGuid().ToString("N")[..8];
        var created = await admin.PostAsJsonAsync("/api/v1/policies", Policy(policy, archive, algorithm, usage));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var person = await fixture.App.CreatePersonAsync("arc" + Guid.NewGuid().ToString("N")[..8], email: "mail@example.org");
        return (admin, person, policy);
    }

    private static async Task<(string Directory, string Pem)> OpenWithOpenSslAsync(string pkcs12Base64, string password)
    {
        var dir = Directory.CreateTempSubdirectory("mid-arc-").FullName;
        await File.WriteAllBytesAsync($"{dir}/key.p12", Convert.FromBase64String(pkcs12Base64));
        var (code, output) = await ExternalTool.RunAsync("openssl", $"pkcs12 -in {dir}/key.p12 -passin pass:{password} -nodes -out {dir}/all.pem");
        Assert.True(code == 0, output);
        var leaf = await ExternalTool.RunAsync("openssl", $"pkcs12 -in {dir}/key.p12 -passin pass:{password} -clcerts -nokeys -out {dir}/leaf.pem");
        Assert.True(leaf.Code == 0, leaf.Output);
        return (dir, await File.ReadAllTextAsync($"{dir}/all.pem"));
    }

    [Fact]
    public async Task IssueServerKey_ArchivingPolicy_ReturnsPkcs12ThatOpenSslOpensAndStoresTheKeyOnlyWrapped()
    {
        // Arrange
        var (admin, person, policy) = await ArrangeAsync(archive: true);
        using var _ = admin;

        // Act
        var response = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy, pkcs12Password = Password });

        // Assert: openssl opens the file; its key belongs to the certificate, and the chain is in it.
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await MobileIdApp.ReadJsonAsync(response);
        Assert.True(body.GetProperty("keyArchived").GetBoolean());
        var (dir, pem) = await OpenWithOpenSslAsync(body.GetProperty("pkcs12").GetString()!, Password);
        var (certCode, certKey) = await ExternalTool.RunAsync("openssl", $"x509 -in {dir}/leaf.pem -noout -pubkey");
        var (keyCode, privateKey) = await ExternalTool.RunAsync("openssl", $"pkey -in {dir}/all.pem -pubout");
        Assert.True(certCode == 0 && keyCode == 0, certKey + privateKey);
        Assert.Equal(certKey.Split('\n', 2)[1].Trim(), privateKey.Split('\n', 2)[1].Trim());
        Assert.Equal(3, pem.Split("BEGIN CERTIFICATE").Length - 1);
        var verify = await ExternalTool.RunAsync("openssl", $"verify -purpose smimeencrypt -CAfile {dir}/all.pem {dir}/leaf.pem");
        Assert.True(verify.Code == 0, verify.Output);

        var certificateId = body.GetProperty("certificate").GetProperty("id").GetGuid();
        var archived = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().ArchivedKeys.SingleAsync(a => a.CertificateId == certificateId));
        using var loaded = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(body.GetProperty("pkcs12").GetString()!), Password);
        using var rsa = loaded.GetRSAPrivateKey()!;
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        Assert.Equal(-1, archived.WrappedKey.AsSpan().IndexOf(pkcs8.AsSpan(pkcs8.Length - 64)));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Recover_ArchivedKey_GivesTheSameKeyAgainAndIsAuditedAndCounted()
    {
        // Arrange
        var (admin, person, policy) = await ArrangeAsync(archive: true, algorithm: "EcdsaP384", usage: "KeyAgreement");
        using var _ = admin;
        var issuedResponse = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy, pkcs12Password = Password });
        Assert.True(issuedResponse.StatusCode == HttpStatusCode.Created, await issuedResponse.Content.ReadAsStringAsync());
        var issued = await MobileIdApp.ReadJsonAsync(issuedResponse);
        var id = issued.GetProperty("certificate").GetProperty("id").GetGuid();

        // Act
        var first = await admin.PostAsJsonAsync($"/api/v1/certificates/{id}/recover", new { pkcs12Password = "another-long-password" });
        var second = await admin.PostAsJsonAsync($"/api/v1/certificates/{id}/recover", new { pkcs12Password = "another-long-password" });

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        using var original = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(issued.GetProperty("pkcs12").GetString()!), Password);
        var recoveredBody = await MobileIdApp.ReadJsonAsync(first);
        var (dir, _) = await OpenWithOpenSslAsync(recoveredBody.GetProperty("pkcs12").GetString()!, "another-long-password");
        using var recovered = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(recoveredBody.GetProperty("pkcs12").GetString()!), "another-long-password");
        using var a = original.GetECDiffieHellmanPrivateKey()!;
        using var b = recovered.GetECDiffieHellmanPrivateKey()!;
        Assert.Equal(a.ExportParameters(true).D, b.ExportParameters(true).D);
        Assert.Equal(original.Thumbprint, recovered.Thumbprint);
        var (recoveries, audited) = await fixture.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            return ((await db.ArchivedKeys.SingleAsync(k => k.CertificateId == id)).Recoveries,
                await db.AuditRecords.CountAsync(r => r.Action == "key.recovered" && r.TargetPersonId == person.Id && r.ActorKind != "system"));
        });
        Assert.Equal(2, recoveries);
        Assert.Equal(2, audited);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task ServerKey_NotArchivingPolicy_IsDeliveredOnceAndCannotBeRecovered()
    {
        var (admin, person, policy) = await ArrangeAsync(archive: false, algorithm: "EcdsaP256", usage: "DigitalSignature");
        using var _ = admin;

        var issued = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy, pkcs12Password = Password });
        var body = await MobileIdApp.ReadJsonAsync(issued);
        var id = body.GetProperty("certificate").GetProperty("id").GetGuid();
        var recover = await admin.PostAsJsonAsync($"/api/v1/certificates/{id}/recover", new { pkcs12Password = Password });

        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.False(body.GetProperty("keyArchived").GetBoolean());
        using var loaded = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(body.GetProperty("pkcs12").GetString()!), Password);
        Assert.True(loaded.HasPrivateKey);
        var problem = await MobileIdApp.AssertProblemAsync(recover, 409, ErrorCodes.Conflict);
        Assert.Contains("has no archived key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("csr to a server-key policy", "csr", "makes keys on the server")]
    [InlineData("no password", "pkcs12Password", "at least 12 characters")]
    [InlineData("short password", "pkcs12Password", "at least 12 characters")]
    public async Task IssueServerKey_BadRequest_Returns400NamingTheFieldAndIssuesNothing(string kind, string field, string message)
    {
        var (admin, person, policy) = await ArrangeAsync(archive: true);
        using var _ = admin;
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        object request = kind switch
        {
            "csr to a server-key policy" => new { policy, csr = new CertificateRequest("CN=x", ec, HashAlgorithmName.SHA256).CreateSigningRequestPem(), pkcs12Password = Password },
            "no password" => new { policy },
            _ => new { policy, pkcs12Password = "short" },
        };

        var response = await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", request);

        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Contains(message, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.False(await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().IssuedCertificates.AnyAsync(c => c.PersonId == person.Id)));
    }

    [Fact]
    public async Task Recover_DeviceKeyOrShortPassword_IsRefusedWithTheReason()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var person = await fixture.App.CreatePersonAsync("dev" + Guid.NewGuid().ToString("N")[..8]);
        var deviceMade = await fixture.App.IssueLeafAsync("device-key", person.Id);

        var noKey = await admin.PostAsJsonAsync($"/api/v1/certificates/{deviceMade.Id}/recover", new { pkcs12Password = Password });
        var shortPassword = await admin.PostAsJsonAsync($"/api/v1/certificates/{deviceMade.Id}/recover", new { pkcs12Password = "pw" });
        var missing = await admin.PostAsJsonAsync($"/api/v1/certificates/{Guid.NewGuid()}/recover", new { pkcs12Password = Password });

        await MobileIdApp.AssertProblemAsync(noKey, 409, ErrorCodes.Conflict);
        await MobileIdApp.AssertProblemAsync(shortPassword, 400, ErrorCodes.ValidationFailed);
        await MobileIdApp.AssertProblemAsync(missing, 404, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task Recover_WrappedKeyMovedToAnotherCertificate_DoesNotDecrypt()
    {
        // Arrange: two archived certificates; the first one's blob is copied onto the second's row.
        var (admin, person, policy) = await ArrangeAsync(archive: true, algorithm: "EcdsaP256", usage: "KeyAgreement");
        using var _ = admin;
        var ids = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            var body = await MobileIdApp.ReadJsonAsync(await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy, pkcs12Password = Password }));
            ids.Add(body.GetProperty("certificate").GetProperty("id").GetGuid());
        }

        await fixture.App.WithServicesAsync(async s =>
        {
            var db = s.GetRequiredService<MobileIdDbContext>();
            var source = await db.ArchivedKeys.AsNoTracking().SingleAsync(a => a.CertificateId == ids[0]);
            var target = await db.ArchivedKeys.SingleAsync(a => a.CertificateId == ids[1]);
            target.WrappedKey = source.WrappedKey;
            return await db.SaveChangesAsync();
        });

        // Act
        var response = await admin.PostAsJsonAsync($"/api/v1/certificates/{ids[1]}/recover", new { pkcs12Password = Password });

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 409, ErrorCodes.Conflict);
        Assert.Contains("cannot be decrypted", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForDelivery_UseExistingAndHistoricOnly_PickTheRightCertificates()
    {
        // Arrange: three archived certificates: key compromised, superseded, and current.
        var (admin, person, policy) = await ArrangeAsync(archive: true, algorithm: "EcdsaP256", usage: "KeyAgreement");
        using var _ = admin;
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var body = await MobileIdApp.ReadJsonAsync(await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy, pkcs12Password = Password }));
            var id = body.GetProperty("certificate").GetProperty("id").GetGuid();
            ids.Add(id);
            var shift = i - 3;
            await fixture.App.WithServicesAsync(async s =>
            {
                // Note: issuance times are to the second; spread them so "newest" is well defined.
                var db = s.GetRequiredService<MobileIdDbContext>();
                var c = await db.IssuedCertificates.SingleAsync(x => x.Id == id);
                c.NotBefore = c.NotBefore.AddDays(shift);
                return await db.SaveChangesAsync();
            });
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/certificates/{ids[0]}/revoke", new { reason = "KeyCompromise" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/v1/certificates/{ids[1]}/revoke", new { reason = "Superseded" })).StatusCode);
        var policyId = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CertificatePolicies.Where(p => p.Name == policy).Select(p => p.Id).SingleAsync());

        // Act
        async Task<List<Guid>> DeliverAsync(RecoveryMode mode) => await fixture.App.WithServicesAsync(async s =>
        {
            var result = await s.GetRequiredService<KeyArchive>().ForDeliveryAsync(Caller.System("test"), person.Id, policyId, mode, new HashSet<string>(), CancellationToken.None);
            Assert.True(result.IsSuccess, result.Error?.Detail);
            foreach (var recovered in result.Value!)
            {
                using var key = MobileId.Pki.Keys.KeyPackages.FromPkcs8(recovered.Pkcs8);
                using var certificate = X509CertificateLoader.LoadCertificate(recovered.Certificate.Der);
                Assert.Equal(certificate.PublicKey.ExportSubjectPublicKeyInfo(), ((ECDsa)key).ExportSubjectPublicKeyInfo());
                recovered.Dispose();
            }

            return result.Value.Select(r => r.Certificate.Id).ToList();
        });
        var useExisting = await DeliverAsync(RecoveryMode.UseExisting);
        var historic = await DeliverAsync(RecoveryMode.HistoricOnly);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/certificates/{ids[2]}/hold", null)).StatusCode);
        var useExistingWhileHeld = await DeliverAsync(RecoveryMode.UseExisting);

        // Assert
        Assert.Equal([ids[2]], useExisting);
        Assert.Equal([ids[1], ids[2]], historic);
        Assert.Empty(useExistingWhileHeld);
    }
}

public sealed class SqliteKeyArchiveTests(SqliteAppFixture fixture) : KeyArchiveTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresKeyArchiveTests(PostgresAppFixture fixture) : KeyArchiveTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
