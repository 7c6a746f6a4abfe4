using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Revocation;

/// <summary>
/// Writes v2 CRLs and delta CRLs (RFC 5280 §5) signed through an <see cref="ISigningKey"/>, in time linear in
/// the number of entries (a million entries in well under a second), unlike
/// <see cref="CertificateRevocationListBuilder"/>, which is quadratic.
/// </summary>
/// <remarks>
/// Every CRL carries thisUpdate, nextUpdate, the authority key identifier (the issuer's subject key
/// identifier) and a cRLNumber. Full and delta CRLs of one CA share one number sequence
/// (RFC 5280 §5.2.3); the caller allocates the numbers. Entries are written in the order given.
/// </remarks>
public static class CrlBuilder
{
    /// <summary>reasonCode (RFC 5280 §5.3.1).</summary>
    internal const string ReasonCodeOid = "2.5.29.21";

    private const string AuthorityKeyIdentifierOid = "2.5.29.35";
    private const string CrlNumberOid = "2.5.29.20";
    private const string DeltaCrlIndicatorOid = "2.5.29.27";
    private const string FreshestCrlOid = "2.5.29.46";

    /// <summary>Largest cRLNumber, in DER INTEGER content octets (RFC 5280 §5.2.3).</summary>
    private const int MaxCrlNumberOctets = 20;

