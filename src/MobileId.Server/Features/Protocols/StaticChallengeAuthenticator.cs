using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Features.Protocols;

/// <summary>
/// A profile's static challenge (<see cref="StaticChallenges"/>) authenticates an enrolment for no
/// person: subject and SAN from the CSR, the device named by the CSR. Not a static challenge: null.
/// </summary>
public sealed class StaticChallengeAuthenticator(MobileIdDbContext db, EnrolmentIssuer issuer, EnrolmentDevices devices, AuditTrail audit)
    : IEnrolmentAuthenticator
{
    /// <summary>A static-challenge enrolment: for no person, subject and SAN from the CSR, the device named by the CSR.</summary>
    /// <inheritdoc/>
    public async Task<EnrolmentResult?> EnrolAsync(EnrolmentAttempt attempt, CancellationToken cancellationToken)
    {
        if (await StaticProfileAsync(attempt.Challenge!, cancellationToken) is not { } profile)
        {
            return null;
        }

        var (caller, protocol, csr, options) = (attempt.Caller, attempt.Protocol, attempt.Csr, attempt.Options);
        if (profile.CardEncoding != CardEncoding.DeviceIdentityOnly)
        {
            return await issuer.RefuseAsync(caller, null, protocol, EnrolmentFailure.BadRequest,
                $"The credential profile '{profile.Name}' is not a Device Identity (Only) profile.", cancellationToken);
        }

        if (csr.SubjectName.RawData.Length <= 2)
        {
            return await issuer.RefuseAsync(caller, null, protocol, EnrolmentFailure.BadRequest,
                "With a static challenge the certificate's subject comes from the request, and this request names none.", cancellationToken);
        }

        var choice = await issuer.SlotAsync(profile, csr.PublicKey, options.ServerKey, cancellationToken);
        if (choice.Policy is null)
        {
            return await issuer.RefuseAsync(caller, null, protocol, EnrolmentFailure.BadAlg, choice.Problem!, cancellationToken);
        }

        if (!options.ServerKey && await issuer.RetriedAsync(null, csr.PublicKey, cancellationToken) is { } retried)
        {
            return retried;
        }

        var named = options.Device ?? EnrolmentDevices.DeviceFromCsr(csr);
        var device = await db.Devices.SingleOrDefaultAsync(d => d.SerialNumber == named.SerialNumber, cancellationToken);
        if (device is { Status: DeviceStatus.Cancelled })
        {
            return await issuer.RefuseAsync(caller, null, protocol, EnrolmentFailure.BadRequest, $"Device {named.SerialNumber} has been cancelled.", cancellationToken);
        }

        device = devices.Upsert(device, named);
        audit.Record(caller, "device.enrolled", null, EnrolmentDevices.DeviceTarget(device), AuditOutcome.Success,
            new { protocol, profile = profile.Name, serial = device.SerialNumber, staticChallenge = true });
        return await issuer.IssueFromCsrAsync(caller, choice.Policy, csr, csr.PublicKey, options.ServerKey,
            new IssueFor(null, choice.Policy.Id, DeviceId: device.Id), cancellationToken);
    }

    private async Task<CredentialProfile?> StaticProfileAsync(string challenge, CancellationToken cancellationToken)
    {
        var profiles = await db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).Where(p => p.StaticChallengeHash != null).ToListAsync(cancellationToken);
        return profiles.FirstOrDefault(p => StaticChallenges.Matches(challenge, p.StaticChallengeHash!, p.StaticChallengeSalt!));
    }
}
