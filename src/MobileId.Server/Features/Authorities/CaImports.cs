using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Issuance;
using MobileId.Server.Features.Ocsp;

namespace MobileId.Server.Features.Authorities;

/// <summary>
/// Imports an existing CA with its key (from PKCS#12, or a PEM key and chain) as an active issuing
/// CA: the key goes into the configured key store, and parents the server does not have yet are
/// kept without their keys, so that chains, <c>/pki/ca/{name}.pem</c> and relying parties find them.
/// </summary>
public sealed class CaImports(MobileIdDbContext db, CaKeys keys, CertificateAuthorities authorities, AuditTrail audit, OcspResponder ocsp,
    TimeProvider time)
{
    public async Task<Result<CaView>> ImportAsync(Caller caller, ImportCaRequest request, CancellationToken cancellationToken)
    {
        if (await CaRecords.CheckNewNameAsync(db, request.Name, cancellationToken) is { } badName)
        {
            return badName;
        }

        var read = CaImportMaterial.Read(request);
        if (!read.IsSuccess)
        {
            return read.Error;
        }

        using var material = read.Value;
        var now = time.GetUtcNow();
        if (material.CheckCertificate(now) is { } notUsable)
        {
            return notUsable;
        }

        var existing = await db.CertificateAuthorities.AsNoTracking().ToListAsync(cancellationToken);
        if (Find(existing, material.Certificate) is { } same)
        {
            return AppError.Conflict(same.HasKey
                ? $"This CA is on the server already, as '{same.Name}'."
                : $"This CA is on the server already, as '{same.Name}', a parent kept without its key.");
        }

        var serverCertificates = existing.Select(c => X509CertificateLoader.LoadCertificate(c.CertificateDer)).ToList();
        try
        {
            if (material.VerifyChain(serverCertificates, now) is { } broken)
            {
                return broken;
            }
        }
        finally
        {
            serverCertificates.ForEach(c => c.Dispose());
        }

        var parents = Parents(material, existing, request.Name!, now);
        if (!parents.IsSuccess)
        {
            return parents.Error;
        }

        var (added, parentId) = parents.Value;
        var pkcs8 = material.Key.ExportPkcs8PrivateKey();
        ISigningKey key;
        try
        {
            key = keys.Import(request.Name!, pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        using (key)
        {
            var ca = CaRecords.Create(request.Name!, CaKind.Issuing, parentId, material.Certificate, key.Algorithm, key, keys.KeyStore, imported: true, now);
            db.CertificateAuthorities.AddRange([.. added, ca]);
            foreach (var parent in added)
            {
                CaRecords.Audit(audit, caller, "ca.imported", parent, new { withKey = false, importedWith = ca.Name });
            }

            CaRecords.Audit(audit, caller, "ca.imported", ca, new { withKey = true, parents = added.Select(p => p.Name).ToList() });
            // Commit: the imported CA, the parents added with it and their audit records together, once.
            await db.SaveChangesAsync(cancellationToken);
        }

        ocsp.AuthoritiesChanged();
        return (await authorities.ViewAsync(request.Name!, cancellationToken))!;
    }

    /// <summary>The chain's parents the server lacks, as records kept without their keys (root first), and the id of the imported CA's parent.</summary>
    private Result<(List<CertificateAuthorityRecord> Added, Guid? ParentId)> Parents(CaImportMaterial material, List<CertificateAuthorityRecord> existing,
        string name, DateTimeOffset now)
    {
        var names = existing.Select(c => c.Name).Append(name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var added = new List<CertificateAuthorityRecord>();
        Guid? parentId = null;
        foreach (var parent in material.Parents.Reverse())
        {
            var record = Find(existing, parent);
            if (record is null)
            {
                using var publicKey = (AsymmetricAlgorithm?)parent.GetECDsaPublicKey() ?? parent.GetRSAPublicKey();
                if (publicKey is null || KeyAlgorithms.Of(publicKey) is not { } algorithm)
                {
                    return AppError.Validation(material.ChainField, $"The parent '{parent.Subject}' has a {(publicKey is null ? "DSA or other" : KeyAlgorithms.Describe(publicKey))} key, "
                        + "which MobileId cannot record; MobileId CAs and their parents use RSA 2048, 3072 or 4096, or ECDSA P-256 or P-384.");
                }

                record = CaRecords.Create(ParentName(parent, names), KindOf(parent), parentId, parent, algorithm, key: null, keys.KeyStore, imported: true, now);
                added.Add(record);
            }

            parentId = record.Id;
        }

        return (added, parentId);
    }

    private static CertificateAuthorityRecord? Find(IEnumerable<CertificateAuthorityRecord> records, X509Certificate2 certificate) =>
        records.FirstOrDefault(c => c.CertificateDer.AsSpan().SequenceEqual(certificate.RawData));

    private static CaKind KindOf(X509Certificate2 parent) => CaImportMaterial.IsSelfIssued(parent) ? CaKind.Root : CaKind.Issuing;

    /// <summary>A free URL name for a parent, made from its common name: <c>CN=Example Root CA 2</c> becomes <c>Example-Root-CA-2</c>.</summary>
    private static string ParentName(X509Certificate2 parent, HashSet<string> taken)
    {
        var commonName = parent.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var slug = new StringBuilder();
        foreach (var c in commonName)
        {
            var allowed = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
            if (allowed || (slug.Length > 0 && slug[^1] != '-'))
            {
                slug.Append(allowed ? c : '-');
            }
        }

        var stem = slug.ToString().TrimStart('.', '_', '-');
        stem = stem[..Math.Min(stem.Length, 56)].TrimEnd('-');
        stem = stem.Length == 0 ? "imported-ca" : stem;
        if (stem.EndsWith("-delta", StringComparison.Ordinal))
        {
            stem += "-ca";
        }

        var name = stem;
        for (var n = 2; !taken.Add(name); n++)
        {
            name = $"{stem}-{n}";
        }

        return name;
    }
}
