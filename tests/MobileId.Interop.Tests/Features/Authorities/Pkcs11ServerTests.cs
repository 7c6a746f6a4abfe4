using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Crl;

namespace MobileId.Interop.Tests.Features.Authorities;

/// <summary>
/// The server with <c>MobileId:KeyStore:Kind=Pkcs11</c> on a real SoftHSM2 token: <c>init</c> makes the
/// CA keys inside the token, and certificates, CRLs and OCSP answers are signed there.
/// </summary>
public sealed class Pkcs11ServerTests : IAsyncLifetime
{
    private const string Module = "/usr/lib/softhsm/libsofthsm2.so";
    private const string Token = "mobileid-server";
    private const string Pin = "5678";

    private readonly string _dir = Directory.CreateTempSubdirectory("mid-hsm-").FullName;
    private TestDatabase _database = null!;
    private MobileIdApp _app = null!;

    public async Task InitializeAsync()
    {
        var tokens = Path.Combine(_dir, "tokens");
        Directory.CreateDirectory(tokens);
        var config = Path.Combine(_dir, "softhsm2.conf");
        await File.WriteAllTextAsync(config, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n");
        // Note: the module reads SOFTHSM2_CONF through libc's getenv; .NET's copy is for the child processes.
        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", config);
        Assert.Equal(0, SetEnv("SOFTHSM2_CONF", config, 1));
        var (code, output) = await ExternalTool.RunAsync("softhsm2-util", $"--init-token --free --label {Token} --so-pin 1234 --pin {Pin}");
        Assert.True(code == 0, output);
        Environment.SetEnvironmentVariable("MOBILEID_PKCS11_PIN", Pin);

        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        _app = new MobileIdApp(_database);
        _app.Settings["MobileId:KeyStore:Kind"] = "Pkcs11";
        _app.Settings["MobileId:KeyStore:Pkcs11:LibraryPath"] = Module;
        _app.Settings["MobileId:KeyStore:Pkcs11:TokenLabel"] = Token;
        _app.CreateClient().Dispose();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Init_WithPkcs11KeyStore_MakesTheCaKeysInsideTheTokenAndSignsCertificatesCrlsAndOcspThere()
    {
        // Arrange
        using var client = _app.CreateClient();

        // Act
        var cas = await MobileIdApp.ReadJsonAsync(await client.GetAsync("/pki/ca"));
        var ready = await MobileIdApp.ReadJsonAsync(await client.GetAsync("/health/ready"));
        var (listCode, objects) = await ExternalTool.RunAsync("pkcs11-tool",
            $"--module {Module} --token-label {Token} --login --pin {Pin} --list-objects --type privkey");

        // Assert: keys live in the token, none in the software store.
        Assert.All(cas.EnumerateArray(), ca => Assert.Equal("pkcs11", ca.GetProperty("keyStore").GetString()));
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("key-store").GetProperty("status").GetString());
        Assert.True(listCode == 0, objects);
        Assert.Contains("label:      MobileIdRootCA", objects, StringComparison.Ordinal);
        Assert.Contains("label:      MobileIdIssuingCA", objects, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_database.Directory, "data", "keys")), "the software key store must not be used");

        // A certificate signed in the token verifies, and after revocation the token-signed CRL and OCSP answer say so.
        var issued = await _app.IssueLeafAsync("hsm-leaf");
        using var leaf = X509CertificateLoader.LoadCertificate(issued.Der);
        await File.WriteAllTextAsync($"{_dir}/chain.pem", await client.GetStringAsync("/pki/ca/MobileIdIssuingCA.pem"));
        await File.WriteAllTextAsync($"{_dir}/leaf.pem", leaf.ExportCertificatePem());
        var issuing = X509CertificateLoader.LoadCertificate(await client.GetByteArrayAsync("/pki/ca/MobileIdIssuingCA.crt"));
        await File.WriteAllTextAsync($"{_dir}/issuing.pem", issuing.ExportCertificatePem());
        var verify = await ExternalTool.RunAsync("openssl", $"verify -CAfile {_dir}/chain.pem {_dir}/leaf.pem");
        Assert.True(verify.Code == 0, verify.Output);

