using System.Security.Cryptography.X509Certificates;
using MobileId.Pki;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Pki.Revocation;

namespace MobileId.Benchmarks;

/// <summary>An EC P-256 issuing CA in a throwaway software key store, and revoked entries to put on its CRL.</summary>
internal sealed class CrlFixture : IDisposable
{
    private readonly string _directory;
    private readonly ISigningKey _rootKey;
    private readonly X509Certificate2 _root;

    public CrlFixture()
    {
        _directory = Directory.CreateTempSubdirectory("mid-crl-bench-").FullName;
        var store = new SoftwareKeyStore(Path.Combine(_directory, "keys"));
        var now = DateTimeOffset.UtcNow;
        _rootKey = store.Generate("root", KeyAlgorithm.EcdsaP256);
        _root = CertificateFactory.CreateRoot(_rootKey, new X500DistinguishedName("CN=Bench Root, O=MobileId"), now, TimeSpan.FromDays(3650));
        IssuingKey = store.Generate("issuing", KeyAlgorithm.EcdsaP256);
        Issuing = CertificateFactory.CreateIssuing(_root, _rootKey, IssuingKey, new X500DistinguishedName("CN=Bench Issuing, O=MobileId"), now,
            TimeSpan.FromDays(1825), null);
    }

    public ISigningKey IssuingKey { get; }

    public X509Certificate2 Issuing { get; }

    /// <summary>
    /// <paramref name="count"/> random 16-octet serials revoked one second apart, reasons cycling through keyCompromise,
    /// superseded, cessationOfOperation and none (bench/crl-vs-openssl.sh writes the same pattern into openssl's index.txt).
    /// </summary>
    public static RevokedEntry[] CreateEntries(int count, DateTimeOffset now)
    {
        RevocationReason?[] reasons = [RevocationReason.KeyCompromise, RevocationReason.Superseded, RevocationReason.CessationOfOperation, null];
        var entries = new RevokedEntry[count];
        for (var i = 0; i < count; i++)
        {
            entries[i] = new RevokedEntry(SerialNumbers.Create(), now.AddSeconds(-i), reasons[i % reasons.Length]);
        }

        return entries;
    }

    public void Dispose()
    {
        Issuing.Dispose();
        IssuingKey.Dispose();
        _root.Dispose();
        _rootKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
