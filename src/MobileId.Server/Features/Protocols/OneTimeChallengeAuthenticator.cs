using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Protocols;

/// <summary>
/// A one-time code released for a request of a <i>Device Identity (Only)</i> profile with
/// <b>Require Challenge</b> authenticates a first enrolment: single use, expiring, issued to that
/// request's person. Wrong codes count towards the address's throttle.
/// </summary>
public sealed class OneTimeChallengeAuthenticator(MobileIdDbContext db, ChallengeCodes challenges, ChallengeThrottle throttle, CodeRedemption redemption,
    EnrolmentIssuer issuer, EnrolmentDevices devices, AuditTrail audit, TimeProvider time) : IEnrolmentAuthenticator
{
    private static readonly MobileIdStatus[] Open = [MobileIdStatus.ReadyToCollect, MobileIdStatus.Collecting];

    /// <inheritdoc/>
    public async Task<EnrolmentResult?> EnrolAsync(EnrolmentAttempt attempt, CancellationToken cancellationToken)
    {
        var (caller, protocol, csr, options) = (attempt.Caller, attempt.Protocol, attempt.Csr, attempt.Options);
        var found = await FindAsync(attempt.Challenge!, cancellationToken);
        if (found.Open is null)
        {
            if (found.Used is { } used && !options.ServerKey && await issuer.RetriedAsync(used.Id, csr.PublicKey, cancellationToken) is { } retried)
            {
                return retried;
            }

            throttle.Failed(attempt.Address);
            return await issuer.RefuseAsync(caller, null, protocol, found.Used is null ? EnrolmentFailure.Unauthorized : EnrolmentFailure.BadRequest,
                found.Used is null ? "The challenge password is not a valid one-time code." : "This one-time code has been used; ask for a new request.",
                cancellationToken);
        }

        return await EnrolOpenAsync(attempt, found.Open, cancellationToken);
    }

    /// <summary>The one-time code is an open request's: its person, expiry, user name, profile and device decide.</summary>
    private async Task<EnrolmentResult> EnrolOpenAsync(EnrolmentAttempt attempt, MobileIdentity mobileId, CancellationToken cancellationToken)
    {
        var (caller, protocol, csr, options) = (attempt.Caller, attempt.Protocol, attempt.Csr, attempt.Options);
        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (mobileId.CodeExpiresAt <= now)
        {
            await redemption.ExpireAsync(caller, mobileId, person, new { id = mobileId.Id, protocol }, cancellationToken);
            return EnrolmentResult.Refused(EnrolmentFailure.BadRequest, "The one-time code has expired; ask for a new request.");
        }

        if (options.User is { } user && !string.Equals(user, person.LogonName, StringComparison.OrdinalIgnoreCase))
        {
            return await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.Unauthorized,
                "The user name is not the one the one-time code was issued to.", cancellationToken);
        }

        var profile = await db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
        if (!profile.RequireChallenge || profile.CardEncoding != CardEncoding.DeviceIdentityOnly)
        {
            return await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                $"The credential profile '{profile.Name}' is not a Device Identity (Only) profile with Require Challenge.", cancellationToken);
        }

        var choice = await issuer.SlotAsync(profile, csr.PublicKey, options.ServerKey, cancellationToken);
        if (choice.Policy is null)
        {
            return await issuer.RefuseAsync(caller, person, protocol, EnrolmentFailure.BadAlg, choice.Problem!, cancellationToken);
        }

        var device = await devices.DeviceAsync(mobileId, person, profile, options.Device ?? EnrolmentDevices.DeviceFromCsr(csr), caller, protocol, cancellationToken);
        if (device.Refusal is { } deviceRefusal)
        {
            return deviceRefusal;
        }

        mobileId.Transition(MobileIdEvent.ProtocolEnrol);
        mobileId.CodeRedeemedAt ??= now;
        mobileId.CodeFailures = 0;
        mobileId.IssuedAt = now;
        mobileId.DeviceId = device.Record!.Id;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(caller, LifecycleActions.Issued, null, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, profile = profile.Name, protocol, device = device.Record.SerialNumber });
        return await issuer.IssueAsync(caller, person, choice.Policy, csr.PublicKey, options.ServerKey,
            new IssueFor(person.Id, choice.Policy.Id, MobileIdentityId: mobileId.Id, Slot: choice.Slot, DeviceId: device.Record.Id), cancellationToken);
    }

    /// <summary>
    /// The open request (ready to collect or collecting) whose one-time code this is, tracked, or
    /// the request that already used it (<see cref="ChallengeMatch.Used"/>). The code is checked
    /// against its PBKDF2 hash too.
    /// </summary>
    public async Task<ChallengeMatch> FindAsync(string challenge, CancellationToken cancellationToken)
    {
        var code = OneTimeCodes.Normalize(challenge);
        if (code is null)
        {
            return new ChallengeMatch(null, null);
        }

        var lookup = await challenges.LookupAsync(code, cancellationToken);
        var candidates = await db.MobileIdentities.Where(m => m.CodeLookup == lookup).OrderByDescending(m => m.RequestedAt).ToListAsync(cancellationToken);
        var matching = candidates.Where(m => m.CodeHash is not null && OneTimeCodes.Matches(code, m.CodeHash, m.CodeSalt!)).ToList();
        return new ChallengeMatch(matching.FirstOrDefault(m => Open.Contains(m.Status)), matching.FirstOrDefault(m => m.Status == MobileIdStatus.Issued));
    }

    /// <summary>The outcome of <see cref="FindAsync"/>.</summary>
    public sealed record ChallengeMatch(MobileIdentity? Open, MobileIdentity? Used);
}
