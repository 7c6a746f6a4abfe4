using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Revocation;

/// <summary>
/// The delegated OCSP responder profile (RFC 6960 §4.2.2.2): a short-lived certificate issued
/// directly by the CA whose certificates it answers for, so the CA key signs a few responder
/// certificates instead of every response.
/// </summary>
public static class OcspResponderCertificate
{
    /// <summary>id-kp-OCSPSigning.</summary>
    public const string OcspSigningOid = "1.3.6.1.5.5.7.3.9";

    /// <summary>id-pkix-ocsp-nocheck.</summary>
    public const string NoCheckOid = "1.3.6.1.5.5.7.48.1.5";

    /// <summary>A sensible lifetime: clients cannot learn that a no-check certificate was revoked, so it must expire soon.</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(7);

    /// <summary>Issues a delegated responder certificate.</summary>
    /// <param name="issuer">The issuing CA (the same CA as the certificates the responder answers for).</param>
    /// <param name="issuerKey">The issuing CA key.</param>
    /// <param name="responderKey">The responder's public key.</param>
    /// <param name="subject">The responder's DN, e.g. <c>CN=MobileId OCSP Responder, O=…</c>.</param>
    /// <param name="notBefore">Start of validity.</param>
    /// <param name="validity">Lifetime, e.g. <see cref="DefaultValidity"/>; renew well before it ends.</param>
    /// <param name="urls">The issuing CA's addresses (CDP and AIA, as on every leaf).</param>
    /// <param name="serial">The serial number (from <see cref="SerialNumbers.Create"/>).</param>
    /// <returns>
    /// The certificate: keyUsage digitalSignature (critical), EKU id-kp-OCSPSigning, and
    /// id-pkix-ocsp-nocheck (NULL, not critical) so that clients do not ask about the responder itself.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">The validity is not positive.</exception>
    public static X509Certificate2 Issue(X509Certificate2 issuer, ISigningKey issuerKey, PublicKey responderKey, X500DistinguishedName subject,
        DateTimeOffset notBefore, TimeSpan validity, CaUrls urls, byte[] serial)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validity, TimeSpan.Zero);
        var profile = new LeafProfile(subject, X509KeyUsageFlags.DigitalSignature, [OcspSigningOid], null, [], validity);
        // Note: RFC 6960 §4.2.2.2.1 — the extension value is NULL (05 00).
        X509Extension[] noCheck = [new(NoCheckOid, [0x05, 0x00], critical: false)];
        return CertificateFactory.IssueLeaf(issuer, issuerKey, responderKey, profile, notBefore, urls, serial, noCheck);
    }
}
