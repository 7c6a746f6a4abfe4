using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Device;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Settings;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.MobileIds;

/// <summary>Unlock Credential under <c>MobileId:Unlock</c> (docs/lifecycle.md).</summary>
public sealed class UnlockOptions
{
    public const string Section = "MobileId:Unlock";

    /// <summary>How long the device's challenge (its unlock request) stays open.</summary>
    [Range(1, 1440)]
    public int ChallengeLifetimeMinutes { get; set; } = 30;

    /// <summary>How long an unlock code the operator read back can be redeemed by the device.</summary>
    [Range(1, 120)]
    public int CodeLifetimeMinutes { get; set; } = 10;

    /// <summary>How long a caller verification code sent to the person can be entered.</summary>
    [Range(1, 120)]
    public int VerificationLifetimeMinutes { get; set; } = 10;

    /// <summary>Wrong unlock codes (or wrong verification codes) before the unlock request locks.</summary>
    [Range(1, 20)]
    public int MaxFailedAttempts { get; set; } = 5;
}

/// <summary>RequestUnlockCodeForDevice: the challenge the person reads out, and the caller verification code when the profile requires one.</summary>
public sealed record UnlockCodeInput(string? Challenge, string? VerificationCode);

/// <summary>The person whose mobile ID is unlocked.</summary>
public sealed record UnlockPerson(Guid Id, string LogonName, string DisplayName);

/// <summary>The unlock code to read to the person (grouped <c>1234 5678</c>), only this device accepts it, once, until <see cref="ExpiresAt"/>.</summary>
public sealed record UnlockCodeView(string UnlockCode, DateTime ExpiresAt, Guid MobileId, UnlockPerson Person);

/// <summary>SendUnlockVerificationCode: the challenge, and the channel (<c>email</c> or <c>sms</c>; the email when the person has one, unless given).</summary>
public sealed record UnlockVerificationInput(string? Challenge, string? Channel);

/// <summary>Where the verification code went, and until when it can be entered.</summary>
public sealed record UnlockVerificationView(string Channel, DateTime ExpiresAt, Guid MobileId, UnlockPerson Person);

/// <summary>
/// Unlock Credential (PRODUCT.md §5.6): the device asks with its unlock token and shows a challenge;
/// an operator whose role has <b>Can Unlock</b> for the profile, and scope over the person, enters
/// the challenge (after verifying the caller with a one-time code when the profile requires it) and
/// reads back an unlock code; the device redeems it, once, for the unlock key it escrowed at
/// confirmation, encrypted to a key it made for this unlock. Only the device that showed the
/// challenge can redeem the code: it needs the request's private key and the mobile ID's unlock token.
/// </summary>
public sealed class UnlockCredential(MobileIdDbContext db, UnlockChecks checks, IKeyStore keys, AuditTrail audit, IOptions<UnlockOptions> options,
    TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The KEK context of a mobile ID's escrowed unlock key.</summary>
    public static string KeyContext(Guid mobileId) => $"unlock-key:{mobileId:D}";

    /// <summary>Reads the escrow a device sends with its confirmation: both values or neither.</summary>
    internal static AppError? ReadEscrow(ConfirmRequest? request, out byte[]? tokenHash, out byte[]? unlockKey)
    {
        tokenHash = null;
        unlockKey = null;
        if (request is null || (request.UnlockToken is null && request.UnlockKey is null))
        {
            return null;
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.UnlockToken is not { Length: >= 22 and <= 128 } token || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            errors["unlockToken"] = ["The unlock token must be 22 to 128 base64url characters (32 random bytes are recommended)."];
        }
        else
        {
            tokenHash = SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token));
        }

        try
        {
            unlockKey = Convert.FromBase64String(request.UnlockKey ?? "");
        }
        catch (FormatException)
        {
            unlockKey = null;
        }

        if (unlockKey is not { Length: 32 })
        {
            errors["unlockKey"] = ["The unlock key must be 32 bytes, base64."];
        }

        return errors.Count > 0 ? AppError.Validation(errors) : null;
    }

    /// <summary>Keeps a confirmation's escrow on the mobile ID: the token's hash, and the unlock key wrapped under the KEK.</summary>
    internal void Escrow(MobileIdentity mobileId, byte[]? tokenHash, byte[]? unlockKey)
    {
        if (tokenHash is null || unlockKey is null)
        {
            return;
        }

        mobileId.UnlockTokenHash = tokenHash;
        mobileId.UnlockKey = keys.Wrap(unlockKey, KeyContext(mobileId.Id));
        CryptographicOperations.ZeroMemory(unlockKey);
    }

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
            return found.Error!;
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
        await db.SaveChangesAsync(cancellationToken);
        return new UnlockStartResponse(unlock.Id, OneTimeCodes.Grouped(challenge), unlock.ExpiresAt);
    }

    /// <summary>The device redeems the unlock code for its unlock key; a retry with the same code after success gets the same answer.</summary>
    public async Task<Result<UnlockCompleteResponse>> CompleteAsync(Guid mobileIdId, string? token, UnlockCompleteRequest request, CancellationToken cancellationToken)
    {
        var code = OneTimeCodes.Normalize(request.Code);
        if (request.RequestId is null || code is null)
        {
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (request.RequestId is null)
            {
                errors["requestId"] = ["The request id from the unlock answer is required."];
            }

            if (code is null)
            {
                errors["code"] = ["The unlock code is required: the digits the helpdesk read out (spaces allowed)."];
            }

            return AppError.Validation(errors);
        }

        // Note: a retry after success gets its answer whatever changed since; everything else is checked below.
        var found = await DeviceMobileIdAsync(mobileIdId, token, checkState: false, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error!;
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

        var unlockKey = keys.Unwrap(mobileId.UnlockKey!, KeyContext(mobileId.Id));
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
        await db.SaveChangesAsync(cancellationToken);
        return answer;
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
