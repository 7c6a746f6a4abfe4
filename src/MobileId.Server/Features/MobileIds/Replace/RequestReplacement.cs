using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.MobileIds.Replace;

/// <summary>Request Replacement ID: lost, damaged or stolen, details, and the channel of the new request (as Request ID).</summary>
public sealed record ReplacementInput(string? Reason, string? Details, DeliveryChannel? Channel);

/// <summary>What Request Replacement ID did: the cancelled mobile ID and the new request.</summary>
public sealed record ReplacementView(MobileIdView Cancelled, MobileIdView Request);

/// <summary>
/// Request Replacement ID (PRODUCT.md §5.6): for a lost, damaged or stolen device, the new request for
/// the same person and profile passes every check of Request ID first; only then is the old mobile ID
/// cancelled (stolen: keyCompromise) and the new request created and notified.
/// </summary>
public sealed class RequestReplacement(MobileIdDbContext db, MobileIdLifecycle lifecycle, RequestCreation creation, MobileIdRequests requests,
    AuditTrail audit)
{
    /// <summary>Cancels the mobile ID and requests its replacement.</summary>
    public async Task<Result<ReplacementView>> HandleAsync(Caller caller, Guid id, ReplacementInput input, CancellationToken cancellationToken)
    {
        if (MobileIdLifecycle.ReadReason(input.Reason, MobileIdLifecycle.ReplacementReasons, input.Details, out var reason) is { } invalid)
        {
            return invalid;
        }

        var found = await lifecycle.FindForAsync(caller, id, Workflow.RequestReplacementId, MobileIdEvent.Cancel, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var (mobileId, person) = found.Value;
        var revocation = reason == "stolen" ? X509RevocationReason.KeyCompromise : X509RevocationReason.CessationOfOperation;
        var profile = await db.CredentialProfiles.AsNoTracking().Where(p => p.Id == mobileId.ProfileId).Select(p => p.Name).SingleAsync(cancellationToken);
        var cancelOld = new ReplacedRequest(mobileId.Id, async () => (await lifecycle.CancelCoreAsync(caller, mobileId, person, revocation,
            "replaced (" + reason + ")", input.Details, Workflow.RequestReplacementId, cancellationToken)).Error);
        var created = await creation.CreateAsync(caller, person, new MobileIdRequestInput(profile, input.Channel ?? mobileId.Channel), selfService: false,
            cancelOld, cancellationToken);
        if (!created.IsSuccess)
        {
            return created.Error;
        }

        audit.Record(caller, "mobile-id.replaced", Workflow.RequestReplacementId, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, replacement = created.Value.Id, reason, details = input.Details });
        // Commit: the new request, its code, its notification and both audit records together, once; the old mobile ID's cancellation committed in CancelCoreAsync once the new request's checks passed.
        await db.SaveChangesAsync(cancellationToken);
        return new ReplacementView(await requests.ViewAsync(mobileId, cancellationToken), created.Value);
    }
}
