namespace MobileId.Server.Features.Issuance;

/// <summary>
/// Follows the database's revocation epoch: every revocation, hold and release raises it, and
/// every node reads it twice a second, so cached OCSP answers are dropped within a second on
/// every node (the OCSP cache keys its entries by epoch).
/// </summary>
public sealed partial class RevocationEpochWatcher(IServiceScopeFactory scopes, ILogger<RevocationEpochWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private long _current = -1;

    /// <summary>The epoch last seen; -1 before the first read (nothing is cached then).</summary>
    public long Current => Interlocked.Read(ref _current);

    /// <summary>Called by this node right after it committed a revocation, so it does not wait for the poll.</summary>
    public void Advance(long epoch)
    {
        long seen;
        do
        {
            seen = Interlocked.Read(ref _current);
            if (epoch <= seen)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _current, epoch, seen) != seen);
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
        var value = await db.RevocationEpochs.AsNoTracking().Where(e => e.Id == 1).Select(e => e.Value).SingleAsync(cancellationToken);
        Advance(value);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPollFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the revocation epoch failed; cached OCSP answers are kept until it succeeds")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
