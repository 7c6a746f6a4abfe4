using System.Net;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Protocols;

/// <summary>The enrolment protocols that issue through <see cref="ProtocolEnrolment"/>.</summary>
public enum EnrolmentProtocol
{
    Scep,
    Est,
    Ota,
}

/// <summary>Why an enrolment was refused; each protocol maps it to its own error form (SCEP failInfo, EST HTTP status).</summary>
public enum EnrolmentFailure
{
    /// <summary>SCEP badRequest; EST 400. The request is not acceptable (used challenge, wrong profile, CA retired …).</summary>
    BadRequest,

    /// <summary>SCEP badAlg; EST 400. The key type is not the policy's.</summary>
    BadAlg,

    /// <summary>SCEP badCertId; EST 404. No certificate of ours matches.</summary>
    BadCertId,

    /// <summary>SCEP badTime; EST 400. The certificate to renew has expired.</summary>
    BadTime,

    /// <summary>SCEP badMessageCheck; EST 401. The challenge or certificate does not authenticate the request.</summary>
    Unauthorized,
}

/// <summary>What a device tells about itself (iOS OTA attributes, or what a CSR names).</summary>
public sealed record EnrolmentDevice(string SerialNumber, string? Platform = null, string? Model = null, string? OsVersion = null);

/// <summary>An issued certificate, its CA chain (issuing CA first) and, for server-made keys, the PKCS#8 private key (the caller zeroes it).</summary>
public sealed record Enrolled(IssuedCertificate Certificate, IReadOnlyList<byte[]> Chain, byte[]? PrivateKey = null);

/// <summary>An enrolment's outcome: <see cref="Value"/>, or <see cref="Failure"/> with a message for the client.</summary>
public sealed record EnrolmentResult(Enrolled? Value, EnrolmentFailure Failure = EnrolmentFailure.BadRequest, string? Message = null)
{
    public bool IsSuccess => Value is not null;

    public static EnrolmentResult Refused(EnrolmentFailure failure, string message) => new(null, failure, message);
}

/// <summary>How a challenge enrolment runs.</summary>
/// <param name="User">EST HTTP Basic user name: must be the request's person's logon name.</param>
/// <param name="ServerKey">EST serverkeygen: the server makes the key (of the policy's algorithm); the CSR only names the request.</param>
/// <param name="Device">What the device says about itself; otherwise the device is named by the CSR (subject serialNumber, else CN).</param>
public sealed record EnrolmentOptions(string? User = null, bool ServerKey = false, EnrolmentDevice? Device = null);

/// <summary>One enrolment as an authenticator sees it: who asks (<see cref="Caller"/>), over which protocol, with what.</summary>
/// <param name="Challenge">The challenge password (SCEP) or HTTP Basic password (EST), when the protocol sends one.</param>
/// <param name="Current">The certificate of ours that signed a renewal, when this is one.</param>
/// <param name="Address">The client's address, for throttling wrong challenges.</param>
public sealed record EnrolmentAttempt(Caller Caller, EnrolmentProtocol Protocol, CertificateRequest Csr, EnrolmentOptions Options,
    string? Challenge = null, X509Certificate2? Current = null, IPAddress? Address = null);

/// <summary>
/// How an enrolment protocol proves who the enrolling device or person is (a one-time challenge, a
/// profile's static challenge, a certificate of ours for a renewal …) and, when it does, issues
/// through <see cref="EnrolmentIssuer"/>. A new protocol is a folder with its wire format plus,
/// when it proves identity a new way, one authenticator.
/// </summary>
public interface IEnrolmentAuthenticator
{
    /// <summary>The enrolment decision: issued, or refused (audited); null when this way of proving does not apply to the attempt.</summary>
    Task<EnrolmentResult?> EnrolAsync(EnrolmentAttempt attempt, CancellationToken cancellationToken);
}
