using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Protocols;

/// <summary>
/// A SCEP or EST client sends a code without naming its request, so a wrong code cannot be counted
/// against one request as the device protocol does. Instead wrong challenges are counted per
/// client address: after <see cref="ChallengeThrottleOptions.MaxFailedChallengesPerAddress"/> in the window,
/// that address gets no further challenge checked until the window ends. Per node, in memory.
/// </summary>
public sealed class ChallengeThrottle(IOptions<ChallengeThrottleOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, (int Failures, DateTimeOffset Since)> _failures = new();

    /// <summary>When the address may try again, or null when it may try now.</summary>
    public DateTimeOffset? BlockedUntil(IPAddress? address)
    {
        if (address is null || !_failures.TryGetValue(address, out var entry))
        {
            return null;
        }

        var until = entry.Since.AddMinutes(options.Value.FailureWindowMinutes);
        if (until <= time.GetUtcNow())
        {
            _failures.TryRemove(KeyValuePair.Create(address, entry));
            return null;
        }

        return entry.Failures >= options.Value.MaxFailedChallengesPerAddress ? until : null;
    }

    /// <summary>Counts a wrong challenge from the address.</summary>
    public void Failed(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        var window = TimeSpan.FromMinutes(options.Value.FailureWindowMinutes);
        _failures.AddOrUpdate(address, _ => (1, now), (_, entry) => entry.Since + window <= now ? (1, now) : (entry.Failures + 1, entry.Since));
        if (_failures.Count > 100_000)
        {
            // Note: bounded memory under a spread-out attack: forget windows that have ended.
            foreach (var stale in _failures.Where(e => e.Value.Since + window <= now).ToList())
            {
                _failures.TryRemove(stale);
            }
        }
    }
}
