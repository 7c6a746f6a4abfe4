using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests;

public sealed class CertificateFactoryTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow.AddMinutes(-5);
    private static readonly CaUrls Urls = new("http://127.0.0.1:5080/pki/crl/Issuing.crl", "http://127.0.0.1:5080/pki/crl/Issuing-delta.crl",
        "http://127.0.0.1:5080/pki/ocsp", "http://127.0.0.1:5080/pki/ca/Issuing.crt");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mid-ca-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<KeyAlgorithm, KeyAlgorithm, KeyAlgorithm> Combinations() => new()
    {
        { KeyAlgorithm.EcdsaP384, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256 },
        { KeyAlgorithm.EcdsaP384, KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048 },
        { KeyAlgorithm.Rsa3072, KeyAlgorithm.Rsa3072, KeyAlgorithm.EcdsaP384 },
        { KeyAlgorithm.Rsa4096, KeyAlgorithm.Rsa3072, KeyAlgorithm.Rsa2048 },
    };

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Hierarchy_AnyAlgorithms_BuildsAChainThatMeetsRfc5280(KeyAlgorithm rootAlgorithm, KeyAlgorithm issuingAlgorithm, KeyAlgorithm leafAlgorithm)
    {
        // Arrange
        var store = new SoftwareKeyStore(_directory);
        using var rootKey = store.Generate("root", rootAlgorithm);
        using var issuingKey = store.Generate("issuing", issuingAlgorithm);
        using var leafKey = store.Generate("leaf", leafAlgorithm);

        // Act
        using var root = CertificateFactory.CreateRoot(rootKey, new X500DistinguishedName("CN=Test Root, O=MobileId"), Now, TimeSpan.FromDays(3650));
        using var issuing = CertificateFactory.CreateIssuing(root, rootKey, issuingKey, new X500DistinguishedName("CN=Test Issuing, O=MobileId"),
            Now, TimeSpan.FromDays(1825), null);
        var profile = new LeafProfile(new X500DistinguishedName("CN=Jane Doe, O=MobileId"), X509KeyUsageFlags.DigitalSignature,
            ["1.3.6.1.5.5.7.3.2"], null, ["2.16.840.1.101.3.2.1.3.13"], TimeSpan.FromDays(365));
        using var leaf = CertificateFactory.IssueLeaf(issuing, issuingKey, leafKey.PublicKey, profile, Now, Urls, SerialNumbers.Create());

        // Assert
        Rfc5280.AssertCa(root, root, pathLength: null);
        Rfc5280.AssertCa(issuing, root, pathLength: 0);
        Rfc5280.AssertLeaf(leaf, issuing);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(issuing);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(SignatureAlgorithm.Oid(issuingAlgorithm, issuingAlgorithm.Hash()), leaf.SignatureAlgorithm.Value);
    }

    [Fact]
    public void IssueLeaf_ValidityBeyondIssuer_IsClippedToTheIssuersEnd()
    {
        var store = new SoftwareKeyStore(_directory);
        using var rootKey = store.Generate("root", KeyAlgorithm.EcdsaP256);
        using var root = CertificateFactory.CreateRoot(rootKey, new X500DistinguishedName("CN=Short Root"), Now, TimeSpan.FromDays(30));
        var profile = new LeafProfile(new X500DistinguishedName("CN=Leaf"), X509KeyUsageFlags.DigitalSignature, [], null, [], TimeSpan.FromDays(365));

        using var leaf = CertificateFactory.IssueLeaf(root, rootKey, rootKey.PublicKey, profile, Now, Urls, SerialNumbers.Create());

        Assert.Equal(root.NotAfter, leaf.NotAfter);
    }

    [Fact]
    public void EncodeLeaf_ValidityPast2049_UsesGeneralizedTimeAndParsesBack()
    {
        // Arrange: RFC 5280 §4.1.2.5 — UTCTime through 2049, GeneralizedTime from 2050.
        var store = new SoftwareKeyStore(_directory);
        using var rootKey = store.Generate("root", KeyAlgorithm.EcdsaP256);
        using var root = CertificateFactory.CreateRoot(rootKey, new X500DistinguishedName("CN=Long Root"), Now, TimeSpan.FromDays(365 * 40));
        var profile = new LeafProfile(new X500DistinguishedName("CN=Long Leaf"), X509KeyUsageFlags.DigitalSignature, [], null, [], TimeSpan.FromDays(365 * 30));

        // Act
        var der = CertificateFactory.EncodeLeaf(root, rootKey, rootKey.PublicKey, profile, Now, Urls, SerialNumbers.Create());

        // Assert
        using var leaf = X509CertificateLoader.LoadCertificate(der);
        Assert.True(leaf.NotAfter.ToUniversalTime().Year >= 2050);
        Assert.Equal(Now.UtcDateTime.AddTicks(-(Now.UtcTicks % TimeSpan.TicksPerSecond)), leaf.NotBefore.ToUniversalTime());
        var tbs = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence().ReadSequence();
        tbs.ReadSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0));
        tbs.ReadInteger();
        tbs.ReadSequence();
        tbs.ReadSequence();
        var validity = tbs.ReadSequence();
        Assert.Equal(System.Formats.Asn1.UniversalTagNumber.UtcTime, (System.Formats.Asn1.UniversalTagNumber)validity.PeekTag().TagValue);
        validity.ReadUtcTime();
        Assert.Equal(System.Formats.Asn1.UniversalTagNumber.GeneralizedTime, (System.Formats.Asn1.UniversalTagNumber)validity.PeekTag().TagValue);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void IssueLeaf_AnyExtendedKeyUsage_IsRefused()
    {
        var store = new SoftwareKeyStore(_directory);
        using var rootKey = store.Generate("root", KeyAlgorithm.EcdsaP256);
        using var root = CertificateFactory.CreateRoot(rootKey, new X500DistinguishedName("CN=Root"), Now, TimeSpan.FromDays(30));
        var profile = new LeafProfile(new X500DistinguishedName("CN=Leaf"), X509KeyUsageFlags.DigitalSignature, ["2.5.29.37.0"], null, [], TimeSpan.FromDays(1));

        Assert.Throws<CryptographicException>(() => CertificateFactory.IssueLeaf(root, rootKey, rootKey.PublicKey, profile, Now, Urls, SerialNumbers.Create()));
    }
}
