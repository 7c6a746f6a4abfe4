using MobileId.Pki.Authority;

namespace MobileId.Server.Features.Issuance;

/// <summary>Where a CA's certificates point (CRL, OCSP, AIA), its chain, and which CAs sign revocation information.</summary>
public static class CaDirectory
{
    /// <summary>The CA's addresses under <b>Web Server External Address</b> (http, as RFC 5280 relying parties fetch them).</summary>
    public static CaUrls UrlsFor(string externalAddress, string caName)
    {
        var root = externalAddress.TrimEnd('/');
        return new CaUrls($"{root}/pki/crl/{caName}.crl", $"{root}/pki/crl/{caName}-delta.crl", $"{root}/pki/ocsp", $"{root}/pki/ca/{caName}.crt");
    }

    /// <summary>A CA's certificate and its parents', nearest first (a loop in the records ends the walk).</summary>
    public static List<byte[]> ChainOf(IReadOnlyList<(Guid Id, Guid? ParentId, byte[] Der)> all, Guid caId)
    {
        var chain = new List<byte[]>();
        for (var current = all.FirstOrDefault(c => c.Id == caId); current.Der is not null && chain.Count < all.Count;
             current = all.FirstOrDefault(c => c.Id == current.ParentId && c.Id != current.Id))
        {
            chain.Add(current.Der);
        }

        return chain;
    }

    /// <summary>
    /// The CAs whose CRLs and OCSP answers this server signs: each CA whose key it holds, while it is
    /// active and, once retired, while a certificate it issued is still valid, because relying
    /// parties check those certificates until they expire (entries stay until one CRL past notAfter,
    /// STANDARDS.md §2). The CA's own service certificates do not count: its OCSP responder is
    /// renewed while the CA publishes, so counting it would keep a retired CA publishing for ever.
    /// </summary>
    public static IQueryable<CertificateAuthorityRecord> PublishingRevocation(MobileIdDbContext db, DateTimeOffset now)
    {
        var keepAfter = now.UtcDateTime.AddDays(-1);
        return db.CertificateAuthorities.AsNoTracking().Where(c => c.KeyId != "" && (c.Status == CaStatus.Active
            || db.IssuedCertificates.Any(i => i.IssuerId == c.Id && i.Purpose == CertificatePurpose.EndEntity && i.NotAfter > keepAfter)
            || db.CertificateAuthorities.Any(child => child.ParentId == c.Id && child.NotAfter > keepAfter)));
    }
}
