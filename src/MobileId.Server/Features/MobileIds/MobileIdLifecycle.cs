using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.MobileIds;

/// <summary>Cancel Credential: an RFC 5280 reason (default <c>cessationOfOperation</c>) and free-text details.</summary>
public sealed record CancelCredentialInput(string? Reason, string? Details);

/// <summary>Disable ID: a reason from <see cref="MobileIdLifecycle.DisableReasons"/> and free-text details.</summary>
public sealed record DisableIdInput(string? Reason, string? Details);

/// <summary>Enable ID: optional free-text details.</summary>
public sealed record EnableIdInput(string? Details);

/// <summary>Request Replacement ID: lost, damaged or stolen, details, and the channel of the new request (as Request ID).</summary>
public sealed record ReplacementInput(string? Reason, string? Details, DeliveryChannel? Channel);

/// <summary>What Request Replacement ID did: the cancelled mobile ID and the new request.</summary>
public sealed record ReplacementView(MobileIdView Cancelled, MobileIdView Request);

/// <summary>
/// The operations on a mobile ID after its request (PRODUCT.md §5.6): <b>Cancel Credential</b>,
/// <b>Enable / Disable ID</b> and <b>Request Replacement ID</b>. Each needs its workflow and scope
/// over the person; bad input and a wrong state are refused before anything changes.
/// </summary>
public sealed class MobileIdLifecycle(
    MobileIdDbContext db, AccessPolicy access, CertificateService certificates, MobileIdRequests requests, AuditTrail audit, TimeProvider time)
{
    public const int MaxDetails = 500;

    /// <summary>The revocation reasons Cancel Credential accepts (RFC 5280 names).</summary>
    public static readonly IReadOnlyDictionary<string, X509RevocationReason> CancelReasons = new Dictionary<string, X509RevocationReason>(StringComparer.OrdinalIgnoreCase)
    {
        ["unspecified"] = X509RevocationReason.Unspecified,
        ["keyCompromise"] = X509RevocationReason.KeyCompromise,
        ["affiliationChanged"] = X509RevocationReason.AffiliationChanged,
        ["superseded"] = X509RevocationReason.Superseded,
        ["cessationOfOperation"] = X509RevocationReason.CessationOfOperation,
        ["privilegeWithdrawn"] = X509RevocationReason.PrivilegeWithdrawn,
    };

    /// <summary>Why a mobile ID is disabled.</summary>
    public static readonly IReadOnlyList<string> DisableReasons = ["lost", "suspectedCompromise", "leave", "other"];

    /// <summary>Why a replacement is needed; a stolen device's certificates are revoked for keyCompromise.</summary>
    public static readonly IReadOnlyList<string> ReplacementReasons = ["lost", "damaged", "stolen"];

    /// <summary>The states in which a mobile ID holds a device: it keeps the device from being marked cancelled.</summary>
    internal static readonly MobileIdStatus[] Live = [MobileIdStatus.Issued, MobileIdStatus.Disabled, MobileIdStatus.Collecting];

    private static readonly MobileIdStatus[] Cancellable =
        [MobileIdStatus.Issued, MobileIdStatus.Disabled, MobileIdStatus.Collecting, MobileIdStatus.ReadyToCollect, MobileIdStatus.AwaitingValidation];

    /// <summary>Cancel Credential: the mobile ID is cancelled, its certificates revoked, its device cancelled when nothing else lives on it.</summary>
    public async Task<Result<MobileIdView>> CancelAsync(Caller caller, Guid id, CancelCredentialInput input, CancellationToken cancellationToken)
    {
        if (ReadCancel(input, out var reason, out var reasonName) is { } invalid)
        {
            return invalid;
        }

        var found = await FindAsync(caller, id, Workflow.CancelCredential, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        var (mobileId, person) = found.Value;
        if (CancelRefusal(mobileId) is { } refused)
        {
            return refused;
        }

        var cancelled = await CancelCoreAsync(caller, mobileId, person, reason, reasonName, input.Details,
            Workflow.CancelCredential, cancellationToken);
        return cancelled.IsSuccess ? await requests.ViewAsync(mobileId, cancellationToken) : cancelled.Error!;
    }

    /// <summary>Disable ID: the certificates go on hold (<c>certificateHold</c>) and the mobile ID is Disabled.</summary>
    public async Task<Result<MobileIdView>> DisableAsync(Caller caller, Guid id, DisableIdInput input, CancellationToken cancellationToken)
    {
        if (ReadReason(input.Reason, DisableReasons, input.Details, out var reason) is { } invalid)
        {
            return invalid;
        }

        var found = await FindAsync(caller, id, Workflow.EnableDisableId, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        var (mobileId, person) = found.Value;
        if (mobileId.Status != MobileIdStatus.Issued)
        {
            return AppError.Conflict($"Only an Issued mobile ID can be disabled; this one is {mobileId.Status}.");
        }

        var held = await ChangeCertificatesAsync(mobileId, [CertificateStatus.Valid],
            certificate => certificates.RevokeAsync(caller, certificate, X509RevocationReason.CertificateHold, cancellationToken), cancellationToken);
        if (!held.IsSuccess)
        {
            return held.Error!;
        }

        Touch(mobileId, MobileIdStatus.Disabled);
        audit.Record(caller, LifecycleActions.Disabled, Workflow.EnableDisableId, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, reason, details = input.Details, held = held.Value });
        await db.SaveChangesAsync(cancellationToken);
        return await requests.ViewAsync(mobileId, cancellationToken);
    }

    /// <summary>Enable ID: the holds are released and the mobile ID is Issued again.</summary>
    public async Task<Result<MobileIdView>> EnableAsync(Caller caller, Guid id, EnableIdInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        CheckDetails(input.Details, errors);
        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        var found = await FindAsync(caller, id, Workflow.EnableDisableId, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        var (mobileId, person) = found.Value;
        if (mobileId.Status != MobileIdStatus.Disabled)
        {
            return AppError.Conflict($"Only a Disabled mobile ID can be enabled; this one is {mobileId.Status}.");
        }

        var released = await ChangeCertificatesAsync(mobileId, [CertificateStatus.OnHold],
            certificate => certificates.ReleaseAsync(caller, certificate, cancellationToken), cancellationToken);
        if (!released.IsSuccess)
        {
            return released.Error!;
        }

        Touch(mobileId, MobileIdStatus.Issued);
        audit.Record(caller, LifecycleActions.Enabled, Workflow.EnableDisableId, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, details = input.Details, released = released.Value });
        await db.SaveChangesAsync(cancellationToken);
        return await requests.ViewAsync(mobileId, cancellationToken);
    }

    /// <summary>
    /// Request Replacement ID: the new request for the same person and profile passes every check of
    /// Request ID first; only then is the old mobile ID cancelled (stolen: keyCompromise) and the new
    /// request created and notified.
    /// </summary>
    public async Task<Result<ReplacementView>> ReplaceAsync(Caller caller, Guid id, ReplacementInput input, CancellationToken cancellationToken)
    {
        if (ReadReason(input.Reason, ReplacementReasons, input.Details, out var reason) is { } invalid)
        {
            return invalid;
        }

        var found = await FindAsync(caller, id, Workflow.RequestReplacementId, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        var (mobileId, person) = found.Value;
        if (CancelRefusal(mobileId) is { } refused)
        {
            return refused;
        }

        var revocation = reason == "stolen" ? X509RevocationReason.KeyCompromise : X509RevocationReason.CessationOfOperation;
        var profile = await db.CredentialProfiles.AsNoTracking().Where(p => p.Id == mobileId.ProfileId).Select(p => p.Name).SingleAsync(cancellationToken);
        var created = await requests.ReplaceAsync(caller, person, mobileId, new MobileIdRequestInput(profile, input.Channel ?? mobileId.Channel),
            async () =>
            {
                var cancelled = await CancelCoreAsync(caller, mobileId, person, revocation, "replaced (" + reason + ")", input.Details,
                    Workflow.RequestReplacementId, cancellationToken);
                return cancelled.Error;
            }, cancellationToken);
        if (!created.IsSuccess)
        {
            return created.Error!;
        }

        audit.Record(caller, "mobile-id.replaced", Workflow.RequestReplacementId, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, replacement = created.Value!.Id, reason, details = input.Details });
        await db.SaveChangesAsync(cancellationToken);
        return new ReplacementView(await requests.ViewAsync(mobileId, cancellationToken), created.Value);
    }

    /// <summary>
    /// Cancels a mobile ID whose state allows it (checked by the caller): revokes every certificate
    /// not yet revoked, ends the collection session, and marks its device cancelled when no other
    /// live mobile ID uses it. Each revocation is saved on its own, so a cancel cut short can be repeated.
    /// </summary>
    internal async Task<Result<MobileIdentity>> CancelCoreAsync(Caller caller, MobileIdentity mobileId, Person person, X509RevocationReason reason,
        string reasonName, string? details, Workflow workflow, CancellationToken cancellationToken)
    {
        var revoked = await certificates.RevokeMobileIdAsync(caller, mobileId.Id, reason, cancellationToken);
        if (!revoked.IsSuccess)
        {
            return revoked.Error!;
        }

        var device = mobileId.DeviceId is { } deviceId
            && !await db.MobileIdentities.AnyAsync(m => m.DeviceId == deviceId && m.Id != mobileId.Id && Live.Contains(m.Status), cancellationToken)
            ? await db.Devices.SingleOrDefaultAsync(d => d.Id == deviceId && d.Status != DeviceStatus.Cancelled, cancellationToken)
            : null;
        var now = Touch(mobileId, MobileIdStatus.Cancelled);
        mobileId.EndedAt = now;
        mobileId.EndReason = details is { Length: > 0 } ? $"{reasonName}: {details}" : reasonName;
        mobileId.SessionTokenHash = null;
        mobileId.SessionKey = null;
        // Note: the unlock token's hash stays, so the device is told the mobile ID is cancelled rather than that its token is wrong.
        mobileId.UnlockKey = null;
        if (device is not null)
        {
            device.Status = DeviceStatus.Cancelled;
            device.UpdatedAt = now;
        }

        audit.Record(caller, LifecycleActions.Cancelled, workflow, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, reason = reasonName, details, revoked = revoked.Value, deviceCancelled = device?.SerialNumber });
        await db.SaveChangesAsync(cancellationToken);
        return mobileId;
    }

    /// <summary>Reads a cancellation's reason (default cessationOfOperation, spelt as in <see cref="CancelReasons"/>) and checks its details.</summary>
    internal static AppError? ReadCancel(CancelCredentialInput input, out X509RevocationReason reason, out string reasonName)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var wanted = string.IsNullOrWhiteSpace(input.Reason) ? "cessationOfOperation" : input.Reason.Trim();
        reasonName = CancelReasons.Keys.FirstOrDefault(k => string.Equals(k, wanted, StringComparison.OrdinalIgnoreCase)) ?? wanted;
        if (!CancelReasons.TryGetValue(wanted, out reason))
        {
            errors["reason"] = [$"'{input.Reason}' is not a cancellation reason; use one of {string.Join(", ", CancelReasons.Keys)}."];
        }

        CheckDetails(input.Details, errors);
        return errors.Count > 0 ? AppError.Validation(errors) : null;
    }

    /// <summary>Why a mobile ID cannot be cancelled (or replaced) in its state, or null.</summary>
    internal static AppError? CancelRefusal(MobileIdentity mobileId) => mobileId.Status switch
    {
        MobileIdStatus.Cancelled => AppError.Conflict($"This mobile ID is already cancelled ({mobileId.EndReason})."),
        _ when !Cancellable.Contains(mobileId.Status) => AppError.Conflict($"This mobile ID is {mobileId.Status}; it has ended and holds nothing to cancel."),
        _ => null,
    };

    private async Task<Result<(MobileIdentity MobileId, Person Person)>> FindAsync(Caller caller, Guid id, Workflow workflow, CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.SingleOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (mobileId is null)
        {
            return AppError.NotFound("That mobile ID");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        return await access.CheckAsync(caller, workflow, person, cancellationToken) is { } denied ? denied : (mobileId, person);
    }

    private DateTime Touch(MobileIdentity mobileId, MobileIdStatus status)
    {
        var now = time.GetUtcNow().UtcDateTime;
        mobileId.Status = status;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        return now;
    }

    /// <summary>Applies one status change to each certificate of the mobile ID in these states (each saved on its own); their serial numbers.</summary>
    private async Task<Result<List<string>>> ChangeCertificatesAsync(MobileIdentity mobileId, CertificateStatus[] from,
        Func<Guid, Task<Result<IssuedCertificate>>> change, CancellationToken cancellationToken)
    {
        var serials = new List<string>();
        foreach (var certificate in await db.IssuedCertificates.Where(c => c.MobileIdentityId == mobileId.Id && from.Contains(c.Status))
                     .Select(c => c.Id).ToListAsync(cancellationToken))
        {
            var result = await change(certificate);
            if (!result.IsSuccess)
            {
                return result.Error!;
            }

            serials.Add(result.Value!.SerialHex);
        }

        return serials;
    }

    /// <summary>A required reason from a fixed list (any case; answered in the list's spelling), and the details.</summary>
    private static AppError? ReadReason(string? given, IReadOnlyList<string> allowed, string? details, out string? reason)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        reason = allowed.FirstOrDefault(r => string.Equals(r, given?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (reason is null)
        {
            errors["reason"] = [$"A reason is required, one of {string.Join(", ", allowed)}."];
        }

        CheckDetails(details, errors);
        return errors.Count > 0 ? AppError.Validation(errors) : null;
    }

    private static void CheckDetails(string? details, Dictionary<string, string[]> errors)
    {
        if (details?.Length > MaxDetails)
        {
            errors["details"] = [$"The details must be at most {MaxDetails} characters long."];
        }
    }
}
