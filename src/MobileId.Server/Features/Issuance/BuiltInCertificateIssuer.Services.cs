using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Pki.Revocation;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Issuance;

/// <summary>The service certificates of the built-in CAs: recorded with the issued certificates and audited like them.</summary>
public sealed partial class BuiltInCertificateIssuer
{
    /// <summary>id-kp-documentSigning (RFC 9336): the EKU of content signing certificates.</summary>
    public const string DocumentSigningOid = "1.3.6.1.5.5.7.3.36";

    /// <inheritdoc />
    public async Task<ServiceCredential> ServiceCertificateAsync(ServiceCertificateRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var record = await db.IssuedCertificates.AsNoTracking()
            .Where(c => c.IssuerId == request.CaId && c.Purpose == request.Purpose && c.Status == CertificateStatus.Valid)
            .OrderByDescending(c => c.NotAfter).FirstOrDefaultAsync(cancellationToken);
        if (record is null || record.NotAfter - now.UtcDateTime < request.Validity / 3)
        {
            record = await IssueServiceAsync(request, now, cancellationToken);
        }

        return await OpenAsync(record, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ServiceCertificate>> ServiceCertificatesAsync(CertificatePurpose purpose, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var records = await db.IssuedCertificates.AsNoTracking()
            .Where(c => c.Purpose == purpose && c.Status == CertificateStatus.Valid && c.NotAfter > now)
            .OrderByDescending(c => c.NotAfter).ToListAsync(cancellationToken);
        return records.Select(Describe).ToList();
    }

    /// <inheritdoc />
    public async Task<ServiceCredential> OpenAsync(ServiceCertificate certificate, CancellationToken cancellationToken) =>
        await OpenAsync(await db.IssuedCertificates.AsNoTracking().SingleAsync(c => c.Id == certificate.Id, cancellationToken), cancellationToken);

    /// <summary>The key-wrapping context of a registration authority's key.</summary>
    internal static string RaKeyContext(Guid id) => "ra:" + id.ToString("D");

    private static ServiceCertificate Describe(IssuedCertificate c) => new(c.Id, c.IssuerId, c.Purpose, c.Der, c.NotAfter);

    private async Task<ServiceCredential> OpenAsync(IssuedCertificate record, CancellationToken cancellationToken)
    {
        var caName = await db.CertificateAuthorities.AsNoTracking().Where(c => c.Id == record.IssuerId).Select(c => c.Name).SingleAsync(cancellationToken);
        var chain = await ChainAsync(record.IssuerId, cancellationToken);
        if (record.Purpose != CertificatePurpose.RegistrationAuthority)
        {
            return new ServiceCredential(Describe(record), caName, X509CertificateLoader.LoadCertificate(record.Der), keys.Open(record.KeyId!), chain);
        }

        using var certificate = X509CertificateLoader.LoadCertificate(record.Der);

        var pkcs8 = keys.Unwrap(record.WrappedKey!, RaKeyContext(record.Id));
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return new ServiceCredential(Describe(record), caName, certificate.CopyWithPrivateKey(rsa), null, chain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Issues, records and audits a new service certificate with a new key.</summary>
    private async Task<IssuedCertificate> IssueServiceAsync(ServiceCertificateRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ca = await db.CertificateAuthorities.AsNoTracking().SingleAsync(c => c.Id == request.CaId, cancellationToken);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName($"{ca.Name} {Title(request.Purpose)}");
        if (request.Organization is { } organization)
        {
            subject.AddOrganizationName(organization);
        }

        var id = Guid.CreateVersion7();
        using var rsa = request.Purpose == CertificatePurpose.RegistrationAuthority ? RSA.Create(2048) : null;
        using var key = rsa is null ? keys.Generate($"{ca.Name}-{Label(request.Purpose)}", KeyAlgorithmOf(request.Purpose, ca)) : null;
        var (usage, ekus, extra) = Extensions(request.Purpose);
        var profile = new LeafProfile(subject.Build(), usage, ekus, null, [], request.Validity);
        var signed = await EncodeAsync(ca, key?.PublicKey ?? new PublicKey(rsa!), profile, now.AddMinutes(-5), extra, cancellationToken);
        var record = IssuedRecords.Create(signed, request.Purpose, now.UtcDateTime);
        record.Id = id;
        record.KeyId = key?.KeyId;
        if (rsa is not null)
        {
            var pkcs8 = rsa.ExportPkcs8PrivateKey();
            record.WrappedKey = keys.Wrap(pkcs8, RaKeyContext(id));
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        db.IssuedCertificates.Add(record);
        IssuedRecords.AuditIssued(audit, Caller.System("issuance"), record,
            new { ca = ca.Name, serial = record.SerialHex, subject = record.Subject, notAfter = record.NotAfter, purpose = record.Purpose.ToString() });
        // Commit: the service certificate and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(record).State = EntityState.Detached;
        return record;
    }

    private static string Title(CertificatePurpose purpose) => purpose switch
    {
        CertificatePurpose.ContentSigner => "Content Signing",
        CertificatePurpose.OcspResponder => "OCSP Responder",
        CertificatePurpose.RegistrationAuthority => "Registration Authority",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "Not a service certificate."),
    };

    private static string Label(CertificatePurpose purpose) => purpose == CertificatePurpose.ContentSigner ? "content" : "ocsp";

    /// <summary>Content signers use ECDSA P-256; the OCSP responder's key is of the CA's kind.</summary>
    private static KeyAlgorithm KeyAlgorithmOf(CertificatePurpose purpose, CertificateAuthorityRecord ca) =>
        purpose == CertificatePurpose.ContentSigner ? KeyAlgorithm.EcdsaP256 : ca.KeyAlgorithm;

    private static (X509KeyUsageFlags Usage, string[] Ekus, X509Extension[]? Extra) Extensions(CertificatePurpose purpose) => purpose switch
    {
        CertificatePurpose.ContentSigner => (X509KeyUsageFlags.DigitalSignature, [DocumentSigningOid], null),
        // Note: RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck, whose value is NULL (05 00), so clients do not ask about the responder itself.
        CertificatePurpose.OcspResponder => (X509KeyUsageFlags.DigitalSignature, [OcspResponderCertificate.OcspSigningOid],
            [new X509Extension(OcspResponderCertificate.NoCheckOid, [0x05, 0x00], critical: false)]),
        _ => (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, [], null),
    };
}
