using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Settings;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.MobileIds;

/// <summary>Request ID, Request My ID and Request Replacement ID: the profile and delivery channel asked for.</summary>
public sealed record MobileIdRequestInput(string? Profile, DeliveryChannel? Channel);

/// <summary>
/// The mobile ID a new request replaces: <see cref="CancelOld"/> runs once every check of the new request
/// has passed, before it is made; an error from it stops the request.
/// </summary>
public sealed record ReplacedRequest(Guid Id, Func<Task<AppError?>> CancelOld);

/// <summary>
/// A new mobile ID request (PRODUCT.md §5.1): the three eligibility checks and their messages, the
/// profile rights, the delivery channel, the one-time code and its notification. Shared by Request ID,
/// Request My ID and Request Replacement ID, whose handlers commit what it adds.
/// </summary>
public sealed class RequestCreation(MobileIdDbContext db, ProfileRights rights, SettingsService settings, AuditTrail audit, ProvisioningCodes codes,
    TimeProvider time)
{
    public const string NotAllowedOnMobile = "None of the selected user's certificates are configured to be allowed to be put on a mobile phone.";

    public const string NoProfiles =
        "The selected user has no certificates suitable for mobile devices and there are no credential profiles available for issuance.";

    public const string NoPhoneOrEmail =
        "The selected user has neither phone number nor email address registered and so is not suitable for mobile device activation.";

    /// <summary>
    /// The checks of Request ID (or Request My ID when <paramref name="selfService"/>, or Request
    /// Replacement ID when <paramref name="replacing"/> is given), then the new request, its code, its
    /// notification and its audit record, added to the context but not saved: the workflow commits them.
    /// A refusal for eligibility is audited at once (and saved on its own); other refusals change nothing.
    /// </summary>
    public async Task<Result<MobileIdView>> CreateAsync(Caller caller, Person person, MobileIdRequestInput input, bool selfService, ReplacedRequest? replacing,
        CancellationToken cancellationToken)
    {
        var receivable = await rights.ReceivableByAsync(person.Id, cancellationToken);
        // Note: a replacement is authorized by Request Replacement ID itself, so it needs no Can Request for the profile the person already held.
        var requestable = replacing is null ? await rights.ProfilesWhereAsync(caller, r => r.CanRequest, cancellationToken) : receivable;
        var available = receivable.Intersect(requestable).ToHashSet();
        if (available.Count == 0)
        {
            return await RefusedAsync(caller, person, NoProfiles, cancellationToken);
        }

        var profile = await db.CredentialProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.Name == (input.Profile ?? ""), cancellationToken);
        if (profile is null)
        {
            var names = await db.CredentialProfiles.AsNoTracking().Where(p => available.Contains(p.Id)).OrderBy(p => p.Name).Select(p => p.Name).ToListAsync(cancellationToken);
            return AppError.Validation("profile", $"'{input.Profile}' is not a credential profile; profiles available for this person: {string.Join(", ", names)}.");
        }

        if (!receivable.Contains(profile.Id))
        {
            return await RefusedAsync(caller, person, NotAllowedOnMobile, cancellationToken);
        }

        if (!requestable.Contains(profile.Id))
        {
            return AppError.Forbidden(ErrorCodes.WorkflowNotGranted, $"None of your roles has Can Request for the credential profile '{profile.Name}'.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var operation = await settings.GetAsync(cancellationToken);
        var channel = Channel(operation, person, input.Channel, selfService, out var channelError);
        if (channel is null)
        {
            return channelError == NoPhoneOrEmail ? await RefusedAsync(caller, person, NoPhoneOrEmail, cancellationToken) : AppError.Validation("channel", channelError!);
        }

        var replaced = replacing?.Id ?? Guid.Empty;
        if (await db.MobileIdentities.AnyAsync(m => m.PersonId == person.Id && m.ProfileId == profile.Id && m.Id != replaced
                && (m.Status == MobileIdStatus.AwaitingValidation || m.Status == MobileIdStatus.Collecting
                    || (m.Status == MobileIdStatus.ReadyToCollect && m.CodeExpiresAt > now)), cancellationToken))
        {
            return AppError.Conflict($"'{person.LogonName}' already has an open request for '{profile.Name}'; it must be collected, or cancelled, first.");
        }

        if (replacing is not null && await replacing.CancelOld() is { } notCancelled)
        {
            return notCancelled;
        }

        var mobileId = new MobileIdentity
        {
            Id = Guid.CreateVersion7(), PersonId = person.Id, ProfileId = profile.Id, Channel = channel.Value, SelfService = selfService,
            RequestedById = caller.Kind == CallerKind.System ? null : caller.Id, RequestedByName = caller.Name, RequestedAt = now,
            Status = MobileIdStateMachine.Initial(profile.RequireValidation),
            LinkToken = Tokens.NewUrlSafe(24), UpdatedAt = now, ReplacesId = replacing?.Id,
        };
        var code = profile.RequireValidation ? null : await codes.ReleaseAsync(mobileId, profile, operation, now, cancellationToken);
        db.MobileIdentities.Add(mobileId);
        if (code is not null && await codes.NotifyAsync(person, profile.Name, mobileId, code, operation, cancellationToken) is { } notSent)
        {
            return notSent;
        }

        var workflow = selfService ? Workflow.RequestMyId : replacing is null ? Workflow.RequestId : Workflow.RequestReplacementId;
        audit.Record(caller, LifecycleActions.Requested, workflow, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, profile = profile.Name, channel = channel.Value.ToString(), status = mobileId.Status.ToString() });
        return MobileIdRequests.View(mobileId, profile.Name, operation, code);
    }

    /// <summary>
    /// The delivery channel: the operator's choice among those the settings allow and the person's
    /// record supports; Send Mobile OTP via SMS makes it email + SMS; self-service without email
    /// and phone gets the QR code.
    /// </summary>
    private static DeliveryChannel? Channel(OperationSettings operation, Person person, DeliveryChannel? wanted, bool selfService, out string? error)
    {
        error = null;
        var hasEmail = !string.IsNullOrWhiteSpace(person.Email);
        var hasPhone = !string.IsNullOrWhiteSpace(person.Mobile);
        if (!hasEmail && !hasPhone)
        {
            // Note: self-service without email and phone gets the QR code; an operator's request
            // for such a person is refused with the product's message (PRODUCT.md §5.1).
            if (selfService)
            {
                return DeliveryChannel.QrCode;
            }

            error = NoPhoneOrEmail;
            return null;
        }

        if (wanted == DeliveryChannel.QrCode)
        {
            return DeliveryChannel.QrCode;
        }

        if (operation.SendMobileOtpViaSms)
        {
            if (wanted is DeliveryChannel.Email or DeliveryChannel.Sms)
            {
                error = "With Send Mobile OTP via SMS on, the code goes by SMS and the link by email; choose EmailAndSms or QrCode.";
                return null;
            }

            if (!hasEmail || !hasPhone)
            {
                error = $"Send Mobile OTP via SMS sends the code by SMS and the link by email, but the person has no {(hasEmail ? "mobile number" : "email address")}; use QrCode.";
                return null;
            }

            return DeliveryChannel.EmailAndSms;
        }

        var email = operation.MobileProvisionViaEmail && hasEmail;
        var sms = operation.MobileProvisionViaSms && hasPhone;
        switch (wanted)
        {
            case DeliveryChannel.Email when email:
                return DeliveryChannel.Email;
            case DeliveryChannel.Sms when sms:
                return DeliveryChannel.Sms;
            case DeliveryChannel.Email or DeliveryChannel.Sms or DeliveryChannel.EmailAndSms:
                error = $"'{wanted}' is not possible: {(operation.MobileProvisionViaEmail ? "" : "Mobile Provision Via Email is off; ")}{(operation.MobileProvisionViaSms ? "" : "Mobile Provision Via SMS is off; ")}"
                    + $"the person has {(hasEmail ? "an email address" : "no email address")} and {(hasPhone ? "a mobile number" : "no mobile number")}.";
                return null;
        }

        if (email || sms)
        {
            return email ? DeliveryChannel.Email : DeliveryChannel.Sms;
        }

        error = "Neither Mobile Provision Via Email nor Mobile Provision Via SMS can reach this person (check the Devices settings and the person's email and mobile number); use QrCode.";
        return null;
    }

    private async Task<AppError> RefusedAsync(Caller caller, Person person, string message, CancellationToken cancellationToken)
    {
        await audit.RecordNowAsync(caller, "mobile-id.request-refused", null, AuditTarget.For(person), AuditOutcome.Denied, new { reason = message }, cancellationToken);
        return new AppError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.NotEligible, "Not eligible for a mobile ID", message);
    }
}
