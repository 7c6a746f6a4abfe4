using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.MobileIds;

/// <summary>
/// What the steps of Unlock Credential share (the device's challenge and code redemption in
/// <see cref="UnlockCredential"/>, the operator's code and caller verification in the Unlock
/// sub-namespace): the operator's way to an open unlock request, the state, setting and lock checks,
/// and counting wrong codes.
/// </summary>
public sealed class UnlockChecks(MobileIdDbContext db, AccessPolicy access, ProfileRights rights, SettingsService settings, AuditTrail audit,
    IOptions<UnlockOptions> options, TimeProvider time)
{
    /// <summary>The digits of a challenge, an unlock code and a verification code.</summary>
    public const int CodeLength = 8;

    /// <summary>What a device is told when a biometric setting asks for fingerprints the protocol cannot check.</summary>
    public const string BiometricMessage = "Your mobile device is not compatible with biometric authentication";

    /// <summary>
    /// The operator's way to an unlock request: the device's open request with this challenge, the
    /// Unlock Credential workflow with scope over the person, Can Unlock for the profile, an Issued
    /// mobile ID, the biometric setting off, and the request not locked.
    /// </summary>
    public async Task<Result<(UnlockRequest Unlock, MobileIdentity MobileId, Person Person, CredentialProfile Profile)>> OperatorRequestAsync(
        Caller caller, Guid deviceId, string? typedChallenge, CancellationToken cancellationToken)
    {
        if (OneTimeCodes.Normalize(typedChallenge) is not { Length: CodeLength } challenge)
        {
            return AppError.Validation("challenge", "The challenge is the 8 digits the person's device shows (spaces allowed).");
        }

        if (!await db.Devices.AnyAsync(d => d.Id == deviceId, cancellationToken))
        {
            return AppError.NotFound("That device");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var unlock = await db.UnlockRequests.Where(r => r.DeviceId == deviceId && r.Challenge == challenge && r.CompletedAt == null && r.ExpiresAt > now)
            .OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (unlock is null)
        {
            return new AppError(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found",
                $"This device has no open unlock request with challenge {OneTimeCodes.Grouped(challenge)}. Check the digits; a challenge lasts " +
                $"{options.Value.ChallengeLifetimeMinutes} minutes, after which the person runs unlock again.");
        }

        var mobileId = await db.MobileIdentities.AsNoTracking().SingleAsync(m => m.Id == unlock.MobileIdentityId, cancellationToken);
        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        if (await access.CheckAsync(caller, Workflow.UnlockCredential, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        if (caller.PersonId == person.Id)
        {
            // Note: the unlock code stands in for the helpdesk's check of the person; nobody checks themself.
            return AppError.Forbidden(ErrorCodes.WorkflowNotGranted,
                "You cannot unlock your own mobile ID: another operator with Can Unlock must give you the code.");
        }

        var profile = await db.CredentialProfiles.AsNoTracking().SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
        if (!(await rights.ProfilesWhereAsync(caller, r => r.CanUnlock, cancellationToken)).Contains(profile.Id))
        {
            return AppError.Forbidden(ErrorCodes.WorkflowNotGranted, $"None of your roles has Can Unlock for the credential profile '{profile.Name}'.");
        }

        return (StateRefusal(mobileId) ?? await BiometricRefusalAsync(cancellationToken) ?? Refusal(unlock, now)) is { } refused
            ? refused
            : (unlock, mobileId, person, profile);
    }

    /// <summary>Only an Issued mobile ID can be unlocked.</summary>
    public static AppError? StateRefusal(MobileIdentity mobileId) => MobileIdStateMachine.Refusal(mobileId, MobileIdEvent.Unlock);

    /// <summary><b>Verify fingerprints during card unlock</b> (PRODUCT.md §8): with it on, unlock fails with the biometric message.</summary>
    public async Task<AppError?> BiometricRefusalAsync(CancellationToken cancellationToken) =>
        (await settings.GetAsync(cancellationToken)).VerifyFingerprintsDuringCardUnlock
            ? new AppError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.NotEligible, "Biometric verification not possible", BiometricMessage)
            : null;

    /// <summary>Why an unlock request can no longer be used (locked or expired), or null.</summary>
    public AppError? Refusal(UnlockRequest unlock, DateTime now) =>
        Locked(unlock)
            ? Rejected($"This unlock request is locked after {options.Value.MaxFailedAttempts} wrong codes. The person runs unlock again for a new challenge.")
            : unlock.ExpiresAt <= now
                ? Rejected("This unlock request has expired. The person runs unlock again for a new challenge.")
                : null;

    /// <summary>Whether too many wrong unlock or verification codes locked the request.</summary>
    public bool Locked(UnlockRequest unlock) =>
        unlock.CodeFailures >= options.Value.MaxFailedAttempts || unlock.VerificationFailures >= options.Value.MaxFailedAttempts;

    /// <summary>Counts a wrong code, audits it, and commits at once so that the count survives the refusal; the refusal.</summary>
    public async Task<AppError> CountFailureAsync(UnlockRequest unlock, Person person, bool isVerification, CancellationToken cancellationToken)
    {
        var failures = isVerification ? ++unlock.VerificationFailures : ++unlock.CodeFailures;
        unlock.Version++;
        var locked = Locked(unlock);
        audit.Record(null, locked ? "mobile-id.unlock-locked" : "mobile-id.unlock-code-failed", null, AuditTarget.For(person), AuditOutcome.Denied,
            new { id = unlock.MobileIdentityId, request = unlock.Id, failures, verification = isVerification });
        // Commit: the failure count (and the lock at the limit) with its audit record, on its own, so it counts even though the request is refused.
        await db.SaveChangesAsync(cancellationToken);
        var what = isVerification ? "verification code" : "unlock code";
        var left = options.Value.MaxFailedAttempts - failures;
        return locked
            ? Rejected($"The {what} is wrong, and this unlock request is now locked. The person runs unlock again for a new challenge.")
            : Rejected($"The {what} is wrong. {left} {(left == 1 ? "try is" : "tries are")} left before the unlock request locks.");
    }

    /// <summary>The person as the unlock answers show them.</summary>
    public static UnlockPerson PersonOf(Person person) => new(person.Id, person.LogonName, PersonRules.DisplayName(person));

    /// <summary>A refused unlock, verification code or challenge.</summary>
    public static AppError Rejected(string message) =>
        new(StatusCodes.Status422UnprocessableEntity, ErrorCodes.CodeRejected, "Code rejected", message);
}
