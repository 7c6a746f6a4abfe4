using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Authority;

/// <summary>The addresses a CA's certificates point at (RFC 5280 §4.2.1.13, §4.2.2.1); http, never https.</summary>
/// <param name="CrlUrl">The full CRL (DER).</param>
/// <param name="DeltaCrlUrl">The delta CRL, advertised in the full CRL's freshest-CRL extension.</param>
/// <param name="OcspUrl">The OCSP responder.</param>
/// <param name="CaIssuersUrl">The issuing CA certificate (DER).</param>
public sealed record CaUrls(string CrlUrl, string? DeltaCrlUrl, string OcspUrl, string CaIssuersUrl);

/// <summary>What a leaf certificate says, apart from its key and issuer (a certificate policy applied to a person).</summary>
/// <param name="Subject">The subject DN.</param>
/// <param name="KeyUsage">Key usage bits (critical).</param>
/// <param name="ExtendedKeyUsages">EKU OIDs; never anyExtendedKeyUsage.</param>
/// <param name="SubjectAlternativeName">A SAN extension, or null.</param>
/// <param name="PolicyOids">certificatePolicies OIDs.</param>
/// <param name="Validity">How long the certificate lives (clipped to the issuer's end).</param>
public sealed record LeafProfile(
    X500DistinguishedName Subject,
    X509KeyUsageFlags KeyUsage,
    IReadOnlyList<string> ExtendedKeyUsages,
    X509Extension? SubjectAlternativeName,
    IReadOnlyList<string> PolicyOids,
    TimeSpan Validity);

