using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Pki;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Settings;
using MobileId.Server.Features.Setup;

namespace MobileId.Server.Features.Authorities;

/// <summary>A CA as the API shows it.</summary>
public sealed record CaView(string Name, string Kind, string Subject, string KeyAlgorithm, string KeyStore, string Status,
    string SerialNumber, DateTime NotBefore, DateTime NotAfter, string? Parent, CaLinks Urls);

public sealed record CaLinks(string Certificate, string Chain, string Crl, string DeltaCrl, string Ocsp);

/// <summary>The CAs of this server, their keys and the addresses their certificates point at.</summary>
public sealed class CertificateAuthorities(MobileIdDbContext db, SettingsService settings)
{
    public async Task<IReadOnlyList<CertificateAuthorityRecord>> ListAsync(CancellationToken cancellationToken) =>
        await db.CertificateAuthorities.AsNoTracking().OrderBy(c => c.Kind).ThenBy(c => c.Name).ToListAsync(cancellationToken);

    public Task<CertificateAuthorityRecord?> FindAsync(string name, CancellationToken cancellationToken) =>
        db.CertificateAuthorities.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);

    /// <summary>The CA's addresses under <b>Web Server External Address</b> (http, as RFC 5280 relying parties fetch them).</summary>
    public static CaUrls UrlsFor(string externalAddress, string caName)
    {
        var root = externalAddress.TrimEnd('/');
        return new CaUrls($"{root}/pki/crl/{caName}.crl", $"{root}/pki/crl/{caName}-delta.crl", $"{root}/pki/ocsp", $"{root}/pki/ca/{caName}.crt");
    }

    public async Task<IReadOnlyList<CaView>> ViewsAsync(CancellationToken cancellationToken)
    {
        var all = await ListAsync(cancellationToken);
        var external = (await settings.GetAsync(cancellationToken)).WebServerExternalAddress;
        return all.Select(c => View(c, all, external)).ToList();
    }

    public static CaView View(CertificateAuthorityRecord ca, IReadOnlyList<CertificateAuthorityRecord> all, string externalAddress)
    {
        var urls = UrlsFor(externalAddress, ca.Name);
        var root = externalAddress.TrimEnd('/');
        return new CaView(ca.Name, ca.Kind.ToString(), ca.Subject, ca.KeyAlgorithm.ToString(), ca.KeyStore, ca.Status.ToString(), ca.SerialHex,
            ca.NotBefore, ca.NotAfter, all.FirstOrDefault(p => p.Id == ca.ParentId)?.Name,
            new CaLinks(urls.CaIssuersUrl, $"{root}/pki/ca/{ca.Name}.pem", urls.CrlUrl, urls.DeltaCrlUrl!, urls.OcspUrl));
    }

    /// <summary>The CA's certificate followed by its parents', as PEM.</summary>
    public async Task<string?> ChainPemAsync(string name, CancellationToken cancellationToken)
    {
        var all = await ListAsync(cancellationToken);
        var ca = all.FirstOrDefault(c => c.Name == name);
        if (ca is null)
        {
            return null;
        }

        var pem = new System.Text.StringBuilder();
        for (var current = ca; current is not null; current = all.FirstOrDefault(p => p.Id == current.ParentId && p.Id != current.Id))
        {
            pem.Append(System.Security.Cryptography.PemEncoding.Write("CERTIFICATE", current.CertificateDer)).Append('\n');
        }

        return pem.ToString();
    }
}

/// <summary>
/// The CA bootstrap of <c>init</c>: on a database without CAs it creates the root and the issuing
/// CA (ECDSA P-384 and P-256 by default), with keys in the configured key store.
/// </summary>
public sealed class CaBootstrapStep(MobileIdDbContext db, IKeyStore keys, SettingsService settings, AuditTrail audit,
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
        var now = time.GetUtcNow().AddMinutes(-5);
        var external = (await settings.GetAsync(cancellationToken)).WebServerExternalAddress;
        using var rootKey = keys.Generate(o.RootName, o.RootAlgorithm);
        using var root = CertificateFactory.CreateRoot(rootKey, Subject("MobileId Root CA", o.Organization), now, TimeSpan.FromDays(o.RootValidityDays));
        using var issuingKey = keys.Generate(o.IssuingName, o.IssuingAlgorithm);
        using var issuing = CertificateFactory.CreateIssuing(root, rootKey, issuingKey, Subject("MobileId Issuing CA", o.Organization),
            now, TimeSpan.FromDays(o.IssuingValidityDays), CertificateAuthorities.UrlsFor(external, o.RootName));

        var rootRecord = Record(o.RootName, CaKind.Root, null, root, rootKey, keys.Kind);
        var issuingRecord = Record(o.IssuingName, CaKind.Issuing, rootRecord.Id, issuing, issuingKey, keys.Kind);
        db.CertificateAuthorities.AddRange(rootRecord, issuingRecord);
        var system = Caller.System("init");
        foreach (var ca in new[] { rootRecord, issuingRecord })
        {
            audit.Record(system, "ca.created", Workflow.CertificateAuthorities, new AuditTarget("ca", ca.Name, ca.Subject), AuditOutcome.Success,
                new { ca.Kind, algorithm = ca.KeyAlgorithm.ToString(), keyStore = ca.KeyStore, serial = ca.SerialHex });
        }

        await db.SaveChangesAsync(cancellationToken);
        await context.Output.WriteLineAsync($"MobileId: created the root CA '{rootRecord.Name}' ({o.RootAlgorithm}) and the issuing CA '{issuingRecord.Name}' ({o.IssuingAlgorithm}).");
    }

    private CertificateAuthorityRecord Record(string name, CaKind kind, Guid? parent, X509Certificate2 certificate, ISigningKey key, string store) => new()
    {
        Id = Guid.CreateVersion7(),
        Name = name,
        Kind = kind,
        ParentId = parent,
        Subject = certificate.Subject,
        KeyAlgorithm = key.Algorithm,
        KeyStore = store,
        KeyId = key.KeyId,
        CertificateDer = certificate.RawData,
        SerialHex = SerialNumbers.ToHex(certificate.SerialNumberBytes.Span),
        NotBefore = certificate.NotBefore.ToUniversalTime(),
        NotAfter = certificate.NotAfter.ToUniversalTime(),
        Status = CaStatus.Active,
        CreatedAt = time.GetUtcNow().UtcDateTime,
    };

    private static X500DistinguishedName Subject(string commonName, string organization)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(organization);
        builder.AddCommonName(commonName);
        return builder.Build();
    }
}
