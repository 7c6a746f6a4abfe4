using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.MobileIds.Disable;

/// <summary>Disable ID: a reason from <see cref="MobileIdLifecycle.DisableReasons"/> and free-text details.</summary>
public sealed record DisableIdInput(string? Reason, string? Details);

/// <summary>Disable ID (PRODUCT.md §5.6): the certificates of an Issued mobile ID go on hold (<c>certificateHold</c>) and it is Disabled.</summary>
public sealed class DisableMobileId(MobileIdDbContext db, MobileIdLifecycle lifecycle, CertificateService certificates, MobileIdRequests requests,
    AuditTrail audit)
{
    /// <summary>Disables the mobile ID.</summary>
    public async Task<Result<MobileIdView>> HandleAsync(Caller caller, Guid id, DisableIdInput input, CancellationToken cancellationToken)
    {
        if (MobileIdLifecycle.ReadReason(input.Reason, MobileIdLifecycle.DisableReasons, input.Details, out var reason) is { } invalid)
        {
            return invalid;
        }

        var found = await lifecycle.FindForAsync(caller, id, Workflow.EnableDisableId, MobileIdEvent.Disable, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var (mobileId, person) = found.Value;
        var held = await lifecycle.ChangeCertificatesAsync(mobileId, [CertificateStatus.Valid],
            certificate => certificates.RevokeAsync(caller, certificate, X509RevocationReason.CertificateHold, cancellationToken), cancellationToken);
        if (!held.IsSuccess)
        {
            return held.Error;
        }

        lifecycle.Touch(mobileId, MobileIdEvent.Disable);
        audit.Record(caller, LifecycleActions.Disabled, Workflow.EnableDisableId, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, reason, details = input.Details, held = held.Value });
        // Commit: the Disabled status and its audit record together; each hold above committed on its own, so a disable cut short can be repeated.
        await db.SaveChangesAsync(cancellationToken);
        return await requests.ViewAsync(mobileId, cancellationToken);
    }
}
