using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Server.Features.Certificates;

namespace MobileId.Interop.Tests.Features.Ocsp;

/// <summary>The OCSP responder on Kestrel (loopback), asked by the real <c>openssl ocsp</c> client.</summary>
public sealed class OcspInteropTests : LoopbackServerTest
{
    private string _dir = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _dir = Directory.CreateTempSubdirectory("mid-ocsp-").FullName;
        using var client = new HttpClient();
        await File.WriteAllTextAsync(Path.Combine(_dir, "chain.pem"), await client.GetStringAsync($"{Base}/pki/ca/MobileIdIssuingCA.pem"));
        var issuing = X509CertificateLoader.LoadCertificate(await client.GetByteArrayAsync($"{Base}/pki/ca/MobileIdIssuingCA.crt"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "issuing.pem"), issuing.ExportCertificatePem());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task OpenSslOcsp_GoodThenRevoked_SeesTheRevocationAtOnceWithReasonAndNonce()
    {
        // Arrange
        var certificate = await IssueAsync("leaf1");

        // Act
        var good = await AskAsync("leaf1");
        await App.WithServicesAsync(s => s.GetRequiredService<CertificateService>()
            .RevokeAsync(Caller.System("test"), certificate.Id, X509RevocationReason.KeyCompromise, CancellationToken.None));
        var revoked = await AskAsync("leaf1");

        // Assert
        Assert.Contains("Response verify OK", good, StringComparison.Ordinal);
        Assert.Contains("leaf1.pem: good", good, StringComparison.Ordinal);
        Assert.Contains("OCSP Nonce", good, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING: no nonce", good, StringComparison.Ordinal);
        Assert.Contains("leaf1.pem: revoked", revoked, StringComparison.Ordinal);
        Assert.Contains("Reason: keyCompromise", revoked, StringComparison.Ordinal);
        Assert.Contains("Response verify OK", revoked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenSslOcsp_HoldThenRelease_IsRevokedOnHoldThenGoodAgain()
    {
        var certificate = await IssueAsync("leaf2");
        var service = (Func<IServiceProvider, CertificateService>)(s => s.GetRequiredService<CertificateService>());

        await App.WithServicesAsync(s => service(s).RevokeAsync(Caller.System("test"), certificate.Id, X509RevocationReason.CertificateHold, CancellationToken.None));
        var held = await AskAsync("leaf2");
        await App.WithServicesAsync(s => service(s).ReleaseAsync(Caller.System("test"), certificate.Id, CancellationToken.None));
        var released = await AskAsync("leaf2");

        Assert.Contains("leaf2.pem: revoked", held, StringComparison.Ordinal);
        Assert.Contains("Reason: certificateHold", held, StringComparison.Ordinal);
        Assert.Contains("leaf2.pem: good", released, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetForm_UrlEscapedBase64_AnswersWithCacheHeadersAndCachedAnswersFollowRevocation()
    {
        // Arrange
        var certificate = await IssueAsync("leaf3");
        var (code, output) = await RunAsync("openssl", $"ocsp -issuer {_dir}/issuing.pem -cert {_dir}/leaf3.pem -no_nonce -reqout {_dir}/req.der");
        Assert.True(code == 0, output);
        var escaped = Uri.EscapeDataString(Convert.ToBase64String(await File.ReadAllBytesAsync($"{_dir}/req.der")));
        using var client = new HttpClient();

        // Act
        var first = await client.GetAsync($"{Base}/pki/ocsp/{escaped}");
        var second = await client.GetAsync($"{Base}/pki/ocsp/{escaped}");
        await App.WithServicesAsync(s => s.GetRequiredService<CertificateService>()
            .RevokeAsync(Caller.System("test"), certificate.Id, X509RevocationReason.Superseded, CancellationToken.None));
        var afterRevocation = await client.GetAsync($"{Base}/pki/ocsp/{escaped}");

        // Assert
        Assert.Equal("application/ocsp-response", first.Content.Headers.ContentType?.MediaType);
        Assert.Contains("must-revalidate", first.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.NotNull(first.Headers.ETag);
        Assert.NotNull(first.Content.Headers.Expires);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag); // the pre-signed answer is reused
        Assert.NotEqual(first.Headers.ETag, afterRevocation.Headers.ETag);
        await File.WriteAllBytesAsync($"{_dir}/resp.der", await afterRevocation.Content.ReadAsByteArrayAsync());
        (code, output) = await RunAsync("openssl", $"ocsp -respin {_dir}/resp.der -issuer {_dir}/issuing.pem -cert {_dir}/leaf3.pem -CAfile {_dir}/chain.pem -no_nonce");
        Assert.True(code == 0, output);
        Assert.Contains("leaf3.pem: revoked", output, StringComparison.Ordinal);
        Assert.Contains("Reason: superseded", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenSslOcsp_SerialNeverIssued_IsUnknown()
    {
        var (code, output) = await RunAsync("openssl",
            $"ocsp -issuer {_dir}/issuing.pem -serial 0x1234567890 -url {Base}/pki/ocsp -CAfile {_dir}/chain.pem");

        Assert.True(code == 0, output);
        Assert.Contains("0x1234567890: unknown", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/ocsp-request", "garbage")]
    [InlineData("application/ocsp-request", "")]
    public async Task Post_NotAnOcspRequest_AnswersMalformedRequest(string contentType, string body)
    {
        using var client = new HttpClient();
        using var content = new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        var response = await client.PostAsync($"{Base}/pki/ocsp", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await File.WriteAllBytesAsync($"{_dir}/bad.der", await response.Content.ReadAsByteArrayAsync());
        var (_, output) = await RunAsync("openssl", $"ocsp -respin {_dir}/bad.der -resp_text -noverify");
        Assert.Contains("malformedrequest", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Post_WrongContentTypeOrHugeBody_IsRefusedWithoutA500()
    {
        using var client = new HttpClient();
        using var text = new StringContent("hello");
        var wrongType = await client.PostAsync($"{Base}/pki/ocsp", text);
        using var huge = new ByteArrayContent(new byte[200_000]);
        huge.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/ocsp-request");
        var tooBig = await client.PostAsync($"{Base}/pki/ocsp", huge);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tooBig.StatusCode);
        Assert.Equal([0x30, 0x03, 0x0A, 0x01, 0x01], await tooBig.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Post_RunsStraightAfterRouting_IgnoresCredentialsButKeepsSecurityHeadersAndMetrics()
    {
        // Arrange
        await IssueAsync("leaf4");
        var (code, output) = await RunAsync("openssl", $"ocsp -issuer {_dir}/issuing.pem -cert {_dir}/leaf4.pem -no_nonce -reqout {_dir}/req4.der");
        Assert.True(code == 0, output);
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Base}/pki/ocsp")
        {
            Content = new ByteArrayContent(await File.ReadAllBytesAsync($"{_dir}/req4.der")),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/ocsp-request");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "mid_not-a-secret");
        request.Headers.Add("Cookie", "MobileId.Session=forged");

        // Act
        var response = await client.SendAsync(request);
        var metrics = await client.GetStringAsync($"{Base}/metrics");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/ocsp-response", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        await File.WriteAllBytesAsync($"{_dir}/resp4.der", await response.Content.ReadAsByteArrayAsync());
        (code, output) = await RunAsync("openssl", $"ocsp -respin {_dir}/resp4.der -issuer {_dir}/issuing.pem -cert {_dir}/leaf4.pem -CAfile {_dir}/chain.pem -no_nonce");
        Assert.True(code == 0, output);
        Assert.Contains("leaf4.pem: good", output, StringComparison.Ordinal);
        Assert.Contains("endpoint=\"/pki/ocsp\"", metrics, StringComparison.Ordinal);
    }

    private async Task<IssuedCertificate> IssueAsync(string name)
    {
        var issued = await App.IssueLeafAsync(name);
        await File.WriteAllTextAsync(Path.Combine(_dir, name + ".pem"), PemEncoding.WriteString("CERTIFICATE", issued.Der));
        return issued;
    }

    private async Task<string> AskAsync(string name)
    {
        var (code, output) = await RunAsync("openssl",
            $"ocsp -issuer {_dir}/issuing.pem -cert {_dir}/{name}.pem -url {Base}/pki/ocsp -CAfile {_dir}/chain.pem -resp_text");
        Assert.True(code == 0, output);
        return output;
    }

    private static Task<(int Code, string Output)> RunAsync(string file, string arguments) => ExternalTool.RunAsync(file, arguments);
}
