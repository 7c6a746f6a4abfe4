using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests.Keys;

/// <summary>A CA hierarchy whose keys never leave the token, checked by .NET and by OpenSSL.</summary>
[Collection(SoftHsmCollection.Name)]
public sealed class Pkcs11CertificateAuthorityTests(SoftHsmFixture hsm)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow.AddMinutes(-5);
    private static readonly CaUrls Urls = new("http://127.0.0.1:5080/pki/crl/Issuing.crl", null,
        "http://127.0.0.1:5080/pki/ocsp", "http://127.0.0.1:5080/pki/ca/Issuing.crt");

    public static TheoryData<KeyAlgorithm, KeyAlgorithm, KeyAlgorithm> Combinations() => new()
    {
        { KeyAlgorithm.EcdsaP384, KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048 },
        { KeyAlgorithm.Rsa4096, KeyAlgorithm.EcdsaP384, KeyAlgorithm.EcdsaP256 },
        { KeyAlgorithm.Rsa3072, KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP384 },
    };

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Hierarchy_TokenKeysOfMixedAlgorithms_VerifiesWithX509ChainAndOpenssl(KeyAlgorithm rootAlgorithm, KeyAlgorithm issuingAlgorithm,
        KeyAlgorithm leafAlgorithm)
    {
        // Arrange
        using var rootKey = hsm.Store.Generate("root", rootAlgorithm);
        using var issuingKey = hsm.Store.Generate("issuing", issuingAlgorithm);
        using var leafKey = hsm.Store.Generate("leaf", leafAlgorithm);

        // Act
        using var root = CertificateFactory.CreateRoot(rootKey, new X500DistinguishedName("CN=HSM Root, O=MobileId"), Now, TimeSpan.FromDays(3650));
        using var issuing = CertificateFactory.CreateIssuing(root, rootKey, issuingKey, new X500DistinguishedName("CN=HSM Issuing, O=MobileId"),
            Now, TimeSpan.FromDays(1825), null);
        var profile = new LeafProfile(new X500DistinguishedName("CN=Jane Doe, O=MobileId"), X509KeyUsageFlags.DigitalSignature,
            ["1.3.6.1.5.5.7.3.2"], null, ["2.16.840.1.101.3.2.1.3.13"], TimeSpan.FromDays(365));
        using var leaf = CertificateFactory.IssueLeaf(issuing, issuingKey, leafKey.PublicKey, profile, Now, Urls, SerialNumbers.Create());

        // Assert
        Rfc5280.AssertCa(root, root, pathLength: null);
        Rfc5280.AssertCa(issuing, root, pathLength: 0);
        Rfc5280.AssertLeaf(leaf, issuing);
        Assert.Equal(SignatureAlgorithm.Oid(rootAlgorithm, rootAlgorithm.Hash()), issuing.SignatureAlgorithm.Value);
        Assert.Equal(SignatureAlgorithm.Oid(issuingAlgorithm, issuingAlgorithm.Hash()), leaf.SignatureAlgorithm.Value);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(issuing);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);

        var directory = Directory.CreateTempSubdirectory("mid-hsm-chain-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "root.pem"), root.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "issuing.pem"), issuing.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "leaf.pem"), leaf.ExportCertificatePem());
            var result = hsm.Run("openssl", "verify", "-x509_strict", "-CAfile", Path.Combine(directory, "root.pem"),
                "-untrusted", Path.Combine(directory, "issuing.pem"), Path.Combine(directory, "leaf.pem"));
            result.AssertSucceeded();
            Assert.EndsWith("leaf.pem: OK", result.StandardOutput.Trim(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Hierarchy_TamperedLeafSignature_IsRejectedByOpenssl()
    {
        // Arrange: a real token-signed chain, then one flipped bit in the leaf's signature.
        using var caKey = hsm.Store.Generate("tamper-root", KeyAlgorithm.EcdsaP256);
        using var root = CertificateFactory.CreateRoot(caKey, new X500DistinguishedName("CN=Tamper Root"), Now, TimeSpan.FromDays(30));
        var profile = new LeafProfile(new X500DistinguishedName("CN=Leaf"), X509KeyUsageFlags.DigitalSignature, [], null, [], TimeSpan.FromDays(1));
        using var leaf = CertificateFactory.IssueLeaf(root, caKey, caKey.PublicKey, profile, Now, Urls, SerialNumbers.Create());
        var der = leaf.RawData;
        der[^3] ^= 0x01;

        var directory = Directory.CreateTempSubdirectory("mid-hsm-tamper-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "root.pem"), root.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "leaf.pem"), PemEncoding.WriteString("CERTIFICATE", der));

            // Act
            var result = hsm.Run("openssl", "verify", "-CAfile", Path.Combine(directory, "root.pem"), Path.Combine(directory, "leaf.pem"));

            // Assert
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("signature", result.Output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
