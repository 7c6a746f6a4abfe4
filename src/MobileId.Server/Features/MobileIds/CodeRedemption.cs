using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.MobileIds;

/// <summary>
/// Checks a one-time code typed on a device against its request: expired codes expire the
/// request, wrong codes are counted and audited one by one, and the request locks at the limit.
/// A right code moves the request to <i>Collecting</i>; while collecting, the same code resumes.
/// </summary>
public sealed class CodeRedemption(MobileIdDbContext db, AuditTrail audit, IOptions<OneTimeCodeOptions> options, TimeProvider time)
{
    public Task<Result<MobileIdentity>> RedeemAsync(string linkToken, string? typedCode, string device, CancellationToken cancellationToken) =>
        RedeemAsync(linkToken, typedCode, device, (_, _) => Task.FromResult<AppError?>(null), cancellationToken);

    /// <summary>
    /// Checks the code; when it is right, <paramref name="accept"/> decides (device checks) before
    /// anything changes, and may change the request itself (bind the device), saved with the redemption.
    /// </summary>
    public async Task<Result<MobileIdentity>> RedeemAsync(string linkToken, string? typedCode, string device,
        Func<MobileIdentity, Person, Task<AppError?>> accept, CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.SingleOrDefaultAsync(m => m.LinkToken == linkToken, cancellationToken);
        if (mobileId is null)
        {
            return AppError.NotFound("That provisioning link");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (MobileIdStateMachine.Refusal(mobileId, MobileIdEvent.RedeemCode) is { } closed)
        {
            return closed;
        }

        if (mobileId.CodeExpiresAt <= now)
        {
            await ExpireAsync(null, mobileId, person, new { id = mobileId.Id, device }, cancellationToken);
            return Rejected(StatusCodes.Status410Gone, "The one-time code has expired. Ask for a new mobile ID request.");
        }

        var code = OneTimeCodes.Normalize(typedCode);
        if (code is null || !OneTimeCodes.Matches(code, mobileId.CodeHash!, mobileId.CodeSalt!))
        {
            mobileId.CodeFailures++;
            mobileId.UpdatedAt = now;
            mobileId.Version++;
            var locked = mobileId.CodeFailures >= options.Value.MaxFailedAttempts;
            if (locked)
            {
                mobileId.Transition(MobileIdEvent.LockOut);
                mobileId.EndedAt = now;
            }

            audit.Record(null, locked ? "mobile-id.locked" : "mobile-id.code-failed", null, AuditTarget.For(person), AuditOutcome.Denied,
                new { id = mobileId.Id, device, failures = mobileId.CodeFailures });
            // Commit: the wrong-code count (and the lock at the limit) with its audit record, on its own, so it counts even though the code is refused.
            await db.SaveChangesAsync(cancellationToken);
            var left = options.Value.MaxFailedAttempts - mobileId.CodeFailures;
            return locked
                ? Rejected(StatusCodes.Status403Forbidden, "Too many wrong codes were typed, so this request is locked. Ask for a new mobile ID request.")
                : Rejected(StatusCodes.Status403Forbidden, $"The one-time code is wrong. {left} {(left == 1 ? "try is" : "tries are")} left before the request locks.");
        }

        if (await accept(mobileId, person) is { } refused)
        {
            return refused;
        }

        if (mobileId.Status == MobileIdStatus.ReadyToCollect)
        {
            mobileId.Transition(MobileIdEvent.RedeemCode);
            mobileId.CodeRedeemedAt = now;
            mobileId.CodeFailures = 0;
            audit.Record(null, "mobile-id.code-redeemed", null, AuditTarget.For(person), AuditOutcome.Success, new { id = mobileId.Id, device });
        }

        mobileId.UpdatedAt = now;
        mobileId.Version++;
        // Commit: the redemption (Collecting), what accept changed (the bound device) and the audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return mobileId;
    }

    /// <summary>The code expired before it was used: the request ends as <i>Expired</i>, audited and saved.</summary>
    public async Task ExpireAsync(Caller? caller, MobileIdentity mobileId, Person person, object details, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        mobileId.Transition(MobileIdEvent.ExpireCode);
        mobileId.EndedAt = now;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(caller, "mobile-id.expired", null, AuditTarget.For(person), AuditOutcome.Success, details);
        // Commit: the Expired status and its audit record together, on their own, so the request ends even though the caller refuses the code.
        await db.SaveChangesAsync(cancellationToken);
    }

    private static AppError Rejected(int status, string message) => MobileIdStateMachine.CodeRejected(status, message);
}
