using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Testing.Features.Authorities;

/// <summary>
/// A CA made elsewhere, as an operator brings it: a root and an issuing CA under it, made by
/// openssl in a temp directory (root.pem/root.key, ca.pem/ca.key).
/// </summary>
public sealed class OpenSslCa : IDisposable
{
    private OpenSslCa(string directory, string id)
    {
        Directory = directory;
        Id = id;
    }

    public string Directory { get; }

    /// <summary>A short random tag in the subjects, so that each CA is new to the server.</summary>
    public string Id { get; }

    public string RootPem => Path.Combine(Directory, "root.pem");
    public string CaPem => Path.Combine(Directory, "ca.pem");
    public string CaKey => Path.Combine(Directory, "ca.key");

    /// <summary>Makes a root (ECDSA P-384) and an issuing CA under it.</summary>
    /// <param name="caKey">openssl arguments that write the issuing CA's key to <c>ca.key</c>, e.g. <c>ecparam -genkey -name prime256v1 -out ca.key</c>.</param>
    public static async Task<OpenSslCa> CreateAsync(string caKey = "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key")
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var ca = new OpenSslCa(System.IO.Directory.CreateTempSubdirectory("mid-extca-").FullName, id);
        var d = ca.Directory;
        await File.WriteAllTextAsync(Path.Combine(d, "ca.ext"),
            "[v3]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n");
        await ca.OpenSslAsync($"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout {d}/root.key -out {d}/root.pem -days 3650 "
            + $"-subj \"/O=Elsewhere/CN=Elsewhere Root {id}\" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
        await ca.OpenSslAsync(caKey.Replace("ca.key", $"{d}/ca.key", StringComparison.Ordinal));
        await ca.OpenSslAsync($"req -new -key {d}/ca.key -subj \"/O=Elsewhere/CN=Elsewhere Issuing {id}\" -out {d}/ca.csr");
        await ca.OpenSslAsync($"x509 -req -in {d}/ca.csr -CA {d}/root.pem -CAkey {d}/root.key -set_serial 0x{Convert.ToHexString(RandomNumberGenerator.GetBytes(12))} "
            + $"-days 730 -extfile {d}/ca.ext -extensions v3 -out {d}/ca.pem");
        return ca;
    }

    /// <summary>The CA's key, certificate and the root as a PKCS#12 file (OpenSSL 3 defaults: AES-256, PBKDF2), base64.</summary>
    public async Task<string> PfxAsync(string password)
    {
        await OpenSslAsync($"pkcs12 -export -inkey {CaKey} -in {CaPem} -certfile {RootPem} -passout pass:{password} -out {Directory}/ca.p12");
        return Convert.ToBase64String(await File.ReadAllBytesAsync(Path.Combine(Directory, "ca.p12")));
    }

    /// <summary>The CA certificate, then the root.</summary>
    public async Task<string> ChainPemAsync() => await File.ReadAllTextAsync(CaPem) + await File.ReadAllTextAsync(RootPem);

    public async Task<(int Code, string Output)> OpenSslAsync(string arguments)
    {
        var result = await ExternalTool.RunAsync("openssl", arguments);
        Assert.True(result.Code == 0, result.Output);
        return result;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>CA certificates made in .NET, for the cases openssl makes awkward (expired, not yet valid, odd extensions).</summary>
public static class TestCas
{
    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    /// <summary>A self-signed root (ECDSA P-384) and its key.</summary>
    public static (X509Certificate2 Root, ECDsa Key) Root(string name, DateTimeOffset? notAfter = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest($"CN={name} Root, O=Elsewhere", key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var withKey = request.CreateSelfSigned(Now.AddYears(-2), notAfter ?? Now.AddYears(10));
        return (X509CertificateLoader.LoadCertificate(withKey.RawData), key);
    }

    /// <summary>An issuing CA certificate for <paramref name="key"/>, signed by the root.</summary>
    public static X509Certificate2 Issuing(string name, AsymmetricAlgorithm key, (X509Certificate2 Root, ECDsa Key) root, bool isCa = true,
        X509KeyUsageFlags usage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, bool subjectKeyIdentifier = true,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var subject = $"CN={name} Issuing, O=Elsewhere";
        var request = key is ECDsa ec ? new CertificateRequest(subject, ec, HashAlgorithmName.SHA256)
            : new CertificateRequest(subject, (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, isCa, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        if (subjectKeyIdentifier)
        {
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root.Root, true, false));
        return request.Create(root.Root.SubjectName, X509SignatureGenerator.CreateForECDsa(root.Key), notBefore ?? Now.AddDays(-1),
            notAfter ?? Now.AddYears(2), RandomNumberGenerator.GetBytes(12));
    }

    /// <summary>A PKCS#12 file (base64) holding the CA's key and certificate (when given) and the other certificates.</summary>
    public static string Pfx(string password, AsymmetricAlgorithm? key, X509Certificate2 ca, params X509Certificate2[] others)
    {
        using var withKey = key switch
        {
            ECDsa ec => ca.CopyWithPrivateKey(ec),
            RSA rsa => ca.CopyWithPrivateKey(rsa),
            _ => X509CertificateLoader.LoadCertificate(ca.RawData),
        };
        var collection = new X509Certificate2Collection(withKey);
        collection.AddRange(others);
        return Convert.ToBase64String(collection.Export(X509ContentType.Pkcs12, password)!);
    }

    /// <summary>PEM certificates, one after the other.</summary>
    public static string Pem(params X509Certificate2[] certificates) => string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));
}

/// <summary>Issuing through the API from a chosen CA: a policy that names it, and a CSR for a new person.</summary>
public static class Issuance
{
    public static async Task<string> PolicyForAsync(HttpClient admin, string caName)
    {
        var name = "pol-" + Guid.NewGuid().ToString("N")[..10];
        var response = await admin.PostAsJsonAsync("/api/v1/policies", new
        {
            name, ca = caName, keyAlgorithm = "EcdsaP256", keyUsage = new[] { "DigitalSignature" }, extendedKeyUsages = new[] { "1.3.6.1.5.5.7.3.2" },
            subjectTemplate = "CN={displayName},O=Example", validityDays = 90,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return name;
    }

    /// <summary>Asks for a certificate under the policy for a new person; the caller checks the answer.</summary>
    public static async Task<HttpResponseMessage> IssueAsync(MobileIdApp app, HttpClient admin, string policy)
    {
        var person = await app.CreatePersonAsync("leaf" + Guid.NewGuid().ToString("N")[..8]);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=device", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        return await admin.PostAsJsonAsync($"/api/v1/people/{person.Id}/certificates", new { policy, csr });
    }

    /// <summary>Issues from the CA and returns the certificate's id and PEM.</summary>
    public static async Task<(Guid Id, string Pem)> LeafAsync(MobileIdApp app, HttpClient admin, string caName)
    {
        var response = await IssueAsync(app, admin, await PolicyForAsync(admin, caName));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var json = JsonDocument.Parse(body).RootElement;
        return (json.GetProperty("id").GetGuid(), json.GetProperty("pem").GetString()!);
    }
}
