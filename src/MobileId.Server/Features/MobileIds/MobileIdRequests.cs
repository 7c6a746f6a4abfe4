using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Protocols;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Settings;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.MobileIds;

public sealed record MobileIdRequestInput(string? Profile, DeliveryChannel? Channel);

/// <summary>A mobile ID as the API shows it; <see cref="Code"/> is present only in the answer that released it.</summary>
public sealed record MobileIdView(Guid Id, Guid PersonId, string Profile, MobileIdStatus Status, DeliveryChannel Channel, bool SelfService,
    string RequestedBy, DateTime RequestedAt, string? ValidatedBy, DateTime? ValidatedAt, DateTime? CodeExpiresAt, string Link, string QrCodeUrl,
    Guid? DeviceId, DateTime? IssuedAt, string? Code);

/// <summary>
/// <b>Request ID</b> (an operator for a person found with Find Person), <b>Request My ID</b>
/// (self-service) and <b>Validate Request</b> (PRODUCT.md §5.1–§5.2), with the three checks and
/// their messages, the profile rights, and the one-time code.
/// </summary>
/// <summary>Filters of the mobile ID lists (all optional).</summary>
public sealed record MobileIdQuery(Guid? PersonId, MobileIdStatus? Status, Guid? ProfileId, Guid? DeviceId, int Page, int PageSize);

