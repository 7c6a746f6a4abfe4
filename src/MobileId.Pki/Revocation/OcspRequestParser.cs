using System.Formats.Asn1;

namespace MobileId.Pki.Revocation;

/// <summary>
/// Reads a DER OCSPRequest (RFC 6960 §4.1.1) from untrusted bytes. Every failure is a
/// <see cref="OcspResponseStatus.MalformedRequest"/> result; no exception escapes.
/// </summary>
/// <remarks>
/// <para>Choices, each a place where the RFCs leave room:</para>
/// <list type="bullet">
/// <item>CertIDs hashed with SHA-1 (RFC 5019 §2.1.1) or SHA-256 are matched against our issuers. A CertID with any
/// other hash is still a well-formed request: it is kept with <see cref="OcspCertId.HashAlgorithm"/> null and the
/// server answers <c>unknown</c> for it (RFC 6960 §2.2: the responder does not know the certificate), rather than
/// refusing the other CertIDs of the request.</item>
/// <item>SHA-1 and SHA-256 CertIDs whose hashes have the wrong length are malformed.</item>
/// <item>The nonce (RFC 8954, RFC 9654 §2.1) must be an OCTET STRING of 1–128 octets; anything else, longer values
/// included, is malformed rather than silently ignored, so a client never takes a nonce-less answer for a fresh one.</item>
/// <item>The optional signature is parsed past and not verified: MobileId answers anyone (no sigRequired).</item>
/// <item>Unknown non-critical extensions are ignored (RFC 6960 §4.4); an unknown critical one is malformed.</item>
/// <item>Requests above <see cref="MaxRequestLength"/>, with trailing bytes, with no CertID, or not in DER are malformed.</item>
/// </list>
/// </remarks>
public static class OcspRequestParser
{
    /// <summary>The largest request accepted (64 KiB); the HTTP layer should stop reading beyond it.</summary>
    public const int MaxRequestLength = 64 * 1024;

    /// <summary>The longest nonce accepted (RFC 9654 §2.1; RFC 8954 allowed 32).</summary>
    public const int MaxNonceLength = 128;

    /// <summary>id-pkix-ocsp-nonce.</summary>
    public const string NonceOid = "1.3.6.1.5.5.7.48.1.2";

    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Explicit1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag Explicit2 = new(TagClass.ContextSpecific, 2, isConstructed: true);

    /// <summary>Parses a request.</summary>
    /// <param name="der">The request body (POST) or the base64-decoded URL path (GET).</param>
    /// <returns>The request, or <see cref="OcspResponseStatus.MalformedRequest"/> with the reason for the log.</returns>
    public static OcspParseResult Parse(ReadOnlySpan<byte> der)
    {
        if (der.IsEmpty)
        {
            return OcspParseResult.Malformed("The request is empty.");
        }

        if (der.Length > MaxRequestLength)
        {
            return OcspParseResult.Malformed($"The request has {der.Length} octets; at most {MaxRequestLength} are accepted.");
        }

        try
        {
            // Note: one copy, so that the CertIDs and the nonce can be slices of it.
            return OcspParseResult.Success(ReadRequest(der.ToArray()));
        }
        catch (AsnContentException ex)
        {
            return OcspParseResult.Malformed(ex.Message);
        }
    }

    private static OcspRequest ReadRequest(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var ocspRequest = outer.ReadSequence();
        if (outer.HasData)
        {
            throw new AsnContentException("Bytes follow the OCSPRequest.");
        }

        var tbsRequest = ocspRequest.ReadSequence();
        var isSigned = false;
        if (ocspRequest.HasData)
        {
            SkipSignature(ocspRequest.ReadSequence(Explicit0));
            isSigned = true;
        }

        ocspRequest.ThrowIfNotEmpty();

        if (Next(tbsRequest, Explicit0))
        {
            var version = tbsRequest.ReadSequence(Explicit0);
            if (!version.TryReadInt32(out var value) || value != 0)
            {
                throw new AsnContentException("Only OCSP request version v1 (0) exists.");
            }

            version.ThrowIfNotEmpty();
        }

        if (Next(tbsRequest, Explicit1))
        {
            // requestorName: a GeneralName we do not use.
            var requestorName = tbsRequest.ReadSequence(Explicit1);
            requestorName.ReadEncodedValue();
            requestorName.ThrowIfNotEmpty();
        }

        var requestList = tbsRequest.ReadSequence();
        var certIds = new List<OcspCertId>();
        while (requestList.HasData)
        {
            certIds.Add(ReadSingleRequest(requestList.ReadSequence()));
        }

        if (certIds.Count == 0)
        {
            throw new AsnContentException("The request asks about no certificate.");
        }

        ReadOnlyMemory<byte>? nonce = null;
        if (Next(tbsRequest, Explicit2))
        {
            var wrapper = tbsRequest.ReadSequence(Explicit2);
            nonce = ReadExtensions(wrapper.ReadSequence(), understandsNonce: true);
            wrapper.ThrowIfNotEmpty();
        }

        tbsRequest.ThrowIfNotEmpty();
        return new OcspRequest(certIds, nonce, isSigned);
    }

