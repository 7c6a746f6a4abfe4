using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MobileId.Server.Features.Audit;

/// <summary>
/// Chains the audit records a save carries (<see cref="MobileIdDbContext.PendingAudit"/>) and adds them to
/// the context, so they are written with the change. The context has opened the save's transaction by then;
/// the update of the single <see cref="AuditHead"/> row serialises writers.
/// </summary>
/// <remarks>
/// Note: <see cref="MobileIdDbContext"/> runs every save asynchronously, so only the asynchronous hook is needed.
/// </remarks>
public sealed class AuditChainInterceptor : SaveChangesInterceptor
{
    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is MobileIdDbContext { HasPendingAudit: true } db)
        {
            await AppendAsync(db, cancellationToken);
        }

        return result;
    }

    private static async Task AppendAsync(MobileIdDbContext db, CancellationToken cancellationToken)
    {
        // Note: the UPDATE takes the head row's lock in PostgreSQL and the database write lock in
        // SQLite, so concurrent writers (threads or server nodes) extend the chain one at a time.
        await db.AuditHeads.Where(h => h.Id == 1)
            .ExecuteUpdateAsync(s => s.SetProperty(h => h.Writes, h => h.Writes + 1), cancellationToken);
        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, cancellationToken);

        var sequence = head.LastSequence;
        var previous = head.LastHash;
        foreach (var record in db.PendingAudit)
        {
            record.Sequence = ++sequence;
            record.OccurredAt = AuditChain.Truncate(record.OccurredAt);
            record.PreviousHash = previous;
            record.Hash = AuditChain.ComputeHash(record);
            previous = record.Hash;
            db.AuditRecords.Add(record);
        }

        await db.AuditHeads.Where(h => h.Id == 1)
            .ExecuteUpdateAsync(
                s => s.SetProperty(h => h.LastSequence, sequence).SetProperty(h => h.LastHash, previous),
                cancellationToken);
    }
}
