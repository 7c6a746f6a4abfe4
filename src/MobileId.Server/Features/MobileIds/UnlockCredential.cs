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
public sealed class UnlockCredential(MobileIdDbContext db, AccessPolicy access, ProfileRights rights, SettingsService settings, NotificationOutbox outbox,
    IKeyStore keys, AuditTrail audit, IOptions<UnlockOptions> options, TimeProvider time)
{
    private const int CodeLength = 8;
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
        if (open.FirstOrDefault(r => r.DeviceKey.AsSpan().SequenceEqual(key) && !Locked(r)) is { } same)
        {
            return new UnlockStartResponse(same.Id, OneTimeCodes.Grouped(same.Challenge), same.ExpiresAt);
        }

        var taken = await db.UnlockRequests.Where(r => r.DeviceId == mobileId.DeviceId && r.CompletedAt == null && r.ExpiresAt > now)
            .Select(r => r.Challenge).ToListAsync(cancellationToken);
        var challenge = OneTimeCodes.Generate(CodeLength);
        while (taken.Contains(challenge))
        {
            challenge = OneTimeCodes.Generate(CodeLength);
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
                : Rejected("This unlock request has been used. Run unlock again for a new challenge.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if ((StateRefusal(mobileId) ?? await BiometricRefusalAsync(cancellationToken) ?? Refusal(unlock, now)) is { } refused)
        {
            return refused;
        }

        if (unlock.CodeHash is null)
        {
            return Rejected("No unlock code has been issued for this challenge yet: read the challenge to your helpdesk first.");
        }

        if (unlock.CodeExpiresAt <= now)
        {
            return Rejected("The unlock code has expired. Ask your helpdesk for a new one for the same challenge.");
        }

        if (!OneTimeCodes.Matches(code, unlock.CodeHash, unlock.CodeSalt!))
        {
            return await CountFailureAsync(unlock, person, isVerification: false, cancellationToken);
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

    /// <summary>RequestUnlockCodeForDevice: a new unlock code for the device's open unlock request with this challenge (an older one stops working).</summary>
    public async Task<Result<UnlockCodeView>> RequestCodeAsync(Caller caller, Guid deviceId, UnlockCodeInput input, CancellationToken cancellationToken)
    {
        var found = await OperatorRequestAsync(caller, deviceId, input.Challenge, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error!;
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
                return Rejected("The verification code has expired. Send the person a new one.");
            }

            if (OneTimeCodes.Normalize(input.VerificationCode) is not { } typed || !OneTimeCodes.Matches(typed, unlock.VerificationHash, unlock.VerificationSalt!))
            {
                return await CountFailureAsync(unlock, person, isVerification: true, cancellationToken);
            }
        }

        var code = OneTimeCodes.Generate(CodeLength);
        (unlock.CodeHash, unlock.CodeSalt) = OneTimeCodes.Hash(code);
        unlock.CodeExpiresAt = now.AddMinutes(options.Value.CodeLifetimeMinutes);
        unlock.IssuedById = caller.Id;
        unlock.IssuedByName = caller.Name;
        unlock.Version++;
        audit.Record(caller, "mobile-id.unlock-code-issued", Workflow.UnlockCredential, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, device = deviceId, request = unlock.Id, expiresAt = unlock.CodeExpiresAt, callerVerified = profile.RequireCallerVerification });
        await db.SaveChangesAsync(cancellationToken);
        return new UnlockCodeView(OneTimeCodes.Grouped(code), unlock.CodeExpiresAt.Value, mobileId.Id, PersonOf(person));
    }

    /// <summary>SendUnlockVerificationCode: a one-time authentication code to the person's registered email or phone, for profiles that require caller verification.</summary>
    public async Task<Result<UnlockVerificationView>> SendVerificationAsync(Caller caller, Guid deviceId, UnlockVerificationInput input, CancellationToken cancellationToken)
    {
        var channel = input.Channel?.Trim().ToLowerInvariant();
        if (channel is not (null or "" or "email" or "sms"))
        {
            return AppError.Validation("channel", "The channel must be email or sms.");
        }

        var found = await OperatorRequestAsync(caller, deviceId, input.Challenge, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        var (unlock, mobileId, person, profile) = found.Value;
        if (!profile.RequireCallerVerification)
        {
            return AppError.Conflict($"The credential profile '{profile.Name}' does not require caller verification: request the unlock code directly.");
        }

        channel = channel is null or "" ? (person.Email is { Length: > 0 } ? "email" : "sms") : channel;
        var recipient = channel == "email" ? person.Email : person.Mobile;
        if (string.IsNullOrWhiteSpace(recipient))
        {
            return AppError.Validation("channel", channel == "email"
                ? "The person has no registered email address; send the code by sms."
                : "The person has no registered mobile phone number; send the code by email.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var code = OneTimeCodes.Generate(CodeLength);
        (unlock.VerificationHash, unlock.VerificationSalt) = OneTimeCodes.Hash(code);
        unlock.VerificationExpiresAt = now.AddMinutes(options.Value.VerificationLifetimeMinutes);
        unlock.Version++;
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["displayName"] = PersonRules.DisplayName(person), ["code"] = OneTimeCodes.Grouped(code),
            ["expiresAt"] = unlock.VerificationExpiresAt.Value.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
        };
        var about = new NotificationSubject(person.Id, mobileId.Id);
        var queued = channel == "email"
            ? await outbox.EnqueueEmailAsync(recipient, TemplateCatalog.UnlockVerificationEmail, values, about, cancellationToken)
            : await outbox.EnqueueSmsAsync(recipient, TemplateCatalog.UnlockVerificationSms, values, about, cancellationToken);
        if (!queued.IsSuccess)
        {
            return queued.Error!;
        }

        audit.Record(caller, "mobile-id.unlock-verification-sent", Workflow.UnlockCredential, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, device = deviceId, request = unlock.Id, channel });
        await db.SaveChangesAsync(cancellationToken);
        return new UnlockVerificationView(channel, unlock.VerificationExpiresAt.Value, mobileId.Id, PersonOf(person));
    }

    /// <summary>
    /// The operator's way to an unlock request: the device's open request with this challenge, the
    /// Unlock Credential workflow with scope over the person, Can Unlock for the profile, an Issued
    /// mobile ID, the biometric setting off, and the request not locked.
    /// </summary>
    private async Task<Result<(UnlockRequest Unlock, MobileIdentity MobileId, Person Person, CredentialProfile Profile)>> OperatorRequestAsync(
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
        return (checkState ? StateRefusal(mobileId) ?? await BiometricRefusalAsync(cancellationToken) : null) is { } refused ? refused : (mobileId, person);
    }

    /// <summary>Only an Issued mobile ID can be unlocked.</summary>
    private static AppError? StateRefusal(MobileIdentity mobileId) => mobileId.Status switch
    {
        MobileIdStatus.Issued => null,
        MobileIdStatus.Disabled => AppError.Conflict("This mobile ID is disabled; it cannot be unlocked until it is enabled again (Enable ID)."),
        _ => AppError.Conflict($"This mobile ID is {mobileId.Status}; only an Issued mobile ID can be unlocked."),
    };

    /// <summary><b>Verify fingerprints during card unlock</b> (PRODUCT.md §8): with it on, unlock fails with the biometric message.</summary>
    private async Task<AppError?> BiometricRefusalAsync(CancellationToken cancellationToken) =>
        (await settings.GetAsync(cancellationToken)).VerifyFingerprintsDuringCardUnlock
            ? new AppError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.NotEligible, "Biometric verification not possible", Enrolment.BiometricMessage)
            : null;

    private AppError? Refusal(UnlockRequest unlock, DateTime now) =>
        Locked(unlock)
            ? Rejected($"This unlock request is locked after {options.Value.MaxFailedAttempts} wrong codes. The person runs unlock again for a new challenge.")
            : unlock.ExpiresAt <= now
                ? Rejected("This unlock request has expired. The person runs unlock again for a new challenge.")
                : null;

    private bool Locked(UnlockRequest unlock) =>
        unlock.CodeFailures >= options.Value.MaxFailedAttempts || unlock.VerificationFailures >= options.Value.MaxFailedAttempts;

    private async Task<AppError> CountFailureAsync(UnlockRequest unlock, Person person, bool isVerification, CancellationToken cancellationToken)
    {
        var failures = isVerification ? ++unlock.VerificationFailures : ++unlock.CodeFailures;
        unlock.Version++;
        var locked = Locked(unlock);
        audit.Record(null, locked ? "mobile-id.unlock-locked" : "mobile-id.unlock-code-failed", null, AuditTarget.For(person), AuditOutcome.Denied,
            new { id = unlock.MobileIdentityId, request = unlock.Id, failures, verification = isVerification });
        await db.SaveChangesAsync(cancellationToken);
        var what = isVerification ? "verification code" : "unlock code";
        var left = options.Value.MaxFailedAttempts - failures;
        return locked
            ? Rejected($"The {what} is wrong, and this unlock request is now locked. The person runs unlock again for a new challenge.")
            : Rejected($"The {what} is wrong. {left} {(left == 1 ? "try is" : "tries are")} left before the unlock request locks.");
    }

    private static UnlockPerson PersonOf(Person person) => new(person.Id, person.LogonName, PersonRules.DisplayName(person));

    private static AppError Rejected(string message) =>
        new(StatusCodes.Status422UnprocessableEntity, ErrorCodes.CodeRejected, "Code rejected", message);
}
