namespace MobileId.Pki.Revocation;

/// <summary>The OCSPResponseStatus values (RFC 6960 §4.2.1); 4 is not used.</summary>
public enum OcspResponseStatus
{
    /// <summary>The response has valid confirmations (a BasicOCSPResponse follows).</summary>
    Successful = 0,

    /// <summary>The request does not conform to the OCSP syntax.</summary>
    MalformedRequest = 1,

    /// <summary>The responder reached an inconsistent internal state.</summary>
    InternalError = 2,

    /// <summary>The responder cannot answer now; the client may try again later.</summary>
    TryLater = 3,

    /// <summary>The request must be signed.</summary>
    SigRequired = 5,

    /// <summary>The client may not query this responder, e.g. about a CA the responder does not serve (RFC 5019 §2.2.3).</summary>
    Unauthorized = 6,
}
