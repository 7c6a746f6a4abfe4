using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests.Revocation;

/// <summary>A root, an issuing CA and a leaf made by <see cref="CertificateFactory"/>, written as PEM files for openssl.</summary>
internal sealed class TestPki : IDisposable
{
    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow.AddMinutes(-5);

    public static readonly CaUrls Urls = new("http://127.0.0.1:5080/pki/crl/Issuing.crl", "http://127.0.0.1:5080/pki/crl/Issuing-delta.crl",
        "http://127.0.0.1:5080/pki/ocsp", "http://127.0.0.1:5080/pki/ca/Issuing.crt");

    private TestPki(string directory, ISigningKey rootKey, X509Certificate2 root, ISigningKey issuingKey, X509Certificate2 issuing,
        X509Certificate2 leaf)
    {
        Directory = directory;
        RootKey = rootKey;
        Root = root;
        IssuingKey = issuingKey;
        Issuing = issuing;
        Leaf = leaf;
    }

    public string Directory { get; }
    public ISigningKey RootKey { get; }
    public X509Certificate2 Root { get; }
    public ISigningKey IssuingKey { get; }
    public X509Certificate2 Issuing { get; }
    public X509Certificate2 Leaf { get; }

    /// <summary>root.pem + issuing.pem, the trust file for <c>openssl verify -CAfile</c>.</summary>
    public string ChainPem => Path.Combine(Directory, "chain.pem");

    public string LeafPem => Path.Combine(Directory, "leaf.pem");

    public static TestPki Create(string directory, KeyAlgorithm rootAlgorithm, KeyAlgorithm issuingAlgorithm, KeyAlgorithm leafAlgorithm)
    {
        var store = new SoftwareKeyStore(Path.Combine(directory, "keys"));
        var rootKey = store.Generate("root", rootAlgorithm);
        var issuingKey = store.Generate("issuing", issuingAlgorithm);
        using var leafKey = store.Generate("leaf", leafAlgorithm);
        var root = CertificateFactory.CreateRoot(rootKey, new X500DistinguishedName("CN=CRL Test Root, O=MobileId"), Now, TimeSpan.FromDays(3650));
        var issuing = CertificateFactory.CreateIssuing(root, rootKey, issuingKey, new X500DistinguishedName("CN=CRL Test Issuing, O=MobileId"),
            Now, TimeSpan.FromDays(1825), null);
        var profile = new LeafProfile(new X500DistinguishedName("CN=Jane Doe, O=MobileId"), X509KeyUsageFlags.DigitalSignature,
            ["1.3.6.1.5.5.7.3.2"], null, [], TimeSpan.FromDays(365));
        var leaf = CertificateFactory.IssueLeaf(issuing, issuingKey, leafKey.PublicKey, profile, Now, Urls, SerialNumbers.Create());
        File.WriteAllText(Path.Combine(directory, "chain.pem"), root.ExportCertificatePem() + "\n" + issuing.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "leaf.pem"), leaf.ExportCertificatePem() + "\n");
        return new TestPki(directory, rootKey, root, issuingKey, issuing, leaf);
    }

    /// <summary>Writes a DER CRL and has openssl convert it to PEM (as <c>-CRLfile</c> wants).</summary>
    /// <returns>The DER path and the PEM path.</returns>
    public async Task<(string Der, string Pem)> WriteCrlAsync(string name, byte[] der)
    {
        var derPath = Path.Combine(Directory, name + ".crl");
        var pemPath = Path.Combine(Directory, name + ".crl.pem");
        await File.WriteAllBytesAsync(derPath, der);
        await OpenSsl.RunOkAsync(Directory, "crl", "-inform", "DER", "-in", derPath, "-outform", "PEM", "-out", pemPath);
        return (derPath, pemPath);
    }

    /// <summary><c>openssl crl -inform DER -noout -text</c> of a CRL file.</summary>
    public async Task<string> CrlTextAsync(string derPath) =>
        (await OpenSsl.RunOkAsync(Directory, "crl", "-inform", "DER", "-in", derPath, "-noout", "-text")).StandardOutput;

    /// <summary><c>openssl verify</c> of the leaf against root + issuing with the given CRL files (PEM).</summary>
    public Task<ToolResult> VerifyLeafAsync(string checkOption, params string[] crlPems)
    {
        var crls = Path.Combine(Directory, "crls-" + Guid.NewGuid().ToString("N")[..8] + ".pem");
        File.WriteAllText(crls, string.Concat(crlPems.Select(File.ReadAllText)));
        return OpenSsl.RunAsync(Directory, "verify", checkOption, "-CAfile", ChainPem, "-CRLfile", crls, LeafPem);
    }

    public void Dispose()
    {
        Leaf.Dispose();
        Issuing.Dispose();
        Root.Dispose();
        IssuingKey.Dispose();
        RootKey.Dispose();
    }
}