public sealed class MobileIdRequests(
    MobileIdDbContext db, AccessPolicy access, ProfileRights rights, SettingsService settings, AuditTrail audit, NotificationOutbox outbox,
    IOptions<OneTimeCodeOptions> codeOptions, ChallengeCodes challenges, TimeProvider time)
{
    public const string NotAllowedOnMobile = "None of the selected user's certificates are configured to be allowed to be put on a mobile phone.";

    public const string NoProfiles =
        "The selected user has no certificates suitable for mobile devices and there are no credential profiles available for issuance.";

    public const string NoPhoneOrEmail =
        "The selected user has neither phone number nor email address registered and so is not suitable for mobile device activation.";

    /// <summary>Request ID: an operator requests a mobile ID for another person.</summary>
    public async Task<Result<MobileIdView>> RequestAsync(Caller caller, Guid personId, MobileIdRequestInput input, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        return await access.CheckAsync(caller, Workflow.RequestId, person, cancellationToken) is { } denied
            ? denied
            : await CreateAsync(caller, person, input, selfService: false, null, cancellationToken);
    }

    /// <summary>
    /// Request Replacement ID's new request: the checks and notification of Request ID for the same
    /// person (the workflow and scope are checked by the caller; no Can Request is needed). <paramref name="cancelOld"/> runs
    /// once every check has passed, before the new request is made; an error from it stops the request.
    /// </summary>
    internal Task<Result<MobileIdView>> ReplaceAsync(Caller caller, Person person, MobileIdentity old, MobileIdRequestInput input,
        Func<Task<AppError?>> cancelOld, CancellationToken cancellationToken) =>
        CreateAsync(caller, person, input, selfService: false, new Replacing(old.Id, cancelOld), cancellationToken);

    /// <summary>Request My ID: a person requests a mobile ID for themself.</summary>
    public async Task<Result<MobileIdView>> RequestMineAsync(Caller caller, MobileIdRequestInput input, CancellationToken cancellationToken)
    {
        var person = caller.PersonId is { } id ? await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken) : null;
        if (person is null)
        {
            return AppError.BadRequest("Request My ID is for a signed-in person or a person's own API client; this caller is nobody's.");
        }

        return await access.CheckAsync(caller, Workflow.RequestMyId, person, cancellationToken) is { } denied
            ? denied
            : await CreateAsync(caller, person, input, selfService: true, null, cancellationToken);
    }

    /// <summary>
    /// The profiles the caller may request for the person (Can Request) that the person may receive
    /// (Can Receive, Can Collect, Issue Device), by name: the choices of Request ID, or of Request My ID
    /// when <paramref name="workflow"/> is <see cref="Workflow.RequestMyId"/> and the person is the caller.
    /// </summary>
    public async Task<Result<IReadOnlyList<string>>> RequestableProfilesAsync(Caller caller, Guid personId, Workflow workflow, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, workflow, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var available = (await rights.ReceivableByAsync(person.Id, cancellationToken))
            .Intersect(await rights.ProfilesWhereAsync(caller, r => r.CanRequest, cancellationToken)).ToList();
        return await db.CredentialProfiles.AsNoTracking().Where(p => available.Contains(p.Id)).OrderBy(p => p.Name).Select(p => p.Name)
            .ToListAsync(cancellationToken);
    }

    private sealed record Replacing(Guid Id, Func<Task<AppError?>> CancelOld);

    private async Task<Result<MobileIdView>> CreateAsync(Caller caller, Person person, MobileIdRequestInput input, bool selfService, Replacing? replacing,
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
            Status = profile.RequireValidation ? MobileIdStatus.AwaitingValidation : MobileIdStatus.ReadyToCollect,
            LinkToken = Tokens.NewUrlSafe(24), UpdatedAt = now, ReplacesId = replacing?.Id,
        };
        var code = profile.RequireValidation ? null : await ReleaseCodeAsync(mobileId, profile, operation, now, cancellationToken);
        db.MobileIdentities.Add(mobileId);
        if (code is not null && await NotifyAsync(person, profile.Name, mobileId, code, operation, cancellationToken) is { } notSent)
        {
            return notSent;
        }

        var workflow = selfService ? Workflow.RequestMyId : replacing is null ? Workflow.RequestId : Workflow.RequestReplacementId;
        audit.Record(caller, LifecycleActions.Requested, workflow, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, profile = profile.Name, channel = channel.Value.ToString(), status = mobileId.Status.ToString() });
        await db.SaveChangesAsync(cancellationToken);
        return View(mobileId, profile.Name, operation, code);
    }

    /// <summary>Validate Request: a second operator with Can Validate releases the code of a request that needs validation.</summary>
    public async Task<Result<MobileIdView>> ValidateAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.SingleOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (mobileId is null)
        {
            return AppError.NotFound("That mobile ID request");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        if (await access.CheckAsync(caller, Workflow.ValidateRequest, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var profile = await db.CredentialProfiles.AsNoTracking().SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
        if (!(await rights.ProfilesWhereAsync(caller, r => r.CanValidate, cancellationToken)).Contains(profile.Id))
        {
            return AppError.Forbidden(ErrorCodes.WorkflowNotGranted, $"None of your roles has Can Validate for the credential profile '{profile.Name}'.");
        }

        if (mobileId.RequestedById == caller.Id && caller.Kind != CallerKind.System)
        {
            return AppError.Forbidden(ErrorCodes.WorkflowNotGranted, "A request must be validated by someone other than the operator who requested it.");
        }

        if (caller.PersonId is { } self && self == mobileId.PersonId)
        {
            return AppError.Forbidden(ErrorCodes.WorkflowNotGranted, "Nobody may validate a request for their own mobile ID.");
        }

        if (mobileId.Status != MobileIdStatus.AwaitingValidation)
        {
            return AppError.Conflict($"This request is {mobileId.Status}, not awaiting validation.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var operation = await settings.GetAsync(cancellationToken);
        var code = await ReleaseCodeAsync(mobileId, profile, operation, now, cancellationToken);
        if (await NotifyAsync(person, profile.Name, mobileId, code, operation, cancellationToken) is { } notSent)
        {
            return notSent;
        }

        mobileId.Status = MobileIdStatus.ReadyToCollect;
        mobileId.ValidatedById = caller.Id;
        mobileId.ValidatedByName = caller.Name;
        mobileId.ValidatedAt = now;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(caller, LifecycleActions.Validated, Workflow.ValidateRequest, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, profile = profile.Name });
        await db.SaveChangesAsync(cancellationToken);
        return View(mobileId, profile.Name, operation, code);
    }

    /// <summary>
    /// The mobile IDs of the people in the caller's Find Person scope that match the query, newest
    /// request first. Everyone may list their own (self-service).
    /// </summary>
    public async Task<PagedResult<MobileIdView>> SearchAsync(Caller caller, MobileIdQuery query, CancellationToken cancellationToken)
    {
        var coverage = await access.CoverageAsync(caller, Workflow.FindPerson, cancellationToken);
        var found = db.MobileIdentities.AsNoTracking();
        var own = query.PersonId is { } asked && asked == caller.PersonId;
        if (!coverage.Everyone && !own)
        {
            var people = access.Filter(db.People.AsNoTracking(), coverage).Select(p => p.Id);
            found = found.Where(m => people.Contains(m.PersonId));
        }

        if (query.PersonId is { } personId)
        {
            found = found.Where(m => m.PersonId == personId);
        }

        if (query.Status is { } status)
        {
            found = found.Where(m => m.Status == status);
        }

        if (query.ProfileId is { } profileId)
        {
            found = found.Where(m => m.ProfileId == profileId);
        }

        if (query.DeviceId is { } deviceId)
        {
            found = found.Where(m => m.DeviceId == deviceId);
        }

        var total = await found.CountAsync(cancellationToken);
        var page = await found.OrderByDescending(m => m.RequestedAt).ThenBy(m => m.Id)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToListAsync(cancellationToken);
        var operation = await settings.GetAsync(cancellationToken);
        var profiles = await db.CredentialProfiles.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);
        return new PagedResult<MobileIdView>(page.Select(m => View(m, profiles.GetValueOrDefault(m.ProfileId) ?? "", operation, null)).ToList(),
            query.Page, query.PageSize, total);
    }

    public async Task<Result<MobileIdView>> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (mobileId is null)
        {
            return AppError.NotFound("That mobile ID");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        if (await access.CheckAsync(caller, Workflow.FindPerson, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        return await ViewAsync(mobileId, cancellationToken);
    }

    /// <summary>A mobile ID as the API shows it, without its code.</summary>
    internal async Task<MobileIdView> ViewAsync(MobileIdentity mobileId, CancellationToken cancellationToken)
    {
        var profile = await db.CredentialProfiles.AsNoTracking().Where(p => p.Id == mobileId.ProfileId).Select(p => p.Name).SingleAsync(cancellationToken);
        return View(mobileId, profile, await settings.GetAsync(cancellationToken), null);
    }

    /// <summary>
    /// Queues the link and code on the request's channel, in the same transaction as the request
    /// (PRODUCT.md §5.3): email; SMS; or, with Send Mobile OTP via SMS, the link by email and the code
    /// by SMS. The QR code channel sends nothing. A message that cannot be queued refuses the request.
    /// </summary>
    private async Task<AppError?> NotifyAsync(Person person, string profile, MobileIdentity mobileId, string code, OperationSettings operation,
        CancellationToken cancellationToken)
    {
        var view = View(mobileId, profile, operation, code);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["displayName"] = PersonRules.DisplayName(person), ["link"] = view.Link, ["code"] = code, ["qrUrl"] = view.QrCodeUrl, ["profile"] = profile,
            ["expiresAt"] = mobileId.CodeExpiresAt!.Value.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
        };
        var about = new NotificationSubject(person.Id, mobileId.Id);
        var queued = mobileId.Channel switch
        {
            DeliveryChannel.Email => [await outbox.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileProvision, values, about, cancellationToken)],
            DeliveryChannel.Sms => [await outbox.EnqueueSmsAsync(person.Mobile!, TemplateCatalog.MobileProvisionSms, values, about, cancellationToken)],
            DeliveryChannel.EmailAndSms =>
            [
                await outbox.EnqueueEmailAsync(person.Email!, TemplateCatalog.MobileProvisionLinkOnly, values, about, cancellationToken),
                await outbox.EnqueueSmsAsync(person.Mobile!, TemplateCatalog.MobileOtpSms, values, about, cancellationToken),
            ],
            _ => new List<Result<Notification>>(),
        };
        return queued.Where(r => !r.IsSuccess).Select(r => r.Error).FirstOrDefault();
    }

    /// <summary>A new code for the request; for a profile with Require Challenge it can be found by SCEP/EST (<see cref="ChallengeCodes"/>).</summary>
    private Task<string> ReleaseCodeAsync(MobileIdentity mobileId, CredentialProfile profile, OperationSettings operation, DateTime now,
        CancellationToken cancellationToken) =>
        challenges.ReleaseAsync(db, mobileId, operation.OneTimeCodeLength.Max, profile.RequireChallenge, now.AddHours(codeOptions.Value.LifetimeHours), cancellationToken);

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

    private static MobileIdView View(MobileIdentity m, string profile, OperationSettings operation, string? code)
    {
        var link = $"{operation.DeviceProtocolAddress}/enrol/{m.LinkToken}";
        return new MobileIdView(m.Id, m.PersonId, profile, m.Status, m.Channel, m.SelfService, m.RequestedByName, m.RequestedAt, m.ValidatedByName,
            m.ValidatedAt, m.CodeExpiresAt, link, $"{operation.WebServerExternalAddress.TrimEnd('/')}/qr/{m.LinkToken}.png", m.DeviceId, m.IssuedAt, code is null ? null : OneTimeCodes.Grouped(code));
    }

}

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
        switch (mobileId.Status)
        {
            case MobileIdStatus.AwaitingValidation:
                return Rejected(StatusCodes.Status409Conflict, "This request is waiting for Validate Request; its one-time code has not been released yet.");
            case MobileIdStatus.Locked:
                return Rejected(StatusCodes.Status403Forbidden, "Too many wrong codes were typed, so this request is locked. Ask for a new mobile ID request.");
            case MobileIdStatus.Expired:
                return Rejected(StatusCodes.Status410Gone, "The one-time code has expired. Ask for a new mobile ID request.");
            case not (MobileIdStatus.ReadyToCollect or MobileIdStatus.Collecting):
                return Rejected(StatusCodes.Status410Gone, $"This provisioning link can no longer be used: the mobile ID is {mobileId.Status}.");
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
                mobileId.Status = MobileIdStatus.Locked;
                mobileId.EndedAt = now;
            }

            audit.Record(null, locked ? "mobile-id.locked" : "mobile-id.code-failed", null, AuditTarget.For(person), AuditOutcome.Denied,
                new { id = mobileId.Id, device, failures = mobileId.CodeFailures });
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
            mobileId.Status = MobileIdStatus.Collecting;
            mobileId.CodeRedeemedAt = now;
            mobileId.CodeFailures = 0;
            audit.Record(null, "mobile-id.code-redeemed", null, AuditTarget.For(person), AuditOutcome.Success, new { id = mobileId.Id, device });
        }

        mobileId.UpdatedAt = now;
        mobileId.Version++;
        await db.SaveChangesAsync(cancellationToken);
        return mobileId;
    }

    /// <summary>The code expired before it was used: the request ends as <i>Expired</i>, audited and saved.</summary>
    public async Task ExpireAsync(Caller? caller, MobileIdentity mobileId, Person person, object details, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        mobileId.Status = MobileIdStatus.Expired;
        mobileId.EndedAt = now;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(caller, "mobile-id.expired", null, AuditTarget.For(person), AuditOutcome.Success, details);
        await db.SaveChangesAsync(cancellationToken);
    }

    private static AppError Rejected(int status, string message) => new(status, ErrorCodes.CodeRejected, "One-time code rejected", message);
}
