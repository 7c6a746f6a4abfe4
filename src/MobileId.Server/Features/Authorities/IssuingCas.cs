using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Issuance;
using MobileId.Server.Features.Ocsp;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Authorities;

/// <summary>A new issuing CA under a root of this server.</summary>
/// <param name="Name">The URL name (<c>/pki/ca/{name}.crt</c>).</param>
/// <param name="Parent">The root CA to issue under; its key must be on this server.</param>
/// <param name="KeyAlgorithm">The new CA's key; <c>MobileId:Pki:IssuingAlgorithm</c> when left out.</param>
/// <param name="ValidityDays">Lifetime, 30–36500 days (clipped to the root's end); <c>MobileId:Pki:IssuingValidityDays</c> when left out.</param>
/// <param name="CommonName">The subject's CN (O= is <c>MobileId:Pki:Organization</c>); the name when left out.</param>
public sealed record CreateIssuingCaRequest(string? Name, string? Parent, KeyAlgorithm? KeyAlgorithm, int? ValidityDays, string? CommonName);

/// <summary>
/// Several issuing CAs side by side: creates another issuing CA under a root whose key this server
/// holds, and retires one. A retired CA issues nothing new, but its CRLs and OCSP answers go on
/// while certificates it issued are valid (<see cref="CertificateAuthorities.PublishingRevocation"/>).
/// </summary>
public sealed class IssuingCas(MobileIdDbContext db, CaKeys keys, CertificateAuthorities authorities, SettingsService settings,
    AuditTrail audit, OcspResponder ocsp, IOptions<PkiOptions> options, TimeProvider time)
{
    /// <summary>The upper bound of a CN (X.520 ub-common-name, RFC 5280 Appendix A).</summary>
    private const int MaxCommonName = 64;

    public async Task<Result<CaView>> CreateAsync(Caller caller, CreateIssuingCaRequest request, CancellationToken cancellationToken)
    {
        if (await CaRecords.CheckNewNameAsync(db, request.Name, cancellationToken) is { } badName)
        {
            return badName;
        }

        var commonName = string.IsNullOrWhiteSpace(request.CommonName) ? request.Name! : request.CommonName.Trim();
        var validityDays = request.ValidityDays ?? options.Value.IssuingValidityDays;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (commonName.Length > MaxCommonName)
        {
            errors["commonName"] = [$"The common name has {commonName.Length} characters; X.509 allows {MaxCommonName}."];
        }

        if (validityDays is < 30 or > 36500)
        {
            errors["validityDays"] = [$"{validityDays} days is outside 30-36500."];
        }

        if (request.KeyAlgorithm is { } algorithm && !Enum.IsDefined(algorithm))
        {
            errors["keyAlgorithm"] = ["Use Rsa2048, Rsa3072, Rsa4096, EcdsaP256 or EcdsaP384."];
        }

        var now = time.GetUtcNow();
        var parent = await db.CertificateAuthorities.AsNoTracking().SingleOrDefaultAsync(c => c.Name == (request.Parent ?? ""), cancellationToken);
        if (ParentProblem(parent, request.Parent, now) is { } parentProblem)
        {
            errors["parent"] = [parentProblem];
        }

        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        var subject = CaRecords.Subject(commonName, options.Value.Organization);
        if (await db.CertificateAuthorities.AsNoTracking().Where(c => c.Subject == subject.Name).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken) is { } same)
        {
            return AppError.Conflict($"The CA '{same}' has the subject '{subject.Name}' already; choose another commonName.");
        }

        var external = (await settings.GetAsync(cancellationToken)).WebServerExternalAddress;
        using var rootCertificate = X509CertificateLoader.LoadCertificate(parent!.CertificateDer);
        using var made = keys.CreateIssuing(rootCertificate, parent.KeyId, request.Name!, request.KeyAlgorithm ?? options.Value.IssuingAlgorithm, subject,
            now.AddMinutes(-5), TimeSpan.FromDays(validityDays), CaDirectory.UrlsFor(external, parent.Name));
        var record = CaRecords.Create(request.Name!, CaKind.Issuing, parent.Id, made.Certificate, made.Key.Algorithm, made.Key, keys.KeyStore, imported: false, now);
        db.CertificateAuthorities.Add(record);
        CaRecords.Audit(audit, caller, "ca.created", record, new { parent = parent.Name });
        // Commit: the new issuing CA record and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        ocsp.AuthoritiesChanged();
        return (await authorities.ViewAsync(record.Name, cancellationToken))!;
    }

    /// <summary>Retires a CA: no new certificates; CRLs and OCSP go on while its certificates are valid.</summary>
    public async Task<Result<CaView>> RetireAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        var ca = await db.CertificateAuthorities.SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (ca is null)
        {
            return AppError.NotFound($"The CA '{name}'");
        }

        if (!ca.HasKey)
        {
            return AppError.Conflict($"'{name}' is a parent whose key is not on this server; it issues nothing here, so there is nothing to retire.");
        }

        if (ca.Status == CaStatus.Retired)
        {
            return AppError.Conflict($"'{name}' is retired already.");
        }

        ca.Status = CaStatus.Retired;
        CaRecords.Audit(audit, caller, "ca.retired", ca);
        // Commit: the Retired status and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return (await authorities.ViewAsync(name, cancellationToken))!;
    }

    private static string? ParentProblem(CertificateAuthorityRecord? parent, string? name, DateTimeOffset now) => parent switch
    {
        null when string.IsNullOrEmpty(name) => "Name the root CA to issue under; see GET /api/v1/authorities.",
        null => $"'{name}' is not a CA of this server; see GET /api/v1/authorities.",
        { Kind: not CaKind.Root } => $"'{name}' is not a root CA; issuing CAs are made under a root (path length 0).",
        { HasKey: false } => $"The key of '{name}' is not on this server, so it cannot sign a new CA.",
        { Status: CaStatus.Retired } => $"'{name}' is retired and signs no new CAs.",
        _ when parent.NotAfter <= now.UtcDateTime.AddDays(30) => $"'{name}' expires on {parent.NotAfter:u}, too soon to sign a new CA.",
        _ => null,
    };
}
