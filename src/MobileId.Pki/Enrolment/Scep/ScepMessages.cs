using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Enrolment.Scep;

/// <summary>SCEP messageType values (RFC 8894 §3.2.1.2).</summary>
public enum ScepMessageType
{
    /// <summary>The answer to every request.</summary>
    CertRep = 3,

    /// <summary>A renewal, signed with the current certificate.</summary>
    RenewalReq = 17,

    /// <summary>A first enrolment (or, signed by one of our certificates, a renewal).</summary>
    PkcsReq = 19,

    /// <summary>Polls for a pending certificate.</summary>
    CertPoll = 20,

    /// <summary>Asks for a certificate by issuer and serial number.</summary>
    GetCert = 21,

    /// <summary>Asks for the CRL of a certificate's issuer.</summary>
    GetCrl = 22,
}

/// <summary>SCEP failInfo values (RFC 8894 §3.2.1.4).</summary>
public enum ScepFailInfo
{
    /// <summary>Unrecognized or unsupported algorithm.</summary>
    BadAlg = 0,

    /// <summary>Integrity check (signature verification) failed, or the request is not authorized.</summary>
    BadMessageCheck = 1,

    /// <summary>Transaction not permitted or supported.</summary>
    BadRequest = 2,

    /// <summary>The signingTime attribute was not close enough to the system time.</summary>
    BadTime = 3,

    /// <summary>No certificate could be identified matching the criteria.</summary>
    BadCertId = 4,
}

/// <summary>A pkiMessage that cannot be answered with a CertRep: not CMS SignedData, or without a transactionID and senderNonce.</summary>
/// <param name="message">Why, for the plain-text answer.</param>
public sealed class ScepFormatException(string message) : Exception(message);

/// <summary>
/// The outer layer of a SCEP request (RFC 8894 §3): the signed attributes that a CertRep echoes,
/// the signer certificate, and whether the signature verifies. <see cref="Envelope"/> is the
/// still-encrypted pkcsPKIEnvelope.
/// </summary>
/// <param name="MessageType">The messageType attribute as sent (a decimal number), or empty.</param>
/// <param name="TransactionId">The transactionID attribute value as sent (DER), echoed unchanged.</param>
/// <param name="SenderNonce">The senderNonce, echoed as the CertRep's recipientNonce.</param>
/// <param name="Signer">The signer's certificate, when the message carries it.</param>
/// <param name="SignatureValid">Whether the signature verifies with <paramref name="Signer"/>.</param>
/// <param name="DigestOid">The signer's digest algorithm OID.</param>
/// <param name="Envelope">The pkcsPKIEnvelope (CMS EnvelopedData), still encrypted.</param>
public sealed record ScepRequest(string MessageType, byte[] TransactionId, byte[] SenderNonce, X509Certificate2? Signer, bool SignatureValid,
    string DigestOid, byte[] Envelope);

/// <summary>A CertRep to send: SUCCESS with the enveloped content, or FAILURE with failInfo and its text.</summary>
/// <param name="Envelope">The pkcsPKIEnvelope of a SUCCESS.</param>
/// <param name="FailInfo">The failInfo of a FAILURE.</param>
/// <param name="FailText">The failInfoText of a FAILURE.</param>
public sealed record ScepReply(byte[]? Envelope, ScepFailInfo? FailInfo = null, string? FailText = null)
{
    /// <summary>A FAILURE with this failInfo and text.</summary>
    /// <param name="info">The failInfo.</param>
    /// <param name="text">The failInfoText.</param>
    /// <returns>The reply.</returns>
    public static ScepReply Fail(ScepFailInfo info, string text) => new(null, info, text);
}
