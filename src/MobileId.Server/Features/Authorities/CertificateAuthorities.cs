using Microsoft.Extensions.Options;
using MobileId.Pki.Authority;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Issuance;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Authorities;

/// <summary>A CA as the API shows it.</summary>
/// <param name="HasKey">Whether this server holds the key; a parent of an imported CA is kept without it.</param>
/// <param name="Imported">Brought in from elsewhere rather than made here.</param>
public sealed record CaView(string Name, string Kind, string Subject, string KeyAlgorithm, string KeyStore, string Status,
    string SerialNumber, DateTime NotBefore, DateTime NotAfter, string? Parent, bool HasKey, bool Imported, CaLinks Urls);

/// <summary>The CA's addresses; CRL and OCSP only for a CA whose key is on this server (it signs them).</summary>
public sealed record CaLinks(string Certificate, string Chain, string? Crl, string? DeltaCrl, string? Ocsp);

/// <summary>
/// A certificate a CA issued to one of its own services: the content signer of collection packages,
/// the delegated OCSP responder, or the SCEP/EST registration authority.
/// </summary>
public sealed record ServiceCertificateView(Guid Id, CertificatePurpose Purpose, string SerialNumber, string Subject,
    DateTime NotBefore, DateTime NotAfter, CertificateStatus Status);

/// <summary>The CAs of this server, their keys and the addresses their certificates point at.</summary>
public sealed class CertificateAuthorities(MobileIdDbContext db, SettingsService settings)
{
    /// <summary>The text a list of CAs is searched in (<c>q</c>): name, subject, kind and status.</summary>
    public static IEnumerable<string?> SearchText(CaView ca) => [ca.Name, ca.Subject, ca.Kind, ca.Status];

    public async Task<IReadOnlyList<CertificateAuthorityRecord>> ListAsync(CancellationToken cancellationToken) =>
        await db.CertificateAuthorities.AsNoTracking().OrderBy(c => c.Kind).ThenBy(c => c.Name).ToListAsync(cancellationToken);

