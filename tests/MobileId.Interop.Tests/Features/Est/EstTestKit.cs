using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MobileId.Testing.Features.Protocols;

namespace MobileId.Interop.Tests.Features.Est;

/// <summary>An EST answer as curl saw it: the status, the response headers and the body (kept in <see cref="File"/>).</summary>
public sealed record EstReply(int Status, string Headers, string Body, string File)
{
    public string ContentType => Regex.Match(Headers, @"^content-type:\s*(.+?)\r?$", RegexOptions.IgnoreCase | RegexOptions.Multiline).Groups[1].Value;
}

/// <summary>
/// What the EST tests share: the server on HTTPS (a throwaway certificate for 127.0.0.1 whose PEM is
/// <c>{Dir}/tls.pem</c>, so curl checks it with <c>--cacert</c>), and the real clients: curl for the
/// requests, openssl for keys, requests and answers.
/// </summary>
public abstract partial class EstTestKit : EnrolmentTestKit
{
    private static readonly X509Certificate2 Tls = TlsCertificate();

    protected override X509Certificate2? HttpsCertificate => Tls;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await File.WriteAllTextAsync(Path.Combine(Dir, "tls.pem"), Tls.ExportCertificatePem());
    }

    /// <summary>Runs curl against <c>/.well-known/est/{path}</c> with these options, trusting only <c>tls.pem</c>.</summary>
    protected async Task<EstReply> CurlAsync(string path, string options = "", string? address = null)
    {
        var name = Path.Combine(Dir, "reply-" + Guid.NewGuid().ToString("N")[..8]);
        var run = await ExternalTool.RunAsync("curl",
            $"-sS --cacert {Dir}/tls.pem -o {name}.body -D {name}.headers -w status=%{{http_code}} {options} {address ?? Base}/.well-known/est/{path}");
        var status = StatusCode().Match(run.Output);
        Assert.True(run.Code == 0 && status.Success, run.Output);
        return new EstReply(int.Parse(status.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), await File.ReadAllTextAsync(name + ".headers"),
            File.Exists(name + ".body") ? await File.ReadAllTextAsync(name + ".body") : "", name + ".body");
    }

    /// <summary>Runs a shell pipeline in <see cref="EnrolmentTestKit.Dir"/> (single quotes only) and asserts it succeeds; returns what it printed.</summary>
    protected async Task<string> ShAsync(string script)
    {
        var run = await ExternalTool.RunAsync("sh", $"-c \"cd {Dir} && {script}\"");
        Assert.True(run.Code == 0, run.Output);
        return run.Output;
    }

    /// <summary>Makes a key (RSA-2048 unless told: <c>-algorithm EC -pkeyopt ec_paramgen_curve:P-256</c>) in <c>{name}.key</c> and a base64 DER request for it in <c>{name}.b64</c>.</summary>
    protected async Task CsrAsync(string name, string subject = "/CN=dev1", string keyOptions = "-algorithm RSA -pkeyopt rsa_keygen_bits:2048")
    {
        await ShAsync($"openssl genpkey {keyOptions} -out {name}.key && openssl req -new -key {name}.key -subj '{subject}' -outform DER | base64 > {name}.b64");
    }

    /// <summary>Decodes a base64 certs-only answer with openssl into <c>{name}.pem</c> and returns the certificates.</summary>
    protected async Task<X509Certificate2Collection> CertificatesAsync(EstReply reply, string name)
    {
        await ShAsync($"base64 -d {reply.File} | openssl pkcs7 -inform DER -print_certs -out {name}.pem");
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(Path.Combine(Dir, name + ".pem"));
        return all;
    }

    /// <summary>The end-entity certificate of a certs-only answer, written as PEM to <c>{name}.pem</c>.</summary>
    protected async Task<X509Certificate2> LeafAsync(EstReply reply, string name)
    {
        var leaf = (await CertificatesAsync(reply, name + "-all")).Single(c => c.Extensions.OfType<X509BasicConstraintsExtension>().All(b => !b.CertificateAuthority));
        await File.WriteAllTextAsync(Path.Combine(Dir, name + ".pem"), leaf.ExportCertificatePem());
        return leaf;
    }

    /// <summary>A first enrolment with curl and the request's one-time code: the key is <c>{name}.key</c>, the certificate <c>{name}.pem</c>.</summary>
    protected async Task<X509Certificate2> EnrolAsync(ChallengeRequest request, string name)
    {
        await CsrAsync(name);
        var reply = await CurlAsync("simpleenroll", $"-u {request.Person.LogonName}:{request.Code} -H Content-Type:application/pkcs10 --data-binary @{Dir}/{name}.b64");
        Assert.True(reply.Status == 200, reply.Body);
        return await LeafAsync(reply, name);
    }

    [GeneratedRegex(@"status=(\d{3})")]
    private static partial Regex StatusCode();

    private static X509Certificate2 TlsCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }
}