    /// <summary>Builds a full CRL.</summary>
    /// <param name="issuer">The CA certificate; its subject becomes the CRL issuer, its subject key identifier the AKI.</param>
    /// <param name="issuerKey">The CA's private key (must match <paramref name="issuer"/>).</param>
    /// <param name="entries">The revoked certificates, read once; <see cref="RevocationReason.RemoveFromCrl"/> is refused.</param>
    /// <param name="crlNumber">This CRL's number: at most 20 octets, greater than every number issued before.</param>
    /// <param name="thisUpdate">The issue time.</param>
    /// <param name="nextUpdate">When the next CRL will be out, after <paramref name="thisUpdate"/>.</param>
    /// <param name="freshestCrlUrl">An http URL of the delta CRL, advertised in the freshestCRL extension (RFC 5280 §5.2.6); null for none.</param>
    /// <returns>The DER CRL.</returns>
    /// <exception cref="ArgumentException">An argument breaks RFC 5280 §5 (see the message).</exception>
    public static byte[] BuildFull(X509Certificate2 issuer, ISigningKey issuerKey, IEnumerable<RevokedEntry> entries, BigInteger crlNumber,
        DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, string? freshestCrlUrl)
    {
        byte[]? freshest = null;
        if (freshestCrlUrl is not null)
        {
            if (!Uri.TryCreate(freshestCrlUrl, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            {
                throw new ArgumentException($"The delta CRL location must be an absolute http URL (RFC 5280 §4.2.1.13); '{freshestCrlUrl}' is not.",
                    nameof(freshestCrlUrl));
            }

            // Note: freshestCRL has the syntax of cRLDistributionPoints (RFC 5280 §5.2.6).
            freshest = CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([freshestCrlUrl]).RawData;
        }

        return Build(issuer, issuerKey, entries, crlNumber, baseCrlNumber: null, thisUpdate, nextUpdate, freshest);
    }

    /// <summary>Builds a delta CRL (RFC 5280 §5.2.4): the changes since the full CRL numbered <paramref name="baseCrlNumber"/>.</summary>
    /// <param name="issuer">The CA certificate; its subject becomes the CRL issuer, its subject key identifier the AKI.</param>
    /// <param name="issuerKey">The CA's private key (must match <paramref name="issuer"/>).</param>
    /// <param name="entries">Revocations since the base, and lifted holds as <see cref="RevocationReason.RemoveFromCrl"/>; read once.</param>
    /// <param name="crlNumber">This CRL's number, from the same sequence as the full CRLs and greater than <paramref name="baseCrlNumber"/>.</param>
    /// <param name="baseCrlNumber">The number of the full CRL this delta updates (the critical deltaCRLIndicator).</param>
    /// <param name="thisUpdate">The issue time.</param>
    /// <param name="nextUpdate">When the next delta CRL will be out, after <paramref name="thisUpdate"/>.</param>
    /// <returns>The DER delta CRL.</returns>
    /// <exception cref="ArgumentException">An argument breaks RFC 5280 §5 (see the message).</exception>
    public static byte[] BuildDelta(X509Certificate2 issuer, ISigningKey issuerKey, IEnumerable<RevokedEntry> entries, BigInteger crlNumber,
        BigInteger baseCrlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        CheckCrlNumber(baseCrlNumber, nameof(baseCrlNumber));
        if (baseCrlNumber >= crlNumber)
        {
            throw new ArgumentException($"A delta CRL's number ({crlNumber}) must be greater than its base CRL's ({baseCrlNumber}).", nameof(crlNumber));
        }

        // Note: a delta CRL never carries freshestCRL (RFC 5280 §5.2.6).
        return Build(issuer, issuerKey, entries, crlNumber, baseCrlNumber, thisUpdate, nextUpdate, freshestCrl: null);
    }

    private static byte[] Build(X509Certificate2 issuer, ISigningKey issuerKey, IEnumerable<RevokedEntry> entries, BigInteger crlNumber,
        BigInteger? baseCrlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, byte[]? freshestCrl)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(issuerKey);
        ArgumentNullException.ThrowIfNull(entries);
        CheckCrlNumber(crlNumber, nameof(crlNumber));
        if (nextUpdate <= thisUpdate)
        {
            throw new ArgumentException($"nextUpdate ({nextUpdate:O}) must be after thisUpdate ({thisUpdate:O}).", nameof(nextUpdate));
        }

        var keyIdentifier = CheckIssuer(issuer, issuerKey);
        var hash = issuerKey.Algorithm.Hash();
        var algorithmIdentifier = SignatureAlgorithm.Identifier(issuerKey.Algorithm, hash);

        // TBSCertList fields before revokedCertificates (RFC 5280 §5.1.2).
        var head = new AsnWriter(AsnEncodingRules.DER);
        // v2 (RFC 5280 §5.1.2.1): required because the CRL has extensions.
        head.WriteInteger(1);
        // Note: the same AlgorithmIdentifier as the outer signatureAlgorithm, byte for byte (RFC 5280 §5.1.1.2).
        head.WriteEncodedValue(algorithmIdentifier);
        // The CA's subject DN exactly as encoded in its certificate (RFC 5280 §5.1.2.3).
        head.WriteEncodedValue(issuer.SubjectName.RawData);
        WriteTime(head, thisUpdate);
        WriteTime(head, nextUpdate);
        var headBytes = head.Encode();

        // The CRL is written inside out into one buffer: entries, their SEQUENCE header, the fields before
        // them, the extensions after them, the TBS header; then the signature and the outer header.
        var expected = entries.TryGetNonEnumeratedCount(out var count) ? (long)count * RevokedCertificatesEncoder.MaxEntryLength : 0;
        var crl = new DerBuffer(headBytes.Length + 3 * DerBuffer.MaxHeaderLength, (int)Math.Min(expected + 1024, Array.MaxLength));
        var revoked = new RevokedCertificatesEncoder(crl, delta: baseCrlNumber is not null);
        foreach (var entry in entries)
        {
            revoked.Add(entry);
        }

        // Note: with no entries the field is absent, never an empty SEQUENCE (RFC 5280 §5.1.2.6).
        if (revoked.Count > 0)
        {
            crl.PrependHeader(0x30);
        }

        crl.Prepend(headBytes);
        var extensions = new AsnWriter(AsnEncodingRules.DER);
        using (extensions.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
        using (extensions.PushSequence())
        {
            WriteExtension(extensions, AuthorityKeyIdentifierOid, critical: false, AuthorityKeyIdentifier(keyIdentifier));
            WriteExtension(extensions, CrlNumberOid, critical: false, Integer(crlNumber));
            if (baseCrlNumber is { } baseNumber)
            {
                // RFC 5280 §5.2.4: deltaCRLIndicator is critical.
                WriteExtension(extensions, DeltaCrlIndicatorOid, critical: true, Integer(baseNumber));
            }

            if (freshestCrl is not null)
            {
                WriteExtension(extensions, FreshestCrlOid, critical: false, freshestCrl);
            }
        }

        crl.Append(extensions.Encode());
        crl.PrependHeader(0x30);

        var signature = new AsnWriter(AsnEncodingRules.DER);
        signature.WriteEncodedValue(algorithmIdentifier);
        signature.WriteBitString(issuerKey.SignData(crl.Written, hash));
        crl.Append(signature.Encode());
        crl.PrependHeader(0x30);
        return crl.ToArray();
    }

    /// <summary>Writes one Extension (RFC 5280 §4.1): extnID, critical only when true (DER omits a default), extnValue.</summary>
    /// <param name="writer">The writer, inside the Extensions SEQUENCE.</param>
    /// <param name="oid">The extension OID.</param>
    /// <param name="critical">Whether it is critical.</param>
    /// <param name="value">The DER value wrapped in the OCTET STRING.</param>
    internal static void WriteExtension(AsnWriter writer, string oid, bool critical, ReadOnlySpan<byte> value)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            if (critical)
            {
                writer.WriteBoolean(true);
            }

            writer.WriteOctetString(value);
        }
    }

