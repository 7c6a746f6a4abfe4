using System.Collections.Concurrent;
using System.Diagnostics;
using MobileId.Agent;
using MobileId.Agent.Commands;
using MobileId.Protocol.Device;

namespace MobileId.CollectBench;

/// <summary>What one concurrency level measured.</summary>
public sealed record LevelResult(int Agents, int Collected, int Errors, TimeSpan Wall, IReadOnlyList<double> LatenciesMs,
    IReadOnlyDictionary<string, IReadOnlyList<double>> PhasesMs, CpuSample ServerCpu, TimeSpan AgentCpu, string LoadBefore, string LoadAfter,
    IReadOnlyList<string> FirstErrors)
{
    public double PerSecond => Collected / Wall.TotalSeconds;
}

/// <summary>
/// Agents collecting in parallel: each has its own PIN store (made before the clock starts: a
/// store costs PBKDF2 with 600,000 iterations) and its own connection, and runs the whole
/// collection of <see cref="Collector"/> (enrol, device key and CSR, collect, package signature
/// and signer chain checked, key stored under the PIN, confirm) for one pickup after another,
/// each as a new device. One attempt per call: an error is counted, not retried.
/// </summary>
public sealed class CollectionRun(string workDirectory, ServerCpu server)
{
    private const string Pin = "246810";

    /// <summary>Until the server sends its own (the bench sets Maximum retry attempts to 0 there too): errors only in the log, no retries.</summary>
    private static readonly AgentPolicy NoRetries = new(LogLevel: 2, MaximumRetryAttempts: 0, MinimumRetryDelay: 1);
    private int _stores;
    private int _devices;

    /// <summary>PIN stores for <paramref name="count"/> agents, made in parallel.</summary>
    public AgentStore[] Stores(int count) =>
        Enumerable.Range(0, count).AsParallel().Select(_ => AgentStore.Open(Path.Combine(workDirectory, $"store-{Interlocked.Increment(ref _stores)}"), Pin)).ToArray();

    public async Task<LevelResult> RunAsync(string tag, AgentStore[] stores, IReadOnlyList<Pickup> pickups, TimeSpan limit, CancellationToken cancellationToken)
    {
        var next = -1;
        var latencies = new ConcurrentBag<double>();
        var phases = new ConcurrentDictionary<string, ConcurrentBag<double>>(StringComparer.Ordinal);
        var errors = new ConcurrentQueue<string>();
        var loadBefore = LoadAverage();
        var serverBefore = server.Read();
        using var self = Process.GetCurrentProcess();
        var agentBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var sampler = new Timer(_ => server.Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        await Task.WhenAll(stores.Select(async store =>
        {
            using var http = new HttpClient(new PhaseTimer(phases, new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }));
            var collector = new Collector(http, TextWriter.Null, new AgentLog(workDirectory, NoRetries), NoRetries);
            for (var i = Interlocked.Increment(ref next); i < pickups.Count && clock.Elapsed < limit; i = Interlocked.Increment(ref next))
            {
                var device = new DeviceDescription($"{tag}-{Interlocked.Increment(ref _devices):D6}", "android", "bench", "14", [BenchSetup.Container]);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var identity = await collector.CollectAsync(pickups[i].Link, () => pickups[i].Code, device, store, cancellationToken);
                    if (identity.Certificates is not [{ KeyCiphertext: not null }])
                    {
                        throw new InvalidOperationException($"Collected {identity.Certificates.Count} certificate(s), expected one with its key.");
                    }

                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception ex) when (ex is RejectedException or RefusedException or UnavailableException or HttpRequestException or InvalidOperationException)
                {
                    errors.Enqueue($"{ex.GetType().Name}: {ex.Message}");
                }

                // Note: a device holds the mobile IDs it collected; this one is a new device next time, so the store stays one identity long.
                store.Contents.Identities.Clear();
                store.Contents.Pending.Clear();
            }
        }));
        clock.Stop();
        self.Refresh();
        return new LevelResult(stores.Length, latencies.Count, errors.Count, clock.Elapsed, latencies.Order().ToList(),
            phases.ToDictionary(p => p.Key, p => (IReadOnlyList<double>)p.Value.Order().ToList(), StringComparer.Ordinal),
            server.Read() - serverBefore, self.TotalProcessorTime - agentBefore, loadBefore, LoadAverage(), errors.Distinct(StringComparer.Ordinal).Take(5).ToList());
    }

    /// <summary>The 1-, 5- and 15-minute load averages of the machine.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>Times each device-protocol call by its step (enrol, collect, confirm): the round trip as the agent sees it.</summary>
    private sealed class PhaseTimer(ConcurrentDictionary<string, ConcurrentBag<double>> phases, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var segments = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            phases.GetOrAdd(segments[^2], _ => []).Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
    }
}
