using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Pki.Revocation;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Issuance;

/// <summary>
/// What a certificate authority offers MobileId: it signs end-entity certificates, revokes, holds
/// and releases them, issues its own service certificates (content signer, OCSP responder, SCEP/EST
/// registration authority), signs CRLs, and tells its chain and addresses. The built-in CA
/// (<see cref="BuiltInCertificateIssuer"/>) is the only code that opens a CA signing key; an
/// external CA connector implements this interface instead.
/// </summary>
public interface ICertificateIssuer
{
    /// <summary>
    /// Signs an end-entity certificate for a public key (from a verified CSR or a server-made key)
    /// as <paramref name="profile"/> says; <paramref name="notAfter"/> overrides the profile's validity.
    /// The certificate is not recorded: the caller records it with its holder.
    /// </summary>
    Task<Result<SignedCertificate>> SignAsync(string caName, PublicKey subjectKey, LeafProfile profile, DateTimeOffset? notAfter,
        CancellationToken cancellationToken);

    /// <summary>Revokes for good (with an RFC 5280 reason), or puts on hold (<c>certificateHold</c>); audited.</summary>
    Task<Result<IssuedCertificate>> RevokeAsync(Caller caller, Guid certificateId, X509RevocationReason reason, CancellationToken cancellationToken);

    /// <summary>Releases a hold: the certificate is good again and leaves the next full CRL; audited.</summary>
    Task<Result<IssuedCertificate>> ReleaseAsync(Caller caller, Guid certificateId, CancellationToken cancellationToken);

    /// <summary>
    /// The CA's current service certificate of a purpose with its private key, issued (and audited)
    /// when there is none or less than a third of its validity is left.
    /// </summary>
    Task<ServiceCredential> ServiceCertificateAsync(ServiceCertificateRequest request, CancellationToken cancellationToken);

    /// <summary>The service certificates of a purpose that have not expired, newest first (without their keys).</summary>
    Task<IReadOnlyList<ServiceCertificate>> ServiceCertificatesAsync(CertificatePurpose purpose, CancellationToken cancellationToken);

    /// <summary>A service certificate with its private key.</summary>
    Task<ServiceCredential> OpenAsync(ServiceCertificate certificate, CancellationToken cancellationToken);

    /// <summary>Signs a full or delta CRL of a CA (RFC 5280 §5).</summary>
    Task<byte[]> SignCrlAsync(CertificateAuthorityRecord ca, CrlContent crl, CancellationToken cancellationToken);

    /// <summary>The CA's certificate and its parents, nearest first.</summary>
    Task<IReadOnlyList<byte[]>> ChainAsync(Guid caId, CancellationToken cancellationToken);

    /// <summary>The CA's CRL, delta CRL, OCSP and CA-issuers addresses.</summary>
    Task<CaUrls> UrlsAsync(string caName, CancellationToken cancellationToken);
}

/// <summary>An end-entity certificate a CA signed, not yet recorded.</summary>
/// <param name="IssuerId">The CA that signed it.</param>
/// <param name="IssuerName">Its URL name.</param>
/// <param name="Der">The certificate.</param>
/// <param name="SerialHex">Its serial (upper-case hex).</param>
/// <param name="Subject">Its subject DN.</param>
/// <param name="NotBefore">Start of validity (whole seconds, UTC).</param>
/// <param name="NotAfter">End of validity (whole seconds, UTC).</param>
public sealed record SignedCertificate(Guid IssuerId, string IssuerName, byte[] Der, string SerialHex, string Subject, DateTime NotBefore, DateTime NotAfter);

/// <summary>Which service certificate of which CA, and how long a new one is valid.</summary>
/// <param name="CaId">The issuing CA.</param>
/// <param name="Purpose">Content signer, OCSP responder or registration authority.</param>
/// <param name="Validity">The lifetime of a new certificate; one is renewed when less than a third is left.</param>
/// <param name="Organization">The O= of the subject, if any.</param>
public sealed record ServiceCertificateRequest(Guid CaId, CertificatePurpose Purpose, TimeSpan Validity, string? Organization = null);

/// <summary>A service certificate as recorded.</summary>
public sealed record ServiceCertificate(Guid Id, Guid IssuerId, CertificatePurpose Purpose, byte[] Der, DateTime NotAfter);

/// <summary>
/// A service certificate with its private key: in the key store (<see cref="Key"/>: content signer,
/// OCSP responder) or in process on <see cref="Certificate"/> (registration authority).
/// </summary>
/// <param name="Record">The certificate as recorded.</param>
/// <param name="CaName">The issuing CA's URL name.</param>
/// <param name="Certificate">The certificate; with its private key for a registration authority.</param>
/// <param name="Key">The key-store key, or null for a registration authority.</param>
/// <param name="CaChain">The issuing CA's certificate and its parents, nearest first (DER).</param>
public sealed record ServiceCredential(ServiceCertificate Record, string CaName, X509Certificate2 Certificate, ISigningKey? Key, IReadOnlyList<byte[]> CaChain);

/// <summary>What a CRL lists and when; a delta CRL names its base (RFC 5280 §5.2.4).</summary>
public sealed record CrlContent(IReadOnlyList<RevokedEntry> Entries, long Number, long? BaseNumber, DateTimeOffset ThisUpdate, DateTimeOffset NextUpdate);
