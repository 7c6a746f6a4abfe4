using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Revocation;

/// <summary>
/// Writes OCSPResponses (RFC 6960 §4.2.1, RFC 5019 profile): BasicOCSPResponses signed by a
/// responder key, and bare error statuses.
/// </summary>
/// <remarks>
/// The responder is either the issuing CA itself or a delegated responder certificate from
/// <see cref="OcspResponderCertificate"/>; either way the certificate goes into <c>certs</c>
/// and the ResponderID is byKey (RFC 5019 §2.2.2).
/// </remarks>
public sealed class OcspResponseBuilder
{
    /// <summary>id-pkix-ocsp-basic.</summary>
    public const string BasicResponseOid = "1.3.6.1.5.5.7.48.1.1";

    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Explicit1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag Explicit2 = new(TagClass.ContextSpecific, 2, isConstructed: true);
    private static readonly Asn1Tag Implicit0 = new(TagClass.ContextSpecific, 0);
    private static readonly Asn1Tag Implicit1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag Implicit2 = new(TagClass.ContextSpecific, 2);

    private readonly ISigningKey _key;
    private readonly byte[] _certificate;
    private readonly byte[] _responderKeyHash;
    private readonly byte[] _signatureAlgorithm;
    private readonly HashAlgorithmName _hash;

    /// <summary>Prepares a builder for one responder.</summary>
    /// <param name="responderKey">The key that signs (the CA key or the delegated responder's key); not disposed here.</param>
    /// <param name="responderCertificate">Its certificate, sent in <c>certs</c>.</param>
    /// <exception cref="ArgumentException">The certificate is not the key's.</exception>
    public OcspResponseBuilder(ISigningKey responderKey, X509Certificate2 responderCertificate)
    {
        ArgumentNullException.ThrowIfNull(responderKey);
        ArgumentNullException.ThrowIfNull(responderCertificate);
        if (!responderCertificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(responderKey.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new ArgumentException($"The certificate {responderCertificate.Subject} is not for the key {responderKey.KeyId}.", nameof(responderCertificate));
        }

        _key = responderKey;
        _certificate = responderCertificate.RawData;
        // Note: KeyHash is the SHA-1 of the subjectPublicKey BIT STRING contents (RFC 6960 §4.2.1); SHA-1 is what the RFC fixes here.
        _responderKeyHash = SHA1.HashData(responderCertificate.PublicKey.EncodedKeyValue.RawData);
        _hash = responderKey.Algorithm.Hash();
        _signatureAlgorithm = SignatureAlgorithm.Identifier(responderKey.Algorithm, _hash);
    }

    /// <summary>The ResponderID byKey value: SHA-1 of the responder's public key bits.</summary>
    public ReadOnlyMemory<byte> ResponderKeyHash => _responderKeyHash;

    /// <summary>Builds and signs a successful response.</summary>
    /// <param name="responses">One single response per requested CertID, in request order.</param>
    /// <param name="producedAt">When the response is signed (from the server's <see cref="TimeProvider"/>).</param>
    /// <param name="nonce">The request's nonce to echo (<see cref="OcspRequest.Nonce"/>); null for a response that may be cached.</param>
    /// <returns>The DER OCSPResponse.</returns>
    /// <exception cref="ArgumentException">No single response, or a nonce outside 1–128 octets.</exception>
    public byte[] Build(IReadOnlyCollection<OcspSingleResponse> responses, DateTimeOffset producedAt, ReadOnlyMemory<byte>? nonce = null)
    {
        ArgumentNullException.ThrowIfNull(responses);
        if (responses.Count == 0)
        {
            throw new ArgumentException("A response answers at least one CertID.", nameof(responses));
        }

        if (nonce is { Length: 0 or > OcspRequestParser.MaxNonceLength })
        {
            throw new ArgumentException($"A nonce has 1 to {OcspRequestParser.MaxNonceLength} octets.", nameof(nonce));
        }

        var tbs = WriteResponseData(responses, producedAt, nonce);
        var signature = _key.SignData(tbs, _hash);

        var basic = new AsnWriter(AsnEncodingRules.DER);
        using (basic.PushSequence())
        {
            basic.WriteEncodedValue(tbs);
            basic.WriteEncodedValue(_signatureAlgorithm);
            basic.WriteBitString(signature);
            using (basic.PushSequence(Explicit0))
            using (basic.PushSequence())
            {
                basic.WriteEncodedValue(_certificate);
            }
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEnumeratedValue(OcspResponseStatus.Successful);
            using (writer.PushSequence(Explicit0))
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(BasicResponseOid);
                writer.WriteOctetString(basic.Encode());
            }
        }

        return writer.Encode();
    }

    /// <summary>An unsuccessful response: the status alone, without responseBytes (RFC 6960 §4.2.1).</summary>
    /// <param name="status">malformedRequest, internalError, tryLater, sigRequired or unauthorized.</param>
    /// <returns>The DER OCSPResponse (5 octets).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="OcspResponseStatus.Successful"/> or an undefined value.</exception>
    public static byte[] Error(OcspResponseStatus status)
    {
        if (status == OcspResponseStatus.Successful || !Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "An error response needs an error status.");
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEnumeratedValue(status);
        }

        return writer.Encode();
    }

    private byte[] WriteResponseData(IReadOnlyCollection<OcspSingleResponse> responses, DateTimeOffset producedAt, ReadOnlyMemory<byte>? nonce)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            // version is DEFAULT v1 and so absent in DER.
            using (writer.PushSequence(Explicit2))
            {
                writer.WriteOctetString(_responderKeyHash);
            }

            WriteTime(writer, producedAt);
            using (writer.PushSequence())
            {
                foreach (var response in responses)
                {
                    WriteSingleResponse(writer, response);
                }
            }

            if (nonce is { } value)
            {
                var inner = new AsnWriter(AsnEncodingRules.DER);
                inner.WriteOctetString(value.Span);
                using (writer.PushSequence(Explicit1))
                using (writer.PushSequence())
                using (writer.PushSequence())
                {
                    // Note: not critical (RFC 6960 §4.4: the critical flag SHOULD NOT be set).
                    writer.WriteObjectIdentifier(OcspRequestParser.NonceOid);
                    writer.WriteOctetString(inner.Encode());
                }
            }
        }

        return writer.Encode();
    }

    private static void WriteSingleResponse(AsnWriter writer, OcspSingleResponse response)
    {
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(response.CertId.Encoded.Span);
            switch (response.Status)
            {
                case OcspCertStatus.Good:
                    writer.WriteNull(Implicit0);
                    break;
                case OcspCertStatus.Revoked:
                    using (writer.PushSequence(Implicit1))
                    {
                        WriteTime(writer, response.RevocationTime!.Value);
                        if (response.RevocationReason != X509RevocationReason.Unspecified)
                        {
                            using (writer.PushSequence(Explicit0))
                            {
                                writer.WriteEnumeratedValue(response.RevocationReason);
                            }
                        }
                    }

                    break;
                case OcspCertStatus.Unknown:
                    writer.WriteNull(Implicit2);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(response), response.Status, "Unknown certificate status.");
            }

            WriteTime(writer, response.ThisUpdate);
            using (writer.PushSequence(Explicit0))
            {
                WriteTime(writer, response.NextUpdate);
            }
        }
    }

    // RFC 5280 §4.1.2.5.2 GeneralizedTime: UTC, whole seconds, "YYYYMMDDHHMMSSZ".
    private static void WriteTime(AsnWriter writer, DateTimeOffset time) =>
        writer.WriteGeneralizedTime(time.ToUniversalTime(), omitFractionalSeconds: true);
}
