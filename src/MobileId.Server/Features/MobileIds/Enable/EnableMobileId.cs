using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.MobileIds.Enable;

/// <summary>Enable ID: optional free-text details.</summary>
public sealed record EnableIdInput(string? Details);

/// <summary>Enable ID (PRODUCT.md §5.6): the holds of a Disabled mobile ID are released and it is Issued again.</summary>
public sealed class EnableMobileId(MobileIdDbContext db, MobileIdLifecycle lifecycle, CertificateService certificates, MobileIdRequests requests,
    AuditTrail audit)
{
    /// <summary>Enables the mobile ID.</summary>
    public async Task<Result<MobileIdView>> HandleAsync(Caller caller, Guid id, EnableIdInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        MobileIdLifecycle.CheckDetails(input.Details, errors);
        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        var found = await lifecycle.FindForAsync(caller, id, Workflow.EnableDisableId, MobileIdEvent.Enable, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var (mobileId, person) = found.Value;
        var released = await lifecycle.ChangeCertificatesAsync(mobileId, [CertificateStatus.OnHold],
            certificate => certificates.ReleaseAsync(caller, certificate, cancellationToken), cancellationToken);
        if (!released.IsSuccess)
        {
            return released.Error;
        }

        lifecycle.Touch(mobileId, MobileIdEvent.Enable);
        audit.Record(caller, LifecycleActions.Enabled, Workflow.EnableDisableId, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, details = input.Details, released = released.Value });
        // Commit: the Issued status and its audit record together; each release above committed on its own, so an enable cut short can be repeated.
        await db.SaveChangesAsync(cancellationToken);
        return await requests.ViewAsync(mobileId, cancellationToken);
    }
}
