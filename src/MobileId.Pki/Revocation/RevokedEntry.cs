namespace MobileId.Pki.Revocation;

/// <summary>CRL reason codes (RFC 5280 §5.3.1); the numeric values are the DER ENUMERATED values.</summary>
public enum RevocationReason
{
    /// <summary>No reason given. Never written: the entry then carries no reason code extension (RFC 5280 §5.3.1).</summary>
    Unspecified = 0,

    /// <summary>The subject's private key is known or suspected to be compromised.</summary>
    KeyCompromise = 1,

    /// <summary>The CA's private key is known or suspected to be compromised.</summary>
    CaCompromise = 2,

    /// <summary>The subject's name or other information changed.</summary>
    AffiliationChanged = 3,

    /// <summary>The certificate was replaced.</summary>
    Superseded = 4,

    /// <summary>The certificate is no longer needed.</summary>
    CessationOfOperation = 5,

    /// <summary>Temporarily suspended (MobileId's "Disable ID"); may be lifted later.</summary>
    CertificateHold = 6,

    /// <summary>A hold was lifted. Legal only in a delta CRL (RFC 5280 §5.3.1).</summary>
    RemoveFromCrl = 8,

    /// <summary>A privilege granted by the certificate was withdrawn.</summary>
    PrivilegeWithdrawn = 9,

    /// <summary>An attribute authority's key is known or suspected to be compromised.</summary>
    AaCompromise = 10,
}

/// <summary>One revokedCertificates entry of a CRL (RFC 5280 §5.1.2.6).</summary>
/// <param name="Serial">
/// The certificate serial number as big-endian unsigned octets (as <see cref="SerialNumbers.Create"/> makes them);
/// leading zero octets are dropped, and the value must be positive and fit a DER INTEGER of at most 20 octets.
/// </param>
/// <param name="RevokedAt">When the certificate was revoked (written in UTC, whole seconds).</param>
/// <param name="Reason">The reason code; null or <see cref="RevocationReason.Unspecified"/> writes no reason extension.</param>
public sealed record RevokedEntry(ReadOnlyMemory<byte> Serial, DateTimeOffset RevokedAt, RevocationReason? Reason);
