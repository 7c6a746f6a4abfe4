using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Revocation;

/// <summary>The CertStatus choices (RFC 6960 §4.2.1).</summary>
public enum OcspCertStatus
{
    /// <summary>Issued by us and not revoked.</summary>
    Good,

    /// <summary>Revoked, permanently or on hold (certificateHold).</summary>
    Revoked,

    /// <summary>
    /// Not known: MobileId's answer for a serial the CA never issued and for a CertID it cannot match
    /// (rather than RFC 6960 §2.2's "revoked, certificateHold, 1970-01-01" with extended-revoke).
    /// </summary>
    Unknown,
}

/// <summary>One SingleResponse (RFC 6960 §4.2.1): the status of one requested certificate.</summary>
public sealed class OcspSingleResponse
{
    private OcspSingleResponse(OcspCertId certId, OcspCertStatus status, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate,
        DateTimeOffset? revocationTime, X509RevocationReason reason)
    {
        ArgumentNullException.ThrowIfNull(certId);
        if (nextUpdate <= thisUpdate)
        {
            throw new ArgumentException("nextUpdate must come after thisUpdate.", nameof(nextUpdate));
        }

        CertId = certId;
        Status = status;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        RevocationTime = revocationTime;
        RevocationReason = reason;
    }

    /// <summary>The CertID, echoed exactly as requested.</summary>
    public OcspCertId CertId { get; }

    /// <summary>The status.</summary>
    public OcspCertStatus Status { get; }

    /// <summary>When the status was known to be correct (e.g. when the revocation data was last read).</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>When newer information will be available; always set (RFC 5019 §2.2.4). Caches keep the response until then.</summary>
    public DateTimeOffset NextUpdate { get; }

    /// <summary>When the certificate was revoked; only for <see cref="OcspCertStatus.Revoked"/>.</summary>
    public DateTimeOffset? RevocationTime { get; }

    /// <summary>The reason; <see cref="X509RevocationReason.Unspecified"/> is sent by omitting it (RFC 5280 §5.3.1).</summary>
    public X509RevocationReason RevocationReason { get; }

    /// <summary>A certificate we issued and did not revoke.</summary>
    /// <param name="certId">The requested CertID.</param>
    /// <param name="thisUpdate">When the status was known to be correct.</param>
    /// <param name="nextUpdate">When newer information will be available.</param>
    /// <returns>The single response.</returns>
    public static OcspSingleResponse Good(OcspCertId certId, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate) =>
        new(certId, OcspCertStatus.Good, thisUpdate, nextUpdate, null, X509RevocationReason.Unspecified);

    /// <summary>A revoked (or held) certificate.</summary>
    /// <param name="certId">The requested CertID.</param>
    /// <param name="revocationTime">When it was revoked.</param>
    /// <param name="reason">The CRL reason; removeFromCRL (delta CRLs only) and values outside RFC 5280 are refused.</param>
    /// <param name="thisUpdate">When the status was known to be correct.</param>
    /// <param name="nextUpdate">When newer information will be available.</param>
    /// <returns>The single response.</returns>
    public static OcspSingleResponse Revoked(OcspCertId certId, DateTimeOffset revocationTime, X509RevocationReason reason,
        DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        if (reason is X509RevocationReason.RemoveFromCrl || !Enum.IsDefined(reason) || (int)reason > (int)X509RevocationReason.AACompromise)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a revocation reason an OCSP response can carry.");
        }

        return new(certId, OcspCertStatus.Revoked, thisUpdate, nextUpdate, revocationTime, reason);
    }

    /// <summary>A certificate the responder does not know (a serial never issued, or a CertID it cannot match).</summary>
    /// <param name="certId">The requested CertID.</param>
    /// <param name="thisUpdate">When the status was known to be correct.</param>
    /// <param name="nextUpdate">When newer information will be available.</param>
    /// <returns>The single response.</returns>
    public static OcspSingleResponse Unknown(OcspCertId certId, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate) =>
        new(certId, OcspCertStatus.Unknown, thisUpdate, nextUpdate, null, X509RevocationReason.Unspecified);
}
