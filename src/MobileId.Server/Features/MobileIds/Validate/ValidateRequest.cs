using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Settings;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.MobileIds.Validate;

/// <summary>
/// Validate Request (PRODUCT.md §5.2): a second operator with Can Validate for the profile releases the
/// code of a request that needs validation; nobody validates their own request or their own mobile ID.
/// </summary>
public sealed class ValidateRequest(MobileIdDbContext db, AccessPolicy access, ProfileRights rights, SettingsService settings, ProvisioningCodes codes,
    AuditTrail audit, TimeProvider time)
{
    /// <summary>Validates the request: its code is released and sent to the person.</summary>
    public async Task<Result<MobileIdView>> HandleAsync(Caller caller, Guid id, CancellationToken cancellationToken)
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

        if (MobileIdStateMachine.Refusal(mobileId, MobileIdEvent.Validate) is { } wrongState)
        {
            return wrongState;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var operation = await settings.GetAsync(cancellationToken);
        var code = await codes.ReleaseAsync(mobileId, profile, operation, now, cancellationToken);
        if (await codes.NotifyAsync(person, profile.Name, mobileId, code, operation, cancellationToken) is { } notSent)
        {
            return notSent;
        }

        mobileId.Transition(MobileIdEvent.Validate);
        mobileId.ValidatedById = caller.Id;
        mobileId.ValidatedByName = caller.Name;
        mobileId.ValidatedAt = now;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(caller, LifecycleActions.Validated, Workflow.ValidateRequest, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, profile = profile.Name });
        // Commit: the new status, the code, its notification and the audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return MobileIdRequests.View(mobileId, profile.Name, operation, code);
    }
}