    private static OcspCertId ReadSingleRequest(AsnReader request)
    {
        var encoded = request.PeekEncodedValue();
        var certId = request.ReadSequence();
        var algorithm = certId.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        var hash = OcspCertId.HashFromOid(oid);
        if (algorithm.HasData)
        {
            // Note: SHA-1 and SHA-256 parameters are absent or NULL (RFC 3279 §2.1, RFC 5754 §2); others are kept as they are.
            if (hash is not null)
            {
                algorithm.ReadNull();
            }
            else
            {
                algorithm.ReadEncodedValue();
            }
        }

        algorithm.ThrowIfNotEmpty();
        var issuerNameHash = ReadOctets(certId);
        var issuerKeyHash = ReadOctets(certId);
        var serialNumber = certId.ReadIntegerBytes();
        certId.ThrowIfNotEmpty();
        if (hash is { } known && (issuerNameHash.Length != OcspCertId.HashLength(known) || issuerKeyHash.Length != OcspCertId.HashLength(known)))
        {
            throw new AsnContentException($"A {known.Name} CertID has hashes of {issuerNameHash.Length} and {issuerKeyHash.Length} octets.");
        }

        if (request.HasData)
        {
            var wrapper = request.ReadSequence(Explicit0);
            ReadExtensions(wrapper.ReadSequence(), understandsNonce: false);
            wrapper.ThrowIfNotEmpty();
        }

        request.ThrowIfNotEmpty();
        return new OcspCertId(oid, issuerNameHash, issuerKeyHash, serialNumber, encoded);
    }

    /// <summary>Reads Extensions (RFC 5280 §4.1): SIZE (1..MAX), each OID at most once.</summary>
    private static ReadOnlyMemory<byte>? ReadExtensions(AsnReader extensions, bool understandsNonce)
    {
        ReadOnlyMemory<byte>? nonce = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        do
        {
            var extension = extensions.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = Next(extension, Asn1Tag.Boolean) && extension.ReadBoolean();
            var value = ReadOctets(extension);
            extension.ThrowIfNotEmpty();
            if (!seen.Add(oid))
            {
                throw new AsnContentException($"The extension {oid} appears twice.");
            }

            if (understandsNonce && oid == NonceOid)
            {
                nonce = ReadNonce(value);
            }
            else if (critical)
            {
                throw new AsnContentException($"The critical extension {oid} is not understood.");
            }
        }
        while (extensions.HasData);

        return nonce;
    }

    private static ReadOnlyMemory<byte> ReadNonce(ReadOnlyMemory<byte> extensionValue)
    {
        // RFC 9654 §2.1: Nonce ::= OCTET STRING (SIZE(1..128)), DER-encoded inside extnValue.
        var reader = new AsnReader(extensionValue, AsnEncodingRules.DER);
        var nonce = ReadOctets(reader);
        reader.ThrowIfNotEmpty();
        if (nonce.Length is 0 or > MaxNonceLength)
        {
            throw new AsnContentException($"The nonce has {nonce.Length} octets; RFC 9654 allows 1 to {MaxNonceLength}.");
        }

        return nonce;
    }

    private static void SkipSignature(AsnReader wrapper)
    {
        // Signature ::= SEQUENCE { signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
        var signature = wrapper.ReadSequence();
        wrapper.ThrowIfNotEmpty();
        var algorithm = signature.ReadSequence();
        algorithm.ReadObjectIdentifier();
        if (algorithm.HasData)
        {
            algorithm.ReadEncodedValue();
        }

        algorithm.ThrowIfNotEmpty();
        if (!signature.TryReadPrimitiveBitString(out _, out _))
        {
            throw new AsnContentException("The request signature is not a primitive BIT STRING.");
        }

        if (signature.HasData)
        {
            var certsWrapper = signature.ReadSequence(Explicit0);
            var certs = certsWrapper.ReadSequence();
            while (certs.HasData)
            {
                certs.ReadSequence();
            }

            certsWrapper.ThrowIfNotEmpty();
        }

        signature.ThrowIfNotEmpty();
    }

    private static ReadOnlyMemory<byte> ReadOctets(AsnReader reader) =>
        reader.TryReadPrimitiveOctetString(out var value) ? value : throw new AsnContentException("A constructed OCTET STRING is not DER.");

    private static bool Next(AsnReader reader, Asn1Tag tag) => reader.HasData && reader.PeekTag().HasSameClassAndValue(tag);
}
