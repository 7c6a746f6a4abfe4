using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;

namespace MobileId.Server.Features.MobileIds.Unlock;

/// <summary>
/// Unlock Credential with caller verification (SendUnlockVerificationCode): a one-time code to the
/// person's registered email or phone, to be given with RequestUnlockCodeForDevice.
/// </summary>
public sealed class SendUnlockVerification(MobileIdDbContext db, UnlockChecks checks, NotificationOutbox outbox, AuditTrail audit,
    IOptions<UnlockOptions> options, TimeProvider time)
{
    /// <summary>SendUnlockVerificationCode: a one-time authentication code to the person's registered email or phone, for profiles that require caller verification.</summary>
    public async Task<Result<UnlockVerificationView>> HandleAsync(Caller caller, Guid deviceId, UnlockVerificationInput input, CancellationToken cancellationToken)
    {
        var channel = input.Channel?.Trim().ToLowerInvariant();
        if (channel is not (null or "" or "email" or "sms"))
        {
            return AppError.Validation("channel", "The channel must be email or sms.");
        }

        var found = await checks.OperatorRequestAsync(caller, deviceId, input.Challenge, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
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
        var code = OneTimeCodes.Generate(UnlockChecks.CodeLength);
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
            return queued.Error;
        }

        audit.Record(caller, "mobile-id.unlock-verification-sent", Workflow.UnlockCredential, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, device = deviceId, request = unlock.Id, channel });
        // Commit: the verification code, its message and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return new UnlockVerificationView(channel, unlock.VerificationExpiresAt.Value, mobileId.Id, UnlockChecks.PersonOf(person));
    }
}
