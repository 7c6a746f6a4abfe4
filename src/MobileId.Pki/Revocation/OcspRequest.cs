using System.Diagnostics.CodeAnalysis;

namespace MobileId.Pki.Revocation;

/// <summary>A parsed OCSPRequest (RFC 6960 §4.1.1): what the server must look up and echo.</summary>
public sealed class OcspRequest
{
    internal OcspRequest(IReadOnlyList<OcspCertId> certIds, ReadOnlyMemory<byte>? nonce, bool isSigned)
    {
        CertIds = certIds;
        Nonce = nonce;
        IsSigned = isSigned;
    }

    /// <summary>The certificates asked about, in request order; at least one.</summary>
    public IReadOnlyList<OcspCertId> CertIds { get; }

    /// <summary>
    /// The nonce (RFC 9654: the inner OCTET STRING, 1–128 octets), or null when the request has
    /// none. A response to a request with a nonce must echo it and so cannot come from a cache.
    /// </summary>
    public ReadOnlyMemory<byte>? Nonce { get; }

    /// <summary>Whether the request carried the optional signature, which MobileId neither requires nor checks.</summary>
    public bool IsSigned { get; }
}

/// <summary>What <see cref="OcspRequestParser.Parse"/> returns: a request, or the OCSP status to answer with.</summary>
public sealed class OcspParseResult
{
    private OcspParseResult(OcspRequest? request, OcspResponseStatus status, string? error)
    {
        Request = request;
        Status = status;
        Error = error;
    }

    /// <summary>The request, when it parsed.</summary>
    public OcspRequest? Request { get; }

    /// <summary><see cref="OcspResponseStatus.Successful"/> when the request parsed, otherwise the error status to send.</summary>
    public OcspResponseStatus Status { get; }

    /// <summary>Why the request was refused, for the log only (never sent to the client).</summary>
    public string? Error { get; }

    /// <summary>Whether the request parsed.</summary>
    [MemberNotNullWhen(true, nameof(Request))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Request is not null;

    internal static OcspParseResult Success(OcspRequest request) => new(request, OcspResponseStatus.Successful, null);

    internal static OcspParseResult Malformed(string error) => new(null, OcspResponseStatus.MalformedRequest, error);
}
