using System.Security.Cryptography.X509Certificates;

namespace MobileId.Interop.Tests.Features.Authorities;

public abstract class PkiApiTests<TFixture>(TFixture fixture) where TFixture : AppFixture
{
    [Fact]
    public async Task ListCas_AfterInit_ShowsRootAndIssuingWithTheirUrls()
    {
        // Arrange
        using var client = fixture.App.CreateClient();

        // Act
        var list = await MobileIdApp.ReadJsonAsync(await client.GetAsync("/pki/ca"));

        // Assert
        var cas = list.EnumerateArray().ToList();
        Assert.Equal(2, cas.Count);
        var root = cas.Single(c => c.GetProperty("kind").GetString() == "Root");
        var issuing = cas.Single(c => c.GetProperty("kind").GetString() == "Issuing");
        Assert.Equal("EcdsaP384", root.GetProperty("keyAlgorithm").GetString());
        Assert.Equal("EcdsaP256", issuing.GetProperty("keyAlgorithm").GetString());
        Assert.Equal(root.GetProperty("name").GetString(), issuing.GetProperty("parent").GetString());
        Assert.Equal("http://127.0.0.1:5080/pki/crl/MobileIdIssuingCA.crl", issuing.GetProperty("urls").GetProperty("crl").GetString());
        Assert.Equal("http://127.0.0.1:5080/pki/ocsp", issuing.GetProperty("urls").GetProperty("ocsp").GetString());
    }

    [Fact]
    public async Task DownloadCertificates_DerAndPemChain_VerifyWithOpenSsl()
    {
        // Arrange
        using var client = fixture.App.CreateClient();
        var directory = Directory.CreateTempSubdirectory("mid-pki-").FullName;

        // Act
        var rootResponse = await client.GetAsync("/pki/ca/MobileIdRootCA.crt");
        var issuingDer = await client.GetByteArrayAsync("/pki/ca/MobileIdIssuingCA.crt");
        var chain = await client.GetStringAsync("/pki/ca/MobileIdIssuingCA.pem");

        // Assert
        Assert.Equal("application/pkix-cert", rootResponse.Content.Headers.ContentType?.MediaType);
        using var root = X509CertificateLoader.LoadCertificate(await rootResponse.Content.ReadAsByteArrayAsync());
        using var issuing = X509CertificateLoader.LoadCertificate(issuingDer);
        Assert.Equal(root.SubjectName.RawData, issuing.IssuerName.RawData);
        Assert.Equal(2, chain.Split("BEGIN CERTIFICATE", StringSplitOptions.None).Length - 1);
        await File.WriteAllTextAsync(Path.Combine(directory, "root.pem"), root.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(directory, "issuing.pem"), issuing.ExportCertificatePem());
        var (code, output) = await RunAsync("openssl", $"verify -x509_strict -CAfile {directory}/root.pem {directory}/issuing.pem");
        Assert.True(code == 0, output);
        Assert.Contains("issuing.pem: OK", output, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("/pki/ca/NoSuchCA.crt")]
    [InlineData("/pki/ca/MobileIdRootCA.exe")]
    public async Task Download_UnknownCaOrFileType_Is404Problem(string path)
    {
        using var client = fixture.App.CreateClient();
        await MobileIdApp.AssertProblemAsync(await client.GetAsync(path), 404, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task KeyStore_AfterInit_HoldsOwnerOnlyEncryptedKeysAndIsReady()
    {
        using var client = fixture.App.CreateClient();
        var ready = await MobileIdApp.ReadJsonAsync(await client.GetAsync("/health/ready"));
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("key-store").GetProperty("status").GetString());
        var keys = Path.Combine(fixture.App.Database.Directory, "data", "keys");
        var files = Directory.GetFiles(keys, "*.key");
        Assert.Equal(3, files.Length); // master key + root + issuing
        Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    private static Task<(int Code, string Output)> RunAsync(string file, string arguments) => ExternalTool.RunAsync(file, arguments);
}

public sealed class SqlitePkiApiTests(SqliteAppFixture fixture) : PkiApiTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresPkiApiTests(PostgresAppFixture fixture) : PkiApiTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
