using MobileId.Pki.Policies;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Device.Unlock;

/// <summary>
/// The device's half of Unlock Credential (PRODUCT.md §5.6) under /device/v1: with its unlock token
/// it starts an unlock and shows the challenge, then redeems the unlock code the operator read back
/// for its escrowed unlock key (<see cref="UnlockCredential"/>). Each step saves once, at its end.
/// </summary>
public sealed class DeviceUnlock(MobileIdDbContext db, UnlockChecks checks, IKeyStore keys, AuditTrail audit, IOptions<UnlockOptions> options,
    TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The device starts (or resumes, with the same key) an unlock and gets the challenge to show.</summary>
    public async Task<Result<UnlockStartResponse>> StartAsync(Guid mobileIdId, string? token, UnlockStartRequest request, CancellationToken cancellationToken)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(request.Key ?? "");
            using var ecdh = ECDiffieHellman.Create();
            ecdh.ImportSubjectPublicKeyInfo(key, out _);
            if (ecdh.KeySize != 256)
            {
                return AppError.Validation("key", "The key must be an EC P-256 public key (SubjectPublicKeyInfo, base64).");
            }
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return AppError.Validation("key", "The key must be an EC P-256 public key (SubjectPublicKeyInfo, base64).");
        }

        var found = await DeviceMobileIdAsync(mobileIdId, token, checkState: true, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var (mobileId, person) = found.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var open = await db.UnlockRequests.Where(r => r.MobileIdentityId == mobileId.Id && r.CompletedAt == null && r.ExpiresAt > now)
            .ToListAsync(cancellationToken);
        if (open.FirstOrDefault(r => r.DeviceKey.AsSpan().SequenceEqual(key) && !checks.Locked(r)) is { } same)
        {
            return new UnlockStartResponse(same.Id, OneTimeCodes.Grouped(same.Challenge), same.ExpiresAt);
        }

        var taken = await db.UnlockRequests.Where(r => r.DeviceId == mobileId.DeviceId && r.CompletedAt == null && r.ExpiresAt > now)
            .Select(r => r.Challenge).ToListAsync(cancellationToken);
        var challenge = OneTimeCodes.Generate(UnlockChecks.CodeLength);
        while (taken.Contains(challenge))
        {
            challenge = OneTimeCodes.Generate(UnlockChecks.CodeLength);
        }

        var unlock = new UnlockRequest
        {
            Id = Guid.CreateVersion7(), MobileIdentityId = mobileId.Id, DeviceId = mobileId.DeviceId!.Value, Challenge = challenge, DeviceKey = key,
            CreatedAt = now, ExpiresAt = now.AddMinutes(options.Value.ChallengeLifetimeMinutes),
        };
        db.UnlockRequests.Add(unlock);
        audit.Record(null, "mobile-id.unlock-requested", null, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, request = unlock.Id, expiresAt = unlock.ExpiresAt });
        // Commit: the unlock request (the challenge the device answers) and its audit record together.
        await db.SaveChangesAsync(cancellationToken);
        return new UnlockStartResponse(unlock.Id, OneTimeCodes.Grouped(challenge), unlock.ExpiresAt);
    }

    /// <summary>The device redeems the unlock code for its unlock key; a retry with the same code after success gets the same answer.</summary>
    public async Task<Result<UnlockCompleteResponse>> CompleteAsync(Guid mobileIdId, string? token, UnlockCompleteRequest request, CancellationToken cancellationToken)
    {
        var code = OneTimeCodes.Normalize(request.Code);
        if (request.RequestId is null || code is null)
        {
            return InputRefusal(request, code);
        }

        // Note: a retry after success gets its answer whatever changed since; everything else is checked below.
        var found = await DeviceMobileIdAsync(mobileIdId, token, checkState: false, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var (mobileId, person) = found.Value;
        var unlock = await db.UnlockRequests.SingleOrDefaultAsync(r => r.Id == request.RequestId && r.MobileIdentityId == mobileId.Id, cancellationToken);
        if (unlock is null || unlock.DeviceId != mobileId.DeviceId)
        {
            return AppError.NotFound("That unlock request of this mobile ID");
        }

        if (unlock.Delivered is not null)
        {
            return unlock.CodeHash is not null && OneTimeCodes.Matches(code, unlock.CodeHash, unlock.CodeSalt!)
                ? JsonSerializer.Deserialize<UnlockCompleteResponse>(unlock.Delivered, Json)!
                : UnlockChecks.Rejected("This unlock request has been used. Run unlock again for a new challenge.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if ((UnlockChecks.StateRefusal(mobileId) ?? await checks.BiometricRefusalAsync(cancellationToken) ?? checks.Refusal(unlock, now)) is { } refused)
        {
            return refused;
        }

        if (unlock.CodeHash is null)
        {
            return UnlockChecks.Rejected("No unlock code has been issued for this challenge yet: read the challenge to your helpdesk first.");
        }

        if (unlock.CodeExpiresAt <= now)
        {
            return UnlockChecks.Rejected("The unlock code has expired. Ask your helpdesk for a new one for the same challenge.");
        }

        if (!OneTimeCodes.Matches(code, unlock.CodeHash, unlock.CodeSalt!))
        {
            return await checks.CountFailureAsync(unlock, person, isVerification: false, cancellationToken);
        }

        var unlockKey = keys.Unwrap(mobileId.UnlockKey!, UnlockCredential.KeyContext(mobileId.Id));
        UnlockCompleteResponse answer;
        try
        {
            answer = new UnlockCompleteResponse(mobileId.Id, unlock.Id, KeyDelivery.Encrypt(unlock.DeviceKey, unlockKey, KeyDelivery.UnlockContext(unlock.Id, mobileId.Id)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(unlockKey);
        }

        unlock.CompletedAt = now;
        unlock.Delivered = JsonSerializer.Serialize(answer, Json);
        unlock.Version++;
        audit.Record(null, LifecycleActions.Unlocked, null, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, request = unlock.Id, issuedBy = unlock.IssuedByName });
        // Commit: the answer kept for a retry, the used request and the audit record together.
        await db.SaveChangesAsync(cancellationToken);
        return answer;
    }

    /// <summary>The request id and the code are both required: a 400 naming each that is missing.</summary>
    private static AppError InputRefusal(UnlockCompleteRequest request, string? code)
    {
        var errors = new FieldErrors();
        if (request.RequestId is null)
        {
            errors.Add("requestId", "The request id from the unlock answer is required.");
        }

        if (code is null)
        {
            errors.Add("code", "The unlock code is required: the digits the helpdesk read out (spaces allowed).");
        }

        return AppError.Validation(errors.ToDictionary());
    }

    /// <summary>The device's mobile ID by its unlock token: it must have an unlock key in escrow and be Issued.</summary>
    /// <param name="checkState">Also refuse a mobile ID that is not Issued, and unlock with the biometric setting on.</param>
    private async Task<Result<(MobileIdentity MobileId, Person Person)>> DeviceMobileIdAsync(Guid id, string? token, bool checkState,
        CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (mobileId is { UnlockKey: null, Status: MobileIdStatus.Issued or MobileIdStatus.Disabled })
        {
            return new AppError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.NotUnlockable, "Cannot be unlocked",
                "This mobile ID cannot be unlocked: the device that collected it escrowed no unlock key when it confirmed. Ask for a replacement instead.");
        }

        if (mobileId is null || token is not { Length: > 0 } || mobileId.UnlockTokenHash is null
            || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token)), mobileId.UnlockTokenHash))
        {
            return new AppError(StatusCodes.Status401Unauthorized, ErrorCodes.UnlockInvalid, "Unlock token not valid",
                "The unlock token is missing or not valid for this mobile ID.");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        return (checkState ? UnlockChecks.StateRefusal(mobileId) ?? await checks.BiometricRefusalAsync(cancellationToken) : null) is { } refused ? refused : (mobileId, person);
    }
}
