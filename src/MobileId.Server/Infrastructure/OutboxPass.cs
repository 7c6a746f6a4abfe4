namespace MobileId.Server.Infrastructure;

/// <summary>
/// The batch loop of an outbox dispatch pass (notifications, webhooks): reads what is due, claims each
/// item for one attempt and makes it, batch after batch, until a batch comes back short.
/// </summary>
public static class OutboxPass
{
    private const int MaxBatchesPerPass = 50;

    /// <summary>Runs one pass; returns how many attempts succeeded.</summary>
    /// <param name="batchSize">How many items <paramref name="due"/> returns at most.</param>
    /// <param name="due">The next due items with their attempt counts.</param>
    /// <param name="claim">Takes an item for this node, given the attempt count read; false when another node has it.</param>
    /// <param name="attempt">Makes the attempt of the given number; true when it succeeded.</param>
    public static async Task<int> RunAsync(int batchSize, Func<Task<List<(Guid Id, int Attempts)>>> due,
        Func<Guid, int, Task<bool>> claim, Func<Guid, int, Task<bool>> attempt)
    {
        var succeeded = 0;
        for (var batch = 0; batch < MaxBatchesPerPass; batch++)
        {
            var items = await due();
            foreach (var (id, attempts) in items)
            {
                if (await claim(id, attempts))
                {
                    succeeded += await attempt(id, attempts + 1) ? 1 : 0;
                }
            }

            if (items.Count < batchSize)
            {
                break;
            }
        }

        return succeeded;
    }
}

/// <summary>
/// Runs an outbox dispatcher's passes one at a time on this node, each in its own service scope
/// and database context, so a pass started by a signal and one started by the poll never overlap.
/// </summary>
public sealed class OutboxPassGate(IServiceScopeFactory scopes) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Waits for the running pass (if any), then runs <paramref name="pass"/> and returns its count.</summary>
    public async Task<int> RunAsync(Func<IServiceProvider, MobileIdDbContext, Task<int>> pass, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await pass(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<MobileIdDbContext>());
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
