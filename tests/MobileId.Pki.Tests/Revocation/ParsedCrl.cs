using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Tests.Revocation;

internal sealed record ParsedExtension(string Oid, bool Critical, byte[] Value);

internal sealed record ParsedEntry(byte[] SerialContent, Asn1Tag TimeTag, DateTimeOffset RevokedAt, IReadOnlyList<ParsedExtension> Extensions);

/// <summary>
/// An independent reading of a CRL with <see cref="AsnReader"/> (RFC 5280 §5.1), strict DER, for checks that
/// openssl's text output does not show, and a .NET check of its signature.
/// </summary>
internal sealed record ParsedCrl(
    byte[] TbsDer,
    byte[] TbsSignatureAlgorithm,
    byte[] SignatureAlgorithm,
    byte[] Signature,
    BigInteger Version,
    byte[] IssuerDer,
    Asn1Tag ThisUpdateTag,
    DateTimeOffset ThisUpdate,
    Asn1Tag NextUpdateTag,
    DateTimeOffset NextUpdate,
    bool HasRevokedCertificates,
    IReadOnlyList<ParsedEntry> Entries,
    IReadOnlyList<ParsedExtension> Extensions)
{
    public static ParsedCrl Parse(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var list = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var tbsDer = list.ReadEncodedValue().ToArray();
        var signatureAlgorithm = list.ReadEncodedValue().ToArray();
        var signature = list.ReadBitString(out var unused);
        Assert.Equal(0, unused);
        list.ThrowIfNotEmpty();

        var tbs = new AsnReader(tbsDer, AsnEncodingRules.DER).ReadSequence();
        var version = tbs.ReadInteger();
        var tbsAlgorithm = tbs.ReadEncodedValue().ToArray();
        var issuer = tbs.ReadEncodedValue().ToArray();
        var (thisTag, thisUpdate) = ReadTime(tbs);
        var (nextTag, nextUpdate) = ReadTime(tbs);
        var entries = new List<ParsedEntry>();
        var hasRevoked = tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence);
        if (hasRevoked)
        {
            var revoked = tbs.ReadSequence();
            while (revoked.HasData)
            {
                var entry = revoked.ReadSequence();
                var serial = entry.ReadIntegerBytes().ToArray();
                var (timeTag, revokedAt) = ReadTime(entry);
                var extensions = entry.HasData ? ReadExtensions(entry) : [];
                entry.ThrowIfNotEmpty();
                entries.Add(new ParsedEntry(serial, timeTag, revokedAt, extensions));
            }
        }

        var crlExtensions = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
        var parsedExtensions = ReadExtensions(crlExtensions);
        crlExtensions.ThrowIfNotEmpty();
        tbs.ThrowIfNotEmpty();
        return new ParsedCrl(tbsDer, tbsAlgorithm, signatureAlgorithm, signature, version, issuer, thisTag, thisUpdate, nextTag, nextUpdate,
            hasRevoked, entries, parsedExtensions);
    }

    public ParsedExtension Extension(string oid) => Extensions.Single(e => e.Oid == oid);

    public static BigInteger ReadInteger(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var value = reader.ReadInteger();
        reader.ThrowIfNotEmpty();
        return value;
    }

    /// <summary>Verifies the signature with the issuer's public key, after checking both algorithm identifiers agree.</summary>
    public bool SignatureVerifiesWith(X509Certificate2 issuer)
    {
        if (!TbsSignatureAlgorithm.AsSpan().SequenceEqual(SignatureAlgorithm))
        {
            return false;
        }

        var reader = new AsnReader(SignatureAlgorithm, AsnEncodingRules.DER).ReadSequence();
        var (ecdsa, hash) = reader.ReadObjectIdentifier() switch
        {
            "1.2.840.10045.4.3.2" => (true, HashAlgorithmName.SHA256),
            "1.2.840.10045.4.3.3" => (true, HashAlgorithmName.SHA384),
            "1.2.840.10045.4.3.4" => (true, HashAlgorithmName.SHA512),
            "1.2.840.113549.1.1.11" => (false, HashAlgorithmName.SHA256),
            "1.2.840.113549.1.1.12" => (false, HashAlgorithmName.SHA384),
            "1.2.840.113549.1.1.13" => (false, HashAlgorithmName.SHA512),
            var other => throw new InvalidOperationException($"Unexpected signature algorithm {other}."),
        };
        if (ecdsa)
        {
            using var ec = issuer.GetECDsaPublicKey();
            return ec is not null && ec.VerifyData(TbsDer, Signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        using var rsa = issuer.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(TbsDer, Signature, hash, RSASignaturePadding.Pkcs1);
    }

    /// <summary>Parses the CRL and asserts that the issuer's key verifies it (every CRL a test builds goes through here).</summary>
    public static ParsedCrl ParseSignedBy(byte[] der, X509Certificate2 issuer)
    {
        var crl = Parse(der);
        Assert.True(crl.SignatureVerifiesWith(issuer), $"the CRL signature does not verify with {issuer.Subject}");
        return crl;
    }

    private static (Asn1Tag Tag, DateTimeOffset Value) ReadTime(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.UtcTime)))
        {
            return (tag, reader.ReadUtcTime(twoDigitYearMax: 2049));
        }

        return (tag, reader.ReadGeneralizedTime());
    }

    private static List<ParsedExtension> ReadExtensions(AsnReader reader)
    {
        var extensions = new List<ParsedExtension>();
        var sequence = reader.ReadSequence();
        while (sequence.HasData)
        {
            var extension = sequence.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = false;
            if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
            {
                critical = extension.ReadBoolean();
                Assert.True(critical, $"{oid}: DER never encodes the default critical FALSE");
            }

            var value = extension.ReadOctetString();
            extension.ThrowIfNotEmpty();
            extensions.Add(new ParsedExtension(oid, critical, value));
        }

        return extensions;
    }
}
