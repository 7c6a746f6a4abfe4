using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.MobileIds.Cancel;

/// <summary>
/// Cancel Credential (PRODUCT.md §5.6): the mobile ID is cancelled, its certificates revoked (reason
/// <c>cessationOfOperation</c> unless given), its device cancelled when nothing else lives on it.
/// </summary>
public sealed class CancelCredential(MobileIdLifecycle lifecycle, MobileIdRequests requests)
{
    /// <summary>Cancels the mobile ID; bad input and a state that cannot be cancelled are refused before anything changes.</summary>
    public async Task<Result<MobileIdView>> HandleAsync(Caller caller, Guid id, CancelCredentialInput input, CancellationToken cancellationToken)
    {
        if (MobileIdLifecycle.ReadCancel(input, out var reason, out var reasonName) is { } invalid)
        {
            return invalid;
        }

        var found = await lifecycle.FindForAsync(caller, id, Workflow.CancelCredential, MobileIdEvent.Cancel, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var (mobileId, person) = found.Value;
        // Unit of work: CancelCoreAsync commits each revocation on its own, then the cancellation (so a cancel cut short can be repeated).
        var cancelled = await lifecycle.CancelCoreAsync(caller, mobileId, person, reason, reasonName, input.Details,
            Workflow.CancelCredential, cancellationToken);
        return cancelled.IsSuccess ? await requests.ViewAsync(mobileId, cancellationToken) : cancelled.Error;
    }
}
