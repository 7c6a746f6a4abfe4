using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Pki;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Authorities;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Protocols;

/// <summary>A CA's registration authority: its certificate with the RSA private key, and the CA chain (issuing CA first, root last, DER).</summary>
public sealed record RaCredential(Guid IssuerId, string CaName, X509Certificate2 Certificate, IReadOnlyList<byte[]> CaChain);

/// <summary>
/// The SCEP/EST registration authorities (RFC 8894 §2.1): one per issuing CA, made on first use
/// with an RSA-2048 key (SCEP's CMS envelopes need RSA key transport, whatever key the CA has),
/// valid for a year and renewed when a third of that is left. Older RA certificates still
/// decrypt requests made with them until they expire.
/// </summary>
public sealed class RegistrationAuthorities(IServiceScopeFactory scopes, IKeyStore keys, IOptions<PkiOptions> pki, TimeProvider time)
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(365);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<Guid, RaCredential> _current = [];
    private readonly Dictionary<Guid, RaCredential> _byRecord = [];

    /// <summary>
    /// The CA that SCEP GetCACert and EST cacerts serve: the one named (SCEP's CA-IDENT, EST's
    /// label), else the configured issuing CA (<c>MobileId:Pki:IssuingName</c>), else the first active issuing CA.
    /// Null when there is no such active issuing CA with its key on this server.
    /// </summary>
    public async Task<CertificateAuthorityRecord?> CaAsync(string? name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
        var active = db.CertificateAuthorities.AsNoTracking().Where(c => c.Kind == CaKind.Issuing && c.Status == CaStatus.Active && c.KeyId != "");
        if (!string.IsNullOrWhiteSpace(name))
        {
            return await active.SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        }

        return await active.SingleOrDefaultAsync(c => c.Name == pki.Value.IssuingName, cancellationToken)
            ?? await active.OrderBy(c => c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The current RA of a CA, made or renewed when needed.</summary>
    public async Task<RaCredential> ForAsync(Guid issuerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current.TryGetValue(issuerId, out var cached) && cached.Certificate.NotAfter.ToUniversalTime() - now.UtcDateTime > Validity / 3)
            {
                return cached;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
            var record = await db.RegistrationAuthorities.AsNoTracking().Where(r => r.IssuerId == issuerId).OrderByDescending(r => r.NotAfter)
                .FirstOrDefaultAsync(cancellationToken);
            if (record is null || record.NotAfter - now.UtcDateTime < Validity / 3)
            {
                record = await CreateAsync(scope.ServiceProvider, db, issuerId, now, cancellationToken);
            }

            var credential = await LoadAsync(scope.ServiceProvider, db, record, cancellationToken);
            _current[issuerId] = credential;
            return credential;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every RA certificate that has not expired, newest first: the candidates to decrypt a request with.</summary>
    public async Task<IReadOnlyList<RaCredential>> ValidAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
            var records = await db.RegistrationAuthorities.AsNoTracking().Where(r => r.NotAfter > now).OrderByDescending(r => r.NotAfter).ToListAsync(cancellationToken);
            var list = new List<RaCredential>(records.Count);
            foreach (var record in records)
            {
                if (!_byRecord.TryGetValue(record.Id, out var credential))
                {
                    credential = await LoadAsync(scope.ServiceProvider, db, record, cancellationToken);
                }

                list.Add(credential);
            }

            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<RegistrationAuthorityRecord> CreateAsync(IServiceProvider services, MobileIdDbContext db, Guid issuerId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var ca = await db.CertificateAuthorities.AsNoTracking().SingleAsync(c => c.Id == issuerId, cancellationToken);
        var external = (await services.GetRequiredService<SettingsService>().GetAsync(cancellationToken)).WebServerExternalAddress;
        using var caKey = keys.Open(ca.KeyId);
        using var caCertificate = X509CertificateLoader.LoadCertificate(ca.CertificateDer);
        using var rsa = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName($"{ca.Name} Registration Authority");
        subject.AddOrganizationName(pki.Value.Organization);
        var profile = new LeafProfile(subject.Build(), X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, [], null, [], Validity);
        var der = CertificateFactory.EncodeLeaf(caCertificate, caKey, new PublicKey(rsa), profile, now.AddMinutes(-5),
            CertificateAuthorities.UrlsFor(external, ca.Name), SerialNumbers.Create());
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        var id = Guid.CreateVersion7();
        try
        {
            var record = new RegistrationAuthorityRecord
            {
                Id = id, IssuerId = issuerId, WrappedKey = keys.Wrap(pkcs8, Context(id)), CertificateDer = der,
                NotAfter = X509CertificateLoader.LoadCertificate(der).NotAfter.ToUniversalTime(), CreatedAt = now.UtcDateTime,
            };
            db.RegistrationAuthorities.Add(record);
            await db.SaveChangesAsync(cancellationToken);
            return record;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private async Task<RaCredential> LoadAsync(IServiceProvider services, MobileIdDbContext db, RegistrationAuthorityRecord record,
        CancellationToken cancellationToken)
    {
        var pkcs8 = keys.Unwrap(record.WrappedKey, Context(record.Id));
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            using var certificate = X509CertificateLoader.LoadCertificate(record.CertificateDer);
            var name = await db.CertificateAuthorities.AsNoTracking().Where(c => c.Id == record.IssuerId).Select(c => c.Name).SingleAsync(cancellationToken);
            var chain = await services.GetRequiredService<CertificateIssuance>().ChainAsync(record.IssuerId, cancellationToken);
            var credential = new RaCredential(record.IssuerId, name, certificate.CopyWithPrivateKey(rsa), chain);
            _byRecord[record.Id] = credential;
            return credential;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static string Context(Guid id) => "ra:" + id.ToString("D");
}
