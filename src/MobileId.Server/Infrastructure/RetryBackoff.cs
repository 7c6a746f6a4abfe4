namespace MobileId.Server.Infrastructure;

/// <summary>Exponential backoff for outboxes: the wait after a failed attempt.</summary>
public static class RetryBackoff
{
    /// <summary><paramref name="baseSeconds"/>, doubled for every earlier failure, at most <paramref name="max"/>.</summary>
    public static TimeSpan After(int attempt, int baseSeconds, TimeSpan max)
    {
        var seconds = baseSeconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, max.TotalSeconds));
    }
}