    /// <summary>Writes thisUpdate or nextUpdate: UTCTime through 2049, GeneralizedTime from 2050, whole seconds (RFC 5280 §5.1.2.4).</summary>
    private static void WriteTime(AsnWriter writer, DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        if (utc.Year is >= 1950 and <= 2049)
        {
            writer.WriteUtcTime(utc, twoDigitYearMax: 2049);
        }
        else
        {
            writer.WriteGeneralizedTime(utc, omitFractionalSeconds: true);
        }
    }

    private static void CheckCrlNumber(BigInteger number, string parameter)
    {
        if (number.Sign < 0 || number.GetByteCount() > MaxCrlNumberOctets)
        {
            throw new ArgumentException($"A CRL number must be a non-negative integer of at most {MaxCrlNumberOctets} octets (RFC 5280 §5.2.3).", parameter);
        }
    }

    private static byte[] CheckIssuer(X509Certificate2 issuer, ISigningKey issuerKey)
    {
        if (!issuer.PublicKey.EncodedKeyValue.RawData.AsSpan().SequenceEqual(issuerKey.PublicKey.EncodedKeyValue.RawData))
        {
            throw new ArgumentException($"The signing key {issuerKey.KeyId} does not belong to {issuer.Subject}.", nameof(issuerKey));
        }

        if (issuer.Extensions.OfType<X509KeyUsageExtension>().SingleOrDefault() is { } usage
            && (usage.KeyUsages & X509KeyUsageFlags.CrlSign) == 0)
        {
            throw new ArgumentException($"{issuer.Subject} may not sign CRLs: its key usage lacks cRLSign (RFC 5280 §4.2.1.3).", nameof(issuer));
        }

        var ski = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().SingleOrDefault()
            ?? throw new ArgumentException($"{issuer.Subject} has no subject key identifier for the CRL's AKI (RFC 5280 §5.2.1).", nameof(issuer));
        return ski.SubjectKeyIdentifierBytes.ToArray();
    }

    /// <summary>AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING } (RFC 5280 §4.2.1.1).</summary>
    private static byte[] AuthorityKeyIdentifier(byte[] keyIdentifier)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteOctetString(keyIdentifier, new Asn1Tag(TagClass.ContextSpecific, 0));
        }

        return writer.Encode();
    }

    private static byte[] Integer(BigInteger value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteInteger(value);
        return writer.Encode();
    }
}
