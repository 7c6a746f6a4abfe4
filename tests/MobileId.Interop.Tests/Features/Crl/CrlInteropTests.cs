using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Crl;

namespace MobileId.Interop.Tests.Features.Crl;

/// <summary>CRLs served at /pki/crl, checked by the real <c>openssl verify -crl_check</c> and <c>openssl crl</c>.</summary>
public abstract class CrlInteropTests<TFixture>(TFixture fixture) : IDisposable where TFixture : AppFixture
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mid-crl-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task VerifyCrlCheck_IssuedThenRevoked_PassesThenFailsWithCertificateRevoked()
    {
        // Arrange
        using var client = fixture.App.CreateClient();
        await File.WriteAllTextAsync($"{_dir}/chain.pem", await client.GetStringAsync("/pki/ca/MobileIdIssuingCA.pem"));
        var certificate = await IssueAsync("crl-leaf");

        // Act
        await PublishAsync();
        await SaveCrlPemAsync(client, "MobileIdIssuingCA.crl", "full1.pem");
        var before = await RunAsync("openssl", $"verify -crl_check -CAfile {_dir}/chain.pem -CRLfile {_dir}/full1.pem {_dir}/crl-leaf.pem");
        await Service(s => s.RevokeAsync(Caller.System("test"), certificate.Id, X509RevocationReason.KeyCompromise, CancellationToken.None));
        await PublishAsync();
        await SaveCrlPemAsync(client, "MobileIdIssuingCA.crl", "full2.pem");
        var after = await RunAsync("openssl", $"verify -crl_check -CAfile {_dir}/chain.pem -CRLfile {_dir}/full2.pem {_dir}/crl-leaf.pem");
        var text = await RunAsync("openssl", $"crl -in {_dir}/full2.pem -noout -text");

        // Assert
        Assert.True(before.Code == 0, before.Output);
        Assert.Contains("crl-leaf.pem: OK", before.Output, StringComparison.Ordinal);
        Assert.Equal(2, after.Code);
        Assert.Contains("certificate revoked", after.Output, StringComparison.Ordinal);
        Assert.Contains(certificate.SerialHex, text.Output.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant(), StringComparison.Ordinal);
        Assert.Contains("Key Compromise", text.Output, StringComparison.Ordinal);
        Assert.Contains("Freshest CRL", text.Output, StringComparison.Ordinal);
        Assert.Contains("/pki/crl/MobileIdIssuingCA-delta.crl", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeltaCrl_HoldThenRelease_ListsHoldThenRemoveFromCrlAndTheFullCrlDropsIt()
    {
        using var client = fixture.App.CreateClient();
        var certificate = await IssueAsync("hold-leaf");

        await Service(s => s.RevokeAsync(Caller.System("test"), certificate.Id, X509RevocationReason.CertificateHold, CancellationToken.None));
        await PublishAsync();
        await SaveCrlPemAsync(client, "MobileIdIssuingCA.crl", "held-full.pem");
        var heldFull = await RunAsync("openssl", $"crl -in {_dir}/held-full.pem -noout -text");
        await Service(s => s.ReleaseAsync(Caller.System("test"), certificate.Id, CancellationToken.None));
        await PublishAsync();
        await SaveCrlPemAsync(client, "MobileIdIssuingCA.crl", "released-full.pem");
        await SaveCrlPemAsync(client, "MobileIdIssuingCA-delta.crl", "released-delta.pem");
        var releasedFull = await RunAsync("openssl", $"crl -in {_dir}/released-full.pem -noout -text");
        var releasedDelta = await RunAsync("openssl", $"crl -in {_dir}/released-delta.pem -noout -text");

        var serial = certificate.SerialHex;
        Assert.Contains("Certificate Hold", heldFull.Output, StringComparison.Ordinal);
        Assert.Contains(serial, Compact(heldFull.Output), StringComparison.Ordinal);
        Assert.DoesNotContain(serial, Compact(releasedFull.Output), StringComparison.Ordinal);
        Assert.Contains("Delta CRL Indicator", releasedDelta.Output, StringComparison.Ordinal);
        Assert.Contains("Remove From CRL", releasedDelta.Output, StringComparison.Ordinal);
        Assert.Contains(serial, Compact(releasedDelta.Output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crl_Served_IsDerPkixCrlWithIncreasingNumbers()
    {
        using var client = fixture.App.CreateClient();
        await PublishAsync();
        var first = await client.GetAsync("/pki/crl/MobileIdIssuingCA.crl");
        await PublishAsync();
        var second = await client.GetAsync("/pki/crl/MobileIdIssuingCA.crl");

        Assert.Equal("application/pkix-crl", first.Content.Headers.ContentType?.MediaType);
        var n1 = CrlNumber(await first.Content.ReadAsByteArrayAsync());
        var n2 = CrlNumber(await second.Content.ReadAsByteArrayAsync());
        Assert.True(n2 > n1, $"CRL numbers must increase: {n1} then {n2}");
        await MobileIdApp.AssertProblemAsync(await client.GetAsync("/pki/crl/NoSuchCA.crl"), 404, ErrorCodes.NotFound);
    }

    private static string Compact(string text) => text.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();

    private static long CrlNumber(byte[] der)
    {
        using var crl = new TempFile(der);
        var output = RunAsync("openssl", $"crl -inform DER -in {crl.Path} -noout -crlnumber").GetAwaiter().GetResult().Output;
        var line = output.Split('\n').Single(l => l.StartsWith("crlNumber=", StringComparison.Ordinal));
        return Convert.ToInt64(line["crlNumber=".Length..].Trim(), 16);
    }

    private Task PublishAsync() => fixture.App.Services.GetRequiredService<CrlPublisher>().PublishDueAsync(force: true, CancellationToken.None);

    private Task<Result<IssuedCertificate>> Service(Func<CertificateService, Task<Result<IssuedCertificate>>> action) =>
        fixture.App.WithServicesAsync(s => action(s.GetRequiredService<CertificateService>()));

    private async Task SaveCrlPemAsync(HttpClient client, string path, string file)
    {
        var der = await client.GetByteArrayAsync($"/pki/crl/{path}");
        await File.WriteAllTextAsync($"{_dir}/{file}", System.Security.Cryptography.PemEncoding.WriteString("X509 CRL", der));
    }

    private async Task<IssuedCertificate> IssueAsync(string name)
    {
        var issued = await fixture.App.IssueLeafAsync(name);
        await File.WriteAllTextAsync($"{_dir}/{name}.pem", System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", issued.Der));
        return issued;
    }

    private static Task<(int Code, string Output)> RunAsync(string file, string arguments) => ExternalTool.RunAsync(file, arguments);

    private sealed class TempFile : IDisposable
    {
        public TempFile(byte[] content)
        {
            Path = System.IO.Path.GetTempFileName();
            File.WriteAllBytes(Path, content);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}

public sealed class SqliteCrlInteropTests(SqliteAppFixture fixture) : CrlInteropTests<SqliteAppFixture>(fixture), IClassFixture<SqliteAppFixture>;

public sealed class PostgresCrlInteropTests(PostgresAppFixture fixture) : CrlInteropTests<PostgresAppFixture>(fixture), IClassFixture<PostgresAppFixture>;