        await _app.WithServicesAsync(s => s.GetRequiredService<CertificateService>()
            .RevokeAsync(Caller.System("test"), issued.Id, X509RevocationReason.KeyCompromise, CancellationToken.None));
        await _app.Services.GetRequiredService<CrlPublisher>().PublishDueAsync(force: true, CancellationToken.None);
        var crl = await client.GetByteArrayAsync("/pki/crl/MobileIdIssuingCA.crl");
        await File.WriteAllTextAsync($"{_dir}/crl.pem", PemEncoding.WriteString("X509 CRL", crl));
        var crlCheck = await ExternalTool.RunAsync("openssl", $"verify -crl_check -CAfile {_dir}/chain.pem -CRLfile {_dir}/crl.pem {_dir}/leaf.pem");
        Assert.Equal(2, crlCheck.Code);
        Assert.Contains("certificate revoked", crlCheck.Output, StringComparison.Ordinal);

        var answer = await OpenSslOcsp.AskAsync(client, _dir, $"{_dir}/issuing.pem", $"{_dir}/leaf.pem", $"{_dir}/chain.pem");
        Assert.Contains("leaf.pem: revoked", answer, StringComparison.Ordinal);
        Assert.Contains("Response verify OK", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WithPkcs11KeyStore_PutsTheCaKeyIntoTheTokenAndIssuesFromIt()
    {
        // Arrange
        using var external = await OpenSslCa.CreateAsync();
        using var admin = await _app.AdminClientAsync();
        var name = "hsm-import-" + external.Id;

        // Act
        var response = await admin.PostAsJsonAsync("/api/v1/authorities/import", new { name, pfx = await external.PfxAsync("pw-2"), password = "pw-2" });
        var (_, leaf) = await Issuance.LeafAsync(_app, admin, name);
        var (listCode, objects) = await ExternalTool.RunAsync("pkcs11-tool",
            $"--module {Module} --token-label {Token} --login --pin {Pin} --list-objects --type privkey");

        // Assert
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal("pkcs11", JsonDocument.Parse(body).RootElement.GetProperty("keyStore").GetString());
        Assert.True(listCode == 0, objects);
        var key = objects.Split("Private Key Object").Single(o => o.Contains($"label:      {name}\n", StringComparison.Ordinal));
        Assert.Contains("Access:     sensitive", key, StringComparison.Ordinal);
        Assert.DoesNotContain("local", key, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_database.Directory, "data", "keys")), "the software key store must not be used");
        await File.WriteAllTextAsync($"{external.Directory}/leaf.pem", leaf);
        var verify = await ExternalTool.RunAsync("openssl", $"verify -x509_strict -CAfile {external.RootPem} -untrusted {external.CaPem} {external.Directory}/leaf.pem");
        Assert.True(verify.Code == 0, verify.Output);
    }

    [Fact]
    public void Pkcs11Pin_NeitherVariableNorFile_IsRefusedWithHowToProvideIt()
    {
        var options = new MobileId.Server.Features.Authorities.KeyStoreOptions { Kind = MobileId.Server.Features.Authorities.KeyStoreKind.Pkcs11, Pkcs11PinVariable = "MOBILEID_TEST_NO_SUCH_PIN" };
        var missingFile = new MobileId.Server.Features.Authorities.KeyStoreOptions { Kind = options.Kind, Pkcs11PinFile = Path.Combine(_dir, "no-such-pin") };

        var noVariable = Assert.Throws<MobileId.Pki.Keys.KeyStoreException>(() => MobileId.Server.Features.Authorities.PkiApi.Pkcs11Pin(options));
        var noFile = Assert.Throws<MobileId.Pki.Keys.KeyStoreException>(() => MobileId.Server.Features.Authorities.PkiApi.Pkcs11Pin(missingFile));

        Assert.Contains("MOBILEID_TEST_NO_SUCH_PIN", noVariable.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", noFile.Message, StringComparison.Ordinal);
    }

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