    public Task<CertificateAuthorityRecord?> FindAsync(string name, CancellationToken cancellationToken) =>
        db.CertificateAuthorities.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);

    /// <summary>The CA's addresses under <b>Web Server External Address</b> (<see cref="CaDirectory.UrlsFor"/>).</summary>
    public static CaUrls UrlsFor(string externalAddress, string caName) => CaDirectory.UrlsFor(externalAddress, caName);

    /// <summary>The CAs whose CRLs and OCSP answers this server signs (<see cref="CaDirectory.PublishingRevocation"/>).</summary>
    public static IQueryable<CertificateAuthorityRecord> PublishingRevocation(MobileIdDbContext db, DateTimeOffset now) =>
        CaDirectory.PublishingRevocation(db, now);

    public async Task<IReadOnlyList<CaView>> ViewsAsync(CancellationToken cancellationToken)
    {
        var all = await ListAsync(cancellationToken);
        var external = (await settings.GetAsync(cancellationToken)).WebServerExternalAddress;
        return all.Select(c => View(c, all, external)).ToList();
    }

    /// <summary>The service certificates a CA issued, newest first; null when there is no CA of that name.</summary>
    public async Task<IReadOnlyList<ServiceCertificateView>?> ServiceCertificatesAsync(string name, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, cancellationToken) is not { } ca)
        {
            return null;
        }

        return await db.IssuedCertificates.AsNoTracking()
            .Where(c => c.IssuerId == ca.Id && c.Purpose != CertificatePurpose.EndEntity)
            .OrderByDescending(c => c.NotBefore)
            .Select(c => new ServiceCertificateView(c.Id, c.Purpose, c.SerialHex, c.Subject, c.NotBefore, c.NotAfter, c.Status))
            .ToListAsync(cancellationToken);
    }

    /// <summary>One CA, or null when there is none of that name.</summary>
    public async Task<CaView?> ViewAsync(string name, CancellationToken cancellationToken)
    {
        var all = await ListAsync(cancellationToken);
        var external = (await settings.GetAsync(cancellationToken)).WebServerExternalAddress;
        return all.FirstOrDefault(c => c.Name == name) is { } ca ? View(ca, all, external) : null;
    }

    public static CaView View(CertificateAuthorityRecord ca, IReadOnlyList<CertificateAuthorityRecord> all, string externalAddress)
    {
        var urls = UrlsFor(externalAddress, ca.Name);
        var root = externalAddress.TrimEnd('/');
        return new CaView(ca.Name, ca.Kind.ToString(), ca.Subject, ca.KeyAlgorithm.ToString(), ca.KeyStore, ca.Status.ToString(), ca.SerialHex,
            ca.NotBefore, ca.NotAfter, all.FirstOrDefault(p => p.Id == ca.ParentId)?.Name, ca.HasKey, ca.Imported,
            new CaLinks(urls.CaIssuersUrl, $"{root}/pki/ca/{ca.Name}.pem", ca.HasKey ? urls.CrlUrl : null, ca.HasKey ? urls.DeltaCrlUrl : null,
                ca.HasKey ? urls.OcspUrl : null));
    }

    /// <summary>The CA's certificate followed by its parents', as PEM.</summary>
    public async Task<string?> ChainPemAsync(string name, CancellationToken cancellationToken)
    {
        var all = await ListAsync(cancellationToken);
        return all.FirstOrDefault(c => c.Name == name) is { } ca
            ? string.Concat(ChainOf(all.Select(c => (c.Id, c.ParentId, c.CertificateDer)).ToList(), ca.Id)
                .Select(der => System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", der) + "\n"))
            : null;
    }

    /// <summary>A CA's certificate and its parents', nearest first (<see cref="CaDirectory.ChainOf"/>).</summary>
    public static List<byte[]> ChainOf(IReadOnlyList<(Guid Id, Guid? ParentId, byte[] Der)> all, Guid caId) => CaDirectory.ChainOf(all, caId);
}

/// <summary>
/// The CA bootstrap of <c>init</c>: on a database without CAs it creates the root and the issuing
/// CA (ECDSA P-384 and P-256 by default), with keys in the configured key store.
/// </summary>
public sealed class CaBootstrapStep(MobileIdDbContext db, CaKeys keys, SettingsService settings, AuditTrail audit,
    IOptions<PkiOptions> options, TimeProvider time) : IInitializationStep
{
    public string Name => "certificate authorities";

    public async Task RunAsync(InitContext context, CancellationToken cancellationToken)
    {
        if (await db.CertificateAuthorities.AnyAsync(cancellationToken))
        {
            return;
        }

        var o = options.Value;
        var now = time.GetUtcNow();
        var notBefore = now.AddMinutes(-5);
        var external = (await settings.GetAsync(cancellationToken)).WebServerExternalAddress;
        using var root = keys.CreateRoot(o.RootName, o.RootAlgorithm, CaRecords.Subject("MobileId Root CA", o.Organization), notBefore,
            TimeSpan.FromDays(o.RootValidityDays));
        using var issuing = keys.CreateIssuing(root.Certificate, root.Key.KeyId, o.IssuingName, o.IssuingAlgorithm, CaRecords.Subject("MobileId Issuing CA", o.Organization),
            notBefore, TimeSpan.FromDays(o.IssuingValidityDays), CaDirectory.UrlsFor(external, o.RootName));

        var rootRecord = CaRecords.Create(o.RootName, CaKind.Root, null, root.Certificate, root.Key.Algorithm, root.Key, keys.KeyStore, imported: false, now);
        var issuingRecord = CaRecords.Create(o.IssuingName, CaKind.Issuing, rootRecord.Id, issuing.Certificate, issuing.Key.Algorithm, issuing.Key, keys.KeyStore,
            imported: false, now);
        db.CertificateAuthorities.AddRange(rootRecord, issuingRecord);
        var system = Caller.System("init");
        foreach (var ca in new[] { rootRecord, issuingRecord })
        {
            CaRecords.Audit(audit, system, "ca.created", ca);
        }

        // Commit: the root and issuing CA records and their two audit records together, once.
        await db.SaveChangesAsync(cancellationToken);
        await context.Output.WriteLineAsync($"MobileId: created the root CA '{rootRecord.Name}' ({o.RootAlgorithm}) and the issuing CA '{issuingRecord.Name}' ({o.IssuingAlgorithm}).");
    }
}
