using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MobileId.Server.Features.Webhooks;

/// <summary>
/// Adds the webhook deliveries for the audited lifecycle actions a save carries (<see cref="WebhookOutbox"/>),
/// in the save's transaction. It reads what the records say, not their place in the chain, so it does not
/// depend on running after the audit chain's interceptor.
/// </summary>
/// <remarks>
/// Note: <see cref="MobileIdDbContext"/> runs every save asynchronously, so only the asynchronous hook is needed.
/// </remarks>
public sealed class WebhookOutboxInterceptor : SaveChangesInterceptor
{
    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is MobileIdDbContext { HasPendingAudit: true } db)
        {
            await WebhookOutbox.QueueAsync(db, db.PendingAudit, cancellationToken);
        }

        return result;
    }
}
