using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Protocols;

/// <summary>
/// Issues certificates for SCEP, EST and iOS OTA (PRODUCT.md §9), as normal MobileId certificates:
/// audited, on the person and the device, revocable and renewable. A first enrolment is
/// authenticated by a one-time code released for a request of a <i>Device Identity (Only)</i>
/// profile with <b>Require Challenge</b> (single use, expiring, issued to that request's person),
/// or by a profile's static challenge; a renewal by a valid certificate of ours.
/// A retried enrolment (same key) gets the certificate already issued: nothing is issued twice.
/// </summary>
/// Each way of proving who enrols is an <see cref="IEnrolmentAuthenticator"/>; this class runs the
/// checks every challenge enrolment shares (a challenge at all, the address's throttle) and asks them in turn.
/// </summary>
public sealed class ProtocolEnrolment(ChallengeThrottle throttle, IHttpContextAccessor http, StaticChallengeAuthenticator statics,
    OneTimeChallengeAuthenticator oneTimeCodes, RenewalAuthenticator renewals, EnrolmentIssuer issuer, EnrolmentDevices devices)
{
    /// <summary>A first enrolment with a challenge (one-time code or static).</summary>
    public async Task<EnrolmentResult> EnrolAsync(EnrolmentProtocol protocol, string? challenge, CertificateRequest csr, EnrolmentOptions options,
        CancellationToken cancellationToken)
    {
        var caller = Caller.System(protocol.ToString().ToUpperInvariant());
        if (string.IsNullOrEmpty(challenge))
        {
            return await issuer.RefuseAsync(caller, null, protocol, EnrolmentFailure.Unauthorized,
                "The request has no challenge password; ask the operator for a one-time code.", cancellationToken);
        }

        var address = http.HttpContext?.Connection.RemoteIpAddress;
        if (throttle.BlockedUntil(address) is { } until)
        {
            return await issuer.RefuseAsync(caller, null, protocol, EnrolmentFailure.Unauthorized,
                $"Too many wrong challenges from this address; try again after {until.UtcDateTime:u}.", cancellationToken);
        }

        var attempt = new EnrolmentAttempt(caller, protocol, csr, options, challenge, Address: address);
        // Note: a static challenge is tried first; anything else must be a one-time code, which answers every attempt.
        return await statics.EnrolAsync(attempt, cancellationToken) ?? (await oneTimeCodes.EnrolAsync(attempt, cancellationToken))!;
    }

    /// <summary>
    /// A renewal (SCEP RenewalReq, EST simplereenroll): authenticated by <paramref name="current"/>, a
    /// certificate of ours that is valid now. The new certificate takes the old one's place (same
    /// person, policy, mobile ID slot and device) and the old one is revoked as superseded.
    /// </summary>
    public async Task<EnrolmentResult> RenewAsync(EnrolmentProtocol protocol, X509Certificate2 current, CertificateRequest csr, bool serverKey,
        CancellationToken cancellationToken) =>
        (await renewals.EnrolAsync(new EnrolmentAttempt(Caller.System(protocol.ToString().ToUpperInvariant()), protocol, csr,
            new EnrolmentOptions(ServerKey: serverKey), Current: current), cancellationToken))!;

    /// <inheritdoc cref="EnrolmentIssuer.FindByKeyAsync"/>
    public Task<Enrolled?> FindByKeyAsync(PublicKey key, CancellationToken cancellationToken) => issuer.FindByKeyAsync(key, cancellationToken);

    /// <inheritdoc cref="OneTimeChallengeAuthenticator.FindAsync"/>
    public Task<OneTimeChallengeAuthenticator.ChallengeMatch> FindAsync(string challenge, CancellationToken cancellationToken) =>
        oneTimeCodes.FindAsync(challenge, cancellationToken);

    /// <inheritdoc cref="EnrolmentDevices.BindDeviceAsync"/>
    public Task<Result<Data.Device>> BindDeviceAsync(MobileIdentity mobileId, EnrolmentDevice device, EnrolmentProtocol protocol,
        CancellationToken cancellationToken) => devices.BindDeviceAsync(mobileId, device, protocol, cancellationToken);

    /// <inheritdoc cref="EnrolmentIssuer.OursAsync"/>
    public Task<IssuedCertificate?> OursAsync(X509Certificate2 presented, CancellationToken cancellationToken) => issuer.OursAsync(presented, cancellationToken);
}
