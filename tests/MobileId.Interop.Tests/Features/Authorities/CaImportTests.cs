using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;

namespace MobileId.Interop.Tests.Features.Authorities;

/// <summary><c>POST /api/v1/authorities/import</c>: an existing CA with its key, from PKCS#12 or a PEM key and chain.</summary>
public abstract class CaImportTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    private static string NewName() => "ext-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Import_PfxMadeByOpenSsl_BecomesAnIssuingCaThatIssuesAndPublishesItsCrlAndKeepsItsRootWithoutKey()
    {
        // Arrange
        using var external = await OpenSslCa.CreateAsync();
        using var admin = await fixture.App.AdminClientAsync();
        var name = NewName();

        // Act
        var response = await admin.PostAsJsonAsync("/api/v1/authorities/import", new { name, pfx = await external.PfxAsync("Pfx-Pass-1"), password = "Pfx-Pass-1" });

        // Assert: an active issuing CA whose key is in the key store, under its root kept without a key.
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal($"/api/v1/authorities/{name}", response.Headers.Location?.OriginalString);
        var ca = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Issuing", ca.GetProperty("kind").GetString());
        Assert.Equal("Active", ca.GetProperty("status").GetString());
        Assert.Equal("EcdsaP256", ca.GetProperty("keyAlgorithm").GetString());
        Assert.Equal("software", ca.GetProperty("keyStore").GetString());
        Assert.True(ca.GetProperty("hasKey").GetBoolean());
        Assert.True(ca.GetProperty("imported").GetBoolean());
        var rootName = ca.GetProperty("parent").GetString()!;
        Assert.Equal($"Elsewhere-Root-{external.Id}", rootName);
        var root = await MobileIdApp.ReadJsonAsync(await admin.GetAsync($"/api/v1/authorities/{rootName}"));
        Assert.Equal("Root", root.GetProperty("kind").GetString());
        Assert.False(root.GetProperty("hasKey").GetBoolean());
        Assert.Equal("none", root.GetProperty("keyStore").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("urls").GetProperty("crl").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("parent").ValueKind);

        var record = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CertificateAuthorities.SingleAsync(c => c.Name == name));
        using var stored = fixture.App.Services.GetRequiredService<IKeyStore>().Open(record.KeyId);
        using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(external.CaPem));
        Assert.Equal(certificate.PublicKey.ExportSubjectPublicKeyInfo(), stored.PublicKey.ExportSubjectPublicKeyInfo());
        var audit = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().AuditRecords
            .Where(a => a.Action == "ca.imported" && (a.TargetId == name || a.TargetId == rootName)).Select(a => a.TargetId).ToListAsync());
        Assert.Equal(new[] { name, rootName }.Order(StringComparer.Ordinal), audit.Order(StringComparer.Ordinal), StringComparer.Ordinal);

        // A leaf from the imported CA verifies up to the external root with openssl.
        using var client = fixture.App.CreateClient();
        var (_, leaf) = await Issuance.LeafAsync(fixture.App, admin, name);
        await File.WriteAllTextAsync($"{external.Directory}/leaf.pem", leaf);
        var verify = await ExternalTool.RunAsync("openssl", $"verify -x509_strict -CAfile {external.RootPem} -untrusted {external.CaPem} {external.Directory}/leaf.pem");
        Assert.True(verify.Code == 0, verify.Output);
        var chain = await client.GetStringAsync($"/pki/ca/{name}.pem");
        Assert.Equal(2, chain.Split("BEGIN CERTIFICATE", StringSplitOptions.None).Length - 1);

        // The server signs the imported CA's CRL; the root's CRLs are its operator's.
        await File.WriteAllBytesAsync($"{external.Directory}/ca.crl", await client.GetByteArrayAsync($"/pki/crl/{name}.crl"));
        await File.WriteAllTextAsync($"{external.Directory}/chain.pem", chain);
        var crl = await ExternalTool.RunAsync("openssl", $"crl -inform DER -in {external.Directory}/ca.crl -CAfile {external.Directory}/chain.pem -noout");
        Assert.True(crl.Code == 0, crl.Output);
        Assert.Contains("verify OK", crl.Output, StringComparison.Ordinal);
        var rootCrl = await MobileIdApp.AssertProblemAsync(await client.GetAsync($"/pki/crl/{rootName}.crl"), 404, ErrorCodes.NotFound);
        Assert.Contains("key is not here", rootCrl.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pkcs8", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ca.key", "EcdsaP384")]
    [InlineData("traditional-ec", "ecparam -genkey -name prime256v1 -out ca.key", "EcdsaP256")]
    [InlineData("traditional-rsa", "genrsa -traditional -out ca.key 3072", "Rsa3072")]
    [InlineData("encrypted-pkcs8", "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc -pass pass:Key-Pass-1 -out ca.key", "Rsa2048")]
    public async Task Import_PemKeyAndChain_TakesEachKeyFormOpenSslWrites(string form, string keyCommand, string algorithm)
    {
        // Arrange
        using var external = await OpenSslCa.CreateAsync(keyCommand.Replace("-aes-256-cbc -pass pass:Key-Pass-1 ", "", StringComparison.Ordinal));
        if (form == "encrypted-pkcs8")
        {
            await external.OpenSslAsync($"pkcs8 -topk8 -v2 aes-256-cbc -in {external.CaKey} -passout pass:Key-Pass-1 -out {external.Directory}/ca.enc");
            File.Move($"{external.Directory}/ca.enc", external.CaKey, overwrite: true);
        }

        using var admin = await fixture.App.AdminClientAsync();
        var keyPem = await File.ReadAllTextAsync(external.CaKey);
        Assert.Contains(form switch
        {
            "traditional-ec" => "BEGIN EC PRIVATE KEY",
            "traditional-rsa" => "BEGIN RSA PRIVATE KEY",
            "encrypted-pkcs8" => "BEGIN ENCRYPTED PRIVATE KEY",
            _ => "BEGIN PRIVATE KEY",
        }, keyPem, StringComparison.Ordinal);

        // Act
        var response = await admin.PostAsJsonAsync("/api/v1/authorities/import", new
        {
            name = NewName(), keyPem, chainPem = await external.ChainPemAsync(), password = form == "encrypted-pkcs8" ? "Key-Pass-1" : null,
        });

        // Assert
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal(algorithm, JsonDocument.Parse(body).RootElement.GetProperty("keyAlgorithm").GetString());
    }

    public static TheoryData<string> Rejections() =>
    [
        "not-pkcs12", "wrong-password", "no-private-key", "two-forms", "key-mismatch", "not-a-ca", "no-keycertsign", "no-crlsign", "no-ski",
        "expired", "not-yet-valid", "rsa-1024", "p-521", "no-parent", "wrong-parent", "expired-root", "bad-name", "delta-name",
        "encrypted-without-password", "encrypted-wrong-password", "legacy-encrypted-pem", "no-key-in-pem", "no-certificate-in-pem",
    ];

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Import_BadMaterial_IsRefusedWithAProblemThatNamesTheFieldAndTheReason(string reason)
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        var name = NewName();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var root = TestCas.Root(tag);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var good = TestCas.Issuing(tag, key, root);
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        var chain = TestCas.Pem(good, root.Root);
        object PemBody(AsymmetricAlgorithm caKey, X509Certificate2 ca, params X509Certificate2[] parents) =>
            new { name, keyPem = caKey.ExportPkcs8PrivateKeyPem(), chainPem = TestCas.Pem([ca, .. parents]) };
        using var rsa1024 = RSA.Create(1024);
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        (object Body, string Field, string Message) expected = reason switch
        {
            "not-pkcs12" => (new { name, pfx = Convert.ToBase64String("hello, not a PFX"u8.ToArray()), password = "x" }, "pfx", "not a PKCS#12"),
            "wrong-password" => (new { name, pfx = TestCas.Pfx("right", key, good, root.Root), password = "wrong" }, "password", "does not open this PFX"),
            "no-private-key" => (new { name, pfx = TestCas.Pfx("pw", null, good, root.Root), password = "pw" }, "pfx", "holds no private key"),
            "two-forms" => (new { name, pfx = TestCas.Pfx("pw", key, good, root.Root), password = "pw", keyPem, chainPem = chain }, "pfx", "either as pfx"),
            "key-mismatch" => (new { name, keyPem = other.ExportPkcs8PrivateKeyPem(), chainPem = chain }, "keyPem", "does not belong to the certificate"),
            "not-a-ca" => (PemBody(key, TestCas.Issuing(tag, key, root, isCa: false), root.Root), "chainPem", "not a CA certificate"),
            "no-keycertsign" => (PemBody(key, TestCas.Issuing(tag, key, root, usage: X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.CrlSign), root.Root),
                "chainPem", "lacks keyCertSign"),
            "no-crlsign" => (PemBody(key, TestCas.Issuing(tag, key, root, usage: X509KeyUsageFlags.KeyCertSign), root.Root), "chainPem", "lacks cRLSign"),
            "no-ski" => (PemBody(key, TestCas.Issuing(tag, key, root, subjectKeyIdentifier: false), root.Root), "chainPem", "no subjectKeyIdentifier"),
            "expired" => (PemBody(key, TestCas.Issuing(tag, key, root, notBefore: TestCas.Now.AddYears(-1), notAfter: TestCas.Now.AddDays(-1)), root.Root),
                "chainPem", "expired on"),
            "not-yet-valid" => (PemBody(key, TestCas.Issuing(tag, key, root, notBefore: TestCas.Now.AddDays(2)), root.Root), "chainPem", "is not valid until"),
            "rsa-1024" => (PemBody(rsa1024, TestCas.Issuing(tag, rsa1024, root), root.Root), "keyPem", "The CA key is RSA 1024"),
            "p-521" => (PemBody(p521, TestCas.Issuing(tag, p521, root), root.Root), "keyPem", "MobileId CAs use RSA 2048, 3072 or 4096, or ECDSA P-256 or P-384"),
            "no-parent" => (PemBody(key, good), "chainPem", "does not reach a self-signed root"),
            "wrong-parent" => (PemBody(key, good, TestCas.Root(tag + "x").Root), "chainPem", "does not reach a self-signed root"),
            "expired-root" => (ExpiredRoot(tag, key), "chainPem", "in the chain is not valid now"),
            "bad-name" => (new { name = "bad name!", keyPem, chainPem = chain }, "name", "is not a CA name"),
            "delta-name" => (new { name = name + "-delta", keyPem, chainPem = chain }, "name", "not ending in '-delta'"),
            "encrypted-without-password" => (new { name, keyPem = key.ExportEncryptedPkcs8PrivateKeyPem("pw", Pbe), chainPem = chain }, "password", "send its password"),
            "encrypted-wrong-password" => (new { name, keyPem = key.ExportEncryptedPkcs8PrivateKeyPem("pw", Pbe), chainPem = chain, password = "wrong" },
                "password", "does not decrypt the key"),
            "legacy-encrypted-pem" => (new { name, keyPem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
                chainPem = chain }, "keyPem", "openssl pkcs8 -topk8"),
            "no-key-in-pem" => (new { name, keyPem = chain, chainPem = chain }, "keyPem", "holds no private key"),
            "no-certificate-in-pem" => (new { name, keyPem, chainPem = keyPem }, "chainPem", "holds no certificate"),
            _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
        };

        // Act
        var response = await admin.PostAsJsonAsync("/api/v1/authorities/import", expected.Body);

        // Assert
        var problem = await MobileIdApp.AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(expected.Field, out var messages), problem.ToString());
        Assert.Contains(expected.Message, messages[0].GetString(), StringComparison.Ordinal);
        var created = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CertificateAuthorities
            .AnyAsync(c => c.Subject.Contains(tag)));
        Assert.False(created, "nothing is stored when the import is refused");
    }

    [Fact]
    public async Task Import_SameCaTwiceOrATakenName_Is409AndASecondCaUnderTheSameRootReusesIt()
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var root = TestCas.Root(tag);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = TestCas.Issuing(tag, key, root);
        using var secondKey = RSA.Create(2048);
        using var second = TestCas.Issuing(tag + "-2", secondKey, root);
        var name = NewName();

        // Act
        var first = await admin.PostAsJsonAsync("/api/v1/authorities/import", new { name, pfx = TestCas.Pfx("pw", key, ca, root.Root), password = "pw" });
        var again = await admin.PostAsJsonAsync("/api/v1/authorities/import", new { name = NewName(), pfx = TestCas.Pfx("pw", key, ca, root.Root), password = "pw" });
        var takenName = await admin.PostAsJsonAsync("/api/v1/authorities/import",
            new { name = name.ToUpperInvariant(), keyPem = secondKey.ExportPkcs8PrivateKeyPem(), chainPem = TestCas.Pem(second, root.Root) });
        // The root is on the server now, so the chain may stop below it.
        var sibling = await admin.PostAsJsonAsync("/api/v1/authorities/import",
            new { name = NewName(), keyPem = secondKey.ExportPkcs8PrivateKeyPem(), chainPem = TestCas.Pem(second) });

        // Assert
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var duplicate = await MobileIdApp.AssertProblemAsync(again, 409, ErrorCodes.Conflict);
        Assert.Contains($"on the server already, as '{name}'", duplicate.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var taken = await MobileIdApp.AssertProblemAsync(takenName, 409, ErrorCodes.Conflict);
        Assert.Contains($"A CA named '{name}' already exists", taken.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var siblingBody = await sibling.Content.ReadAsStringAsync();
        Assert.True(sibling.StatusCode == HttpStatusCode.Created, siblingBody);
        var parent = (await MobileIdApp.ReadJsonAsync(first)).GetProperty("parent").GetString();
        Assert.Equal(parent, JsonDocument.Parse(siblingBody).RootElement.GetProperty("parent").GetString());
        Assert.Equal("Rsa2048", JsonDocument.Parse(siblingBody).RootElement.GetProperty("keyAlgorithm").GetString());
        var roots = await fixture.App.WithServicesAsync(s => s.GetRequiredService<MobileIdDbContext>().CertificateAuthorities
            .CountAsync(c => c.Subject == root.Root.Subject));
        Assert.Equal(1, roots);
    }

    [Fact]
    public async Task ParentWithoutKey_CannotIssueSignCasOrBeRetired()
    {
        // Arrange
        using var admin = await fixture.App.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var root = TestCas.Root(tag);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = TestCas.Issuing(tag, key, root);
        var imported = await MobileIdApp.ReadJsonAsync(await admin.PostAsJsonAsync("/api/v1/authorities/import",
            new { name = NewName(), keyPem = key.ExportPkcs8PrivateKeyPem(), chainPem = TestCas.Pem(ca, root.Root) }));
        var rootName = imported.GetProperty("parent").GetString();

        // Act
        var policy = await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name = "pol-" + tag, ca = rootName, keyAlgorithm = "EcdsaP256", keyUsage = new[] { "DigitalSignature" }, subjectTemplate = "CN={displayName}", validityDays = 30,
        });
        var child = await admin.PostAsJsonAsync("/api/v1/authorities", new { name = NewName(), parent = rootName });
        var retire = await admin.PostAsync($"/api/v1/authorities/{rootName}/retire", null);

        // Assert
        var p1 = await MobileIdApp.AssertProblemAsync(policy, 400, ErrorCodes.ValidationFailed);
        Assert.True(p1.GetProperty("errors").TryGetProperty("ca", out _));
        var p2 = await MobileIdApp.AssertProblemAsync(child, 400, ErrorCodes.ValidationFailed);
        Assert.Contains("is not on this server", p2.GetProperty("errors").GetProperty("parent")[0].GetString(), StringComparison.Ordinal);
        await MobileIdApp.AssertProblemAsync(retire, 409, ErrorCodes.Conflict);
    }

    private static readonly PbeParameters Pbe = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 2048);

    private static object ExpiredRoot(string tag, ECDsa key)
    {
        var root = TestCas.Root(tag, notAfter: TestCas.Now.AddDays(-1));
        using var ca = TestCas.Issuing(tag, key, root, notAfter: TestCas.Now.AddYears(1));
        return new { name = NewName(), keyPem = key.ExportPkcs8PrivateKeyPem(), chainPem = TestCas.Pem(ca, root.Root) };
    }
}

public sealed class SqliteCaImportTests(SqliteAppFixture fixture) : CaImportTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresCaImportTests(PostgresAppFixture fixture) : CaImportTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
