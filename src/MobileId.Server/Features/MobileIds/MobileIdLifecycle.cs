using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.MobileIds;

/// <summary>Cancel Credential: an RFC 5280 reason (default <c>cessationOfOperation</c>) and free-text details.</summary>
public sealed record CancelCredentialInput(string? Reason, string? Details);

/// <summary>
/// What the operations on a mobile ID after its request share (PRODUCT.md §5.6): the reasons and
/// their checks, finding the mobile ID with the workflow's scope over the person, the certificate
/// changes, and the cancellation itself (Cancel Credential, Request Replacement ID, Cancel Device).
/// The workflows are in the Cancel, Disable, Enable and Replace sub-namespaces; each needs its
/// workflow and scope over the person, and bad input and a wrong state are refused before anything changes.
/// </summary>
public sealed class MobileIdLifecycle(MobileIdDbContext db, AccessPolicy access, CertificateService certificates, AuditTrail audit, TimeProvider time)
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





    /// <summary>
    /// Cancels a mobile ID whose state allows it (checked by the caller): revokes every certificate
    /// not yet revoked, ends the collection session (its token stays for the device's next update), and marks its device cancelled when no other
    /// live mobile ID uses it. Each revocation is saved on its own, so a cancel cut short can be repeated.
    /// </summary>
    internal async Task<Result<MobileIdentity>> CancelCoreAsync(Caller caller, MobileIdentity mobileId, Person person, X509RevocationReason reason,
        string reasonName, string? details, Workflow workflow, CancellationToken cancellationToken)
    {
        var revoked = await certificates.RevokeMobileIdAsync(caller, mobileId.Id, reason, cancellationToken);
        if (!revoked.IsSuccess)
        {
            return revoked.Error;
        }

        var device = mobileId.DeviceId is { } deviceId
            && !await db.MobileIdentities.AnyAsync(m => m.DeviceId == deviceId && m.Id != mobileId.Id && Live.Contains(m.Status), cancellationToken)
            ? await db.Devices.SingleOrDefaultAsync(d => d.Id == deviceId && d.Status != DeviceStatus.Cancelled, cancellationToken)
            : null;
        var now = Touch(mobileId, MobileIdEvent.Cancel);
        mobileId.EndedAt = now;
        mobileId.EndReason = details is { Length: > 0 } ? $"{reasonName}: {details}" : reasonName;
        // Note: the session token stays, so the device learns of the cancellation at its next update and wipes the identity.
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
        // Commit: the Cancelled status, the device's cancellation and the audit record together; each revocation above committed on its own, so a cancel cut short can be repeated.
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

    /// <summary>The mobile ID (tracked) and its holder, when the caller has the workflow with scope over the person.</summary>
    internal async Task<Result<(MobileIdentity MobileId, Person Person)>> FindAsync(Caller caller, Guid id, Workflow workflow, CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.SingleOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (mobileId is null)
        {
            return AppError.NotFound("That mobile ID");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        return await access.CheckAsync(caller, workflow, person, cancellationToken) is { } denied ? denied : (mobileId, person);
    }

    /// <summary>The mobile ID and its holder (as <see cref="FindAsync"/>), when the state machine allows the event in its state.</summary>
    internal async Task<Result<(MobileIdentity MobileId, Person Person)>> FindForAsync(Caller caller, Guid id, Workflow workflow, MobileIdEvent @event,
        CancellationToken cancellationToken)
    {
        var found = await FindAsync(caller, id, workflow, cancellationToken);
        return found.IsSuccess && MobileIdStateMachine.Refusal(found.Value.MobileId, @event) is { } refused ? refused : found;
    }

    /// <summary>Moves the mobile ID through the state machine (its state was checked before) and marks it changed; the time of the change.</summary>
    internal DateTime Touch(MobileIdentity mobileId, MobileIdEvent @event)
    {
        var now = time.GetUtcNow().UtcDateTime;
        mobileId.Transition(@event);
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        return now;
    }

    /// <summary>Applies one status change to each certificate of the mobile ID in these states (each saved on its own); their serial numbers.</summary>
    internal async Task<Result<List<string>>> ChangeCertificatesAsync(MobileIdentity mobileId, CertificateStatus[] from,
        Func<Guid, Task<Result<IssuedCertificate>>> change, CancellationToken cancellationToken)
    {
        var serials = new List<string>();
        foreach (var certificate in await db.IssuedCertificates.Where(c => c.MobileIdentityId == mobileId.Id && from.Contains(c.Status))
                     .Select(c => c.Id).ToListAsync(cancellationToken))
        {
            var result = await change(certificate);
            if (!result.IsSuccess)
            {
                return result.Error;
            }

            serials.Add(result.Value.SerialHex);
        }

        return serials;
    }

    /// <summary>A required reason from a fixed list (any case; answered in the list's spelling), and the details.</summary>
    internal static AppError? ReadReason(string? given, IReadOnlyList<string> allowed, string? details, out string? reason)
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

    /// <summary>Free-text details are at most <see cref="MaxDetails"/> characters.</summary>
    internal static void CheckDetails(string? details, Dictionary<string, string[]> errors)
    {
        if (details?.Length > MaxDetails)
        {
            errors["details"] = [$"The details must be at most {MaxDetails} characters long."];
        }
    }
}
