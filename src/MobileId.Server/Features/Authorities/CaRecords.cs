using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MobileId.Pki;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Authorities;

/// <summary>What the CA bootstrap, new issuing CAs and imported CAs share: names, records and their audit.</summary>
internal static partial class CaRecords
{
    /// <summary>
    /// A CA name is a URL segment (<c>/pki/ca/{name}.crt</c>): a letter or digit, then letters,
    /// digits, <c>.</c>, <c>_</c> or <c>-</c>, at most 64 characters. It may not end in
    /// <c>-delta</c>, which <c>/pki/crl/{name}-delta.crl</c> would make ambiguous.
    /// </summary>
    public const string NamePattern = "^(?!.*-delta$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

    /// <summary>Checks a new CA's name: well formed (400) and not taken by another CA, in any letter case (409).</summary>
    public static async Task<AppError?> CheckNewNameAsync(MobileIdDbContext db, string? name, CancellationToken cancellationToken)
    {
        if (name is null || !NameRegex().IsMatch(name))
        {
            return AppError.Validation("name",
                $"'{name}' is not a CA name: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit and not ending in '-delta'.");
        }

        var names = await db.CertificateAuthorities.AsNoTracking().Select(c => c.Name).ToListAsync(cancellationToken);
        return names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) is { } taken
            ? AppError.Conflict($"A CA named '{taken}' already exists.")
            : null;
    }

    /// <summary>A CA record for a certificate.</summary>
    /// <param name="key">The CA's key in <paramref name="keyStore"/>, or null for a parent whose key is not on this server.</param>
    public static CertificateAuthorityRecord Create(string name, CaKind kind, Guid? parentId, X509Certificate2 certificate, KeyAlgorithm algorithm,
        ISigningKey? key, string keyStore, bool imported, DateTimeOffset now) => new()
        {
            Id = Guid.CreateVersion7(),
            Name = name,
            Kind = kind,
            ParentId = parentId,
            Subject = certificate.Subject,
            KeyAlgorithm = algorithm,
            KeyStore = key is null ? CertificateAuthorityRecord.NoKeyStore : keyStore,
            KeyId = key?.KeyId ?? "",
            CertificateDer = certificate.RawData,
            SerialHex = SerialNumbers.ToHex(certificate.SerialNumberBytes.Span),
            NotBefore = certificate.NotBefore.ToUniversalTime(),
            NotAfter = certificate.NotAfter.ToUniversalTime(),
            Status = CaStatus.Active,
            Imported = imported,
            CreatedAt = now.UtcDateTime,
        };

    /// <summary>Records a change to a CA in the audit trail (saved with the change).</summary>
    public static void Audit(AuditTrail audit, Caller caller, string action, CertificateAuthorityRecord ca, object? more = null) =>
        audit.Record(caller, action, Workflow.CertificateAuthorities, new AuditTarget("ca", ca.Name, ca.Subject), AuditOutcome.Success,
            new { ca.Kind, algorithm = ca.KeyAlgorithm.ToString(), keyStore = ca.KeyStore, serial = ca.SerialHex, status = ca.Status.ToString(), more });

    /// <summary><c>O=organization, CN=commonName</c>.</summary>
    public static X500DistinguishedName Subject(string commonName, string organization)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(organization);
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    [GeneratedRegex(NamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