/// <summary>
/// Makes RFC 5280 certificates: self-signed roots, issuing CAs and leaves, each signed through
/// an <see cref="ISigningKey"/> so that CA keys may stay inside a token.
/// </summary>
public static class CertificateFactory
{
    /// <summary>Creates a self-signed root CA certificate.</summary>
    /// <param name="key">The root key.</param>
    /// <param name="subject">The root's DN.</param>
    /// <param name="notBefore">Start of validity.</param>
    /// <param name="validity">Lifetime.</param>
    /// <returns>The certificate (public part only).</returns>
    public static X509Certificate2 CreateRoot(ISigningKey key, X500DistinguishedName subject, DateTimeOffset notBefore, TimeSpan validity)
    {
        var request = new CertificateRequest(subject, key.PublicKey, key.Algorithm.Hash());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(key.PublicKey, false));
        return request.Create(subject, new SigningKeyGenerator(key), notBefore, notBefore + validity, SerialNumbers.Create());
    }

    /// <summary>Creates an issuing CA certificate under a root (path length 0).</summary>
    /// <param name="issuer">The root certificate.</param>
    /// <param name="issuerKey">The root key.</param>
    /// <param name="key">The issuing CA's key.</param>
    /// <param name="subject">The issuing CA's DN.</param>
    /// <param name="notBefore">Start of validity.</param>
    /// <param name="validity">Lifetime (clipped to the root's end).</param>
    /// <param name="issuerUrls">The root's CRL and AIA addresses, or null for none.</param>
    /// <returns>The certificate (public part only).</returns>
    public static X509Certificate2 CreateIssuing(X509Certificate2 issuer, ISigningKey issuerKey, ISigningKey key, X500DistinguishedName subject,
        DateTimeOffset notBefore, TimeSpan validity, CaUrls? issuerUrls)
    {
        var request = new CertificateRequest(subject, key.PublicKey, issuerKey.Algorithm.Hash());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(key.PublicKey, false));
        AddIssuerLinks(request, issuer, issuerUrls);
        return request.Create(issuer.SubjectName, new SigningKeyGenerator(issuerKey), notBefore, Clip(notBefore + validity, issuer), SerialNumbers.Create());
    }

    /// <summary>Issues a leaf certificate for a public key.</summary>
    /// <param name="issuer">The issuing CA certificate.</param>
    /// <param name="issuerKey">The issuing CA key.</param>
    /// <param name="subjectKey">The subject's public key (from a verified CSR or a server-made key).</param>
    /// <param name="profile">What the certificate says.</param>
    /// <param name="notBefore">Start of validity.</param>
    /// <param name="urls">The issuing CA's CRL, OCSP and CA-issuers addresses.</param>
    /// <param name="serial">The serial number (from <see cref="SerialNumbers.Create"/>), so the caller can record it first.</param>
    /// <param name="extra">Further extensions a special profile needs (e.g. id-pkix-ocsp-nocheck), added after the others.</param>
    /// <returns>The certificate.</returns>
    public static X509Certificate2 IssueLeaf(X509Certificate2 issuer, ISigningKey issuerKey, PublicKey subjectKey, LeafProfile profile,
        DateTimeOffset notBefore, CaUrls urls, byte[] serial, IEnumerable<X509Extension>? extra = null) =>
        X509CertificateLoader.LoadCertificate(EncodeLeaf(issuer, issuerKey, subjectKey, profile, notBefore, urls, serial, extra));

    /// <summary>
    /// Issues a leaf certificate and returns its DER without loading it: writing the TBSCertificate
    /// directly costs a fraction of what a loaded <see cref="X509Certificate2"/> does (docs/performance.md).
    /// </summary>
    /// <param name="issuer">The issuing CA certificate.</param>
    /// <param name="issuerKey">The issuing CA key.</param>
    /// <param name="subjectKey">The subject's public key.</param>
    /// <param name="profile">What the certificate says.</param>
    /// <param name="notBefore">Start of validity (whole seconds are kept).</param>
    /// <param name="urls">The issuing CA's CRL, OCSP and CA-issuers addresses.</param>
    /// <param name="serial">The serial number.</param>
    /// <param name="extra">More extensions.</param>
    /// <returns>The DER certificate.</returns>
    public static byte[] EncodeLeaf(X509Certificate2 issuer, ISigningKey issuerKey, PublicKey subjectKey, LeafProfile profile,
        DateTimeOffset notBefore, CaUrls urls, byte[] serial, IEnumerable<X509Extension>? extra = null)
    {
        if (profile.ExtendedKeyUsages.Contains("2.5.29.37.0"))
        {
            throw new CryptographicException("anyExtendedKeyUsage is never issued.");
        }

        var extensions = LeafExtensions(issuer, subjectKey, profile, urls, extra);
        var hash = issuerKey.Algorithm.Hash();
        var algorithm = SignatureAlgorithm.Identifier(issuerKey.Algorithm, hash);
        var start = TruncateToSeconds(notBefore);
        var end = TruncateToSeconds(Clip(notBefore + profile.Validity, issuer));
        var tbsDer = EncodeTbs(issuer, subjectKey, profile.Subject, algorithm, serial, start, end, extensions);
        var certificate = new AsnWriter(AsnEncodingRules.DER);
        using (certificate.PushSequence())
        {
            certificate.WriteEncodedValue(tbsDer);
            certificate.WriteEncodedValue(algorithm);
            certificate.WriteBitString(issuerKey.SignData(tbsDer, hash));
        }

        return certificate.Encode();
    }

    /// <summary>The extensions of an end-entity certificate, in the order they are written.</summary>
    private static List<X509Extension> LeafExtensions(X509Certificate2 issuer, PublicKey subjectKey, LeafProfile profile, CaUrls urls,
        IEnumerable<X509Extension>? extra)
    {
        var extensions = new List<X509Extension>
        {
            new X509BasicConstraintsExtension(false, false, 0, true),
            new X509KeyUsageExtension(profile.KeyUsage, true),
        };
        if (profile.ExtendedKeyUsages.Count > 0)
        {
            var ekus = new OidCollection();
            foreach (var oid in profile.ExtendedKeyUsages)
            {
                ekus.Add(new Oid(oid));
            }

            extensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        }

        if (profile.SubjectAlternativeName is { } san)
        {
            extensions.Add(san);
        }

        if (profile.PolicyOids.Count > 0)
        {
            extensions.Add(CertificatePolicies(profile.PolicyOids));
        }

        extensions.Add(new X509SubjectKeyIdentifierExtension(subjectKey, false));
        extensions.AddRange(IssuerLinks(issuer, urls));
        extensions.AddRange(extra ?? []);

        return extensions;
    }

    /// <summary>The DER TBSCertificate (RFC 5280 §4.1): v3, serial, signature algorithm, issuer, validity, subject, key, extensions.</summary>
    private static byte[] EncodeTbs(X509Certificate2 issuer, PublicKey subjectKey, X500DistinguishedName subject, byte[] algorithm, byte[] serial,
        DateTimeOffset start, DateTimeOffset end, List<X509Extension> extensions)
    {
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                tbs.WriteInteger(2); // v3
            }

            tbs.WriteIntegerUnsigned(serial);
            tbs.WriteEncodedValue(algorithm);
            tbs.WriteEncodedValue(issuer.SubjectName.RawData);
            using (tbs.PushSequence())
            {
                WriteTime(tbs, start);
                WriteTime(tbs, end);
            }

            tbs.WriteEncodedValue(subject.RawData);
            tbs.WriteEncodedValue(subjectKey.ExportSubjectPublicKeyInfo());
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
            using (tbs.PushSequence())
            {
                foreach (var extension in extensions)
                {
                    using (tbs.PushSequence())
                    {
                        tbs.WriteObjectIdentifier(extension.Oid!.Value!);
                        if (extension.Critical)
                        {
                            tbs.WriteBoolean(true);
                        }

                        tbs.WriteOctetString(extension.RawData);
                    }
                }
            }
        }

        return tbs.Encode();
    }

    /// <summary>RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds.</summary>
    private static void WriteTime(AsnWriter writer, DateTimeOffset time)
    {
        if (time.UtcDateTime.Year < 2050)
        {
            writer.WriteUtcTime(time);
        }
        else
        {
            writer.WriteGeneralizedTime(time, omitFractionalSeconds: true);
        }
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>The certificatePolicies extension (RFC 5280 §4.2.1.4) with bare policy identifiers.</summary>
    /// <param name="oids">Policy OIDs.</param>
    /// <returns>The extension (not critical).</returns>
    public static X509Extension CertificatePolicies(IEnumerable<string> oids)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var oid in oids)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                }
            }
        }

        return new X509Extension("2.5.29.32", writer.Encode(), false);
    }

    private static void AddIssuerLinks(CertificateRequest request, X509Certificate2 issuer, CaUrls? urls)
    {
        foreach (var extension in IssuerLinks(issuer, urls))
        {
            request.CertificateExtensions.Add(extension);
        }
    }

    /// <summary>AKI (= the issuer's SKI) and, with addresses, CDP and AIA.</summary>
    private static List<X509Extension> IssuerLinks(X509Certificate2 issuer, CaUrls? urls)
    {
        var issuerSki = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().SingleOrDefault()
            ?? throw new CryptographicException($"The issuer {issuer.Subject} has no subject key identifier.");
        var links = new List<X509Extension> { X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerSki) };
        if (urls is not null)
        {
            links.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([urls.CrlUrl]));
            links.Add(new X509AuthorityInformationAccessExtension([urls.OcspUrl], [urls.CaIssuersUrl]));
        }

        return links;
    }

    private static DateTimeOffset Clip(DateTimeOffset notAfter, X509Certificate2 issuer)
    {
        var issuerEnd = new DateTimeOffset(issuer.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return notAfter > issuerEnd ? issuerEnd : notAfter;
    }
}
