using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.MobileIds.Unlock;

/// <summary>
/// Unlock Credential, the operator's part (PRODUCT.md §5.6): for the challenge the device shows, an
/// unlock code that only this device accepts, once, for a short time (RequestUnlockCodeForDevice).
/// </summary>
public sealed class RequestUnlockCode(MobileIdDbContext db, UnlockChecks checks, AuditTrail audit, IOptions<UnlockOptions> options, TimeProvider time)
{
    /// <summary>RequestUnlockCodeForDevice: a new unlock code for the device's open unlock request with this challenge (an older one stops working).</summary>
    public async Task<Result<UnlockCodeView>> HandleAsync(Caller caller, Guid deviceId, UnlockCodeInput input, CancellationToken cancellationToken)
    {
        var found = await checks.OperatorRequestAsync(caller, deviceId, input.Challenge, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var (unlock, mobileId, person, profile) = found.Value;
        var now = time.GetUtcNow().UtcDateTime;
        if (profile.RequireCallerVerification)
        {
            if (unlock.VerificationHash is null || string.IsNullOrWhiteSpace(input.VerificationCode))
            {
                return new AppError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.VerificationRequired, "Caller verification required",
                    $"The credential profile '{profile.Name}' requires caller verification: send the person a verification code " +
                    $"(POST /api/v1/devices/{deviceId}/unlock-verification) and give the code they read out as verificationCode.");
            }

            if (unlock.VerificationExpiresAt <= now)
            {
                return UnlockChecks.Rejected("The verification code has expired. Send the person a new one.");
            }

            if (OneTimeCodes.Normalize(input.VerificationCode) is not { } typed || !OneTimeCodes.Matches(typed, unlock.VerificationHash, unlock.VerificationSalt!))
            {
                return await checks.CountFailureAsync(unlock, person, isVerification: true, cancellationToken);
            }
        }

        var code = OneTimeCodes.Generate(UnlockChecks.CodeLength);
        (unlock.CodeHash, unlock.CodeSalt) = OneTimeCodes.Hash(code);
        unlock.CodeExpiresAt = now.AddMinutes(options.Value.CodeLifetimeMinutes);
        unlock.IssuedById = caller.Id;
        unlock.IssuedByName = caller.Name;
        unlock.Version++;
        audit.Record(caller, "mobile-id.unlock-code-issued", Workflow.UnlockCredential, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, device = deviceId, request = unlock.Id, expiresAt = unlock.CodeExpiresAt, callerVerified = profile.RequireCallerVerification });
        // Commit: the new unlock code and its audit record together, once (a wrong verification code committed on its own in CountFailureAsync).
        await db.SaveChangesAsync(cancellationToken);
        return new UnlockCodeView(OneTimeCodes.Grouped(code), unlock.CodeExpiresAt.Value, mobileId.Id, UnlockChecks.PersonOf(person));
    }
}
