using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace MobileId.CollectBench;

/// <summary>
/// Mobile IDs collected per second end to end (HTTP, database, signing) by many agents in parallel
/// against a running server on loopback, beside the raw signing rate of the issuing CA's key
/// measured in the same run. Driven by bench/collect.sh, which builds and starts the server:
/// <c>--base URL --secret API-CLIENT-SECRET --server-pid PID [--count 2000] [--concurrency 1,4,16]
/// [--warmup 400] [--max-seconds 120] [--sign-seconds 3]</c>. Prints Markdown for docs/performance.md.
/// </summary>
public static class CollectBenchEntry
{
    public static async Task<int> Main(string[] args)
    {
        var options = args.Chunk(2).Where(p => p.Length == 2 && p[0].StartsWith("--", StringComparison.Ordinal))
            .ToDictionary(p => p[0][2..], p => p[1], StringComparer.Ordinal);
        if (!options.TryGetValue("base", out var baseAddress) || !options.TryGetValue("secret", out var secret) || !options.TryGetValue("server-pid", out var pid))
        {
            await Console.Error.WriteLineAsync("Usage: collect-bench --base URL --secret SECRET --server-pid PID [--count N] [--concurrency 1,4,16] [--warmup N] [--max-seconds S] [--sign-seconds S]");
            return 2;
        }

        int Number(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var count = Number("count", 2000);
        var warmup = Number("warmup", 400);
        var limit = TimeSpan.FromSeconds(Number("max-seconds", 120));
        var levels = (options.GetValueOrDefault("concurrency") ?? "1,4,16").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
        var work = Directory.CreateTempSubdirectory("mid-collect-").FullName;
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromMinutes(5) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            var setup = new BenchSetup(api);
            var operatorSecret = await setup.ConfigureAsync(baseAddress, CancellationToken.None);
            var clock = Stopwatch.StartNew();
            var people = await setup.PeopleAsync(warmup + (count * levels.Count), CancellationToken.None);
            Progress($"imported {people.Count} people in {clock.Elapsed.TotalSeconds:F1} s");
            clock.Restart();
            var pickups = await setup.RequestAsync(people, operatorSecret, 4, CancellationToken.None);
            Progress($"{pickups.Count} Request IDs in {clock.Elapsed.TotalSeconds:F1} s ({pickups.Count / clock.Elapsed.TotalSeconds:F0}/s)");

            var run = new CollectionRun(work, new ServerCpu(int.Parse(pid, CultureInfo.InvariantCulture)));
            if (!await WarmUpAsync(run, pickups.Take(warmup).ToList()))
            {
                return 1;
            }

            var certificateBytes = await CertificateSizeAsync(api, people[0]);
            var algorithm = await SigningCeiling.IssuingAlgorithmAsync(api, CancellationToken.None);
            var loadBeforeSigning = CollectionRun.LoadAverage();
            var rates = SigningCeiling.Measure(algorithm, certificateBytes, TimeSpan.FromSeconds(Number("sign-seconds", 3)));
            Progress($"signing measured (load average {loadBeforeSigning} → {CollectionRun.LoadAverage()})");

            var results = new List<LevelResult>();
            var offset = warmup;
            foreach (var agents in levels)
            {
                var stores = run.Stores(agents);
                var result = await run.RunAsync($"c{agents}", stores, pickups.Skip(offset).Take(count).ToList(), limit, CancellationToken.None);
                offset += count;
                results.Add(result);
                Progress($"{agents} agents: {result.Collected} in {result.Wall.TotalSeconds:F1} s, {result.Errors} errors {string.Join("; ", result.FirstErrors)}");
            }

            Print(rates, results, loadBeforeSigning);
            return results.All(r => r.Errors == 0) ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Collects in batches of 40 with 4 agents until the server's tiered JIT compilation thread takes
    /// under 2 % of its CPU (or the warm-up pickups run out): hot methods are then at tier 1.
    /// </summary>
    private static async Task<bool> WarmUpAsync(CollectionRun run, IReadOnlyList<Pickup> pickups)
    {
        var stores = run.Stores(4);
        for (var offset = 0; offset < pickups.Count; offset += 40)
        {
            var batch = await run.RunAsync("warm", stores, pickups.Skip(offset).Take(40).ToList(), TimeSpan.FromMinutes(2), CancellationToken.None);
            var jitShare = batch.ServerCpu.TieredCompilation / batch.ServerCpu.Total;
            Progress($"warm-up: {batch.Collected} collected, {batch.Errors} errors, tiered JIT {100 * jitShare:F1} % of the server's CPU {string.Join("; ", batch.FirstErrors)}");
            if (batch.Collected == 0)
            {
                return false;
            }

            if (jitShare < 0.02)
            {
                break;
            }
        }

        return true;
    }

    /// <summary>The DER size of a certificate the run issued: the input size of the raw signing reference.</summary>
    private static async Task<int> CertificateSizeAsync(HttpClient api, Guid person)
    {
        var certificates = await api.GetFromJsonAsync<JsonElement>($"/api/v1/people/{person}/certificates");
        using var certificate = X509Certificate2.CreateFromPem(certificates[0].GetProperty("pem").GetString());
        return certificate.RawData.Length;
    }

    private static void Print(IReadOnlyList<Rate> rates, IReadOnlyList<LevelResult> results, string loadDuringSigning)
    {
        var cores = Environment.ProcessorCount;
        Console.WriteLine($"| operation (server idle; load average before: {loadDuringSigning}) | 1 thread | {cores} threads |");
        Console.WriteLine("|---|---|---|");
        foreach (var rate in rates)
        {
            Console.WriteLine($"| {rate.Operation} | {PerSecond(rate.OneThread)} | {PerSecond(rate.AllCores)} |");
        }

        var ceiling = rates[1].AllCores;
        var withCode = 1 / ((1 / rates[1].AllCores) + (1 / rates[2].AllCores));
        Console.WriteLine();
        Console.WriteLine($"Ceiling: {ceiling:N0} mobile IDs/s (two signatures each, {cores} threads). With the one-time code check as well: {withCode:N0}/s.");
        Console.WriteLine();
        Console.WriteLine("| agents | mobile IDs | mobile IDs/s | % of signing ceiling | p50 | p99 | errors | server CPU per mobile ID | agent CPU per mobile ID | load average before → after |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine($"| {r.Agents} | {r.Collected} | {r.PerSecond:F1} | {100 * r.PerSecond / ceiling:F1} % | {Ms(Percentile(r.LatenciesMs, 0.5))} | " +
                $"{Ms(Percentile(r.LatenciesMs, 0.99))} | {r.Errors} | {Ms(r.ServerCpu.Total.TotalMilliseconds / Math.Max(1, r.Collected))} " +
                $"({100 * r.ServerCpu.TieredCompilation / r.ServerCpu.Total:F1} % JIT) | " +
                $"{Ms(r.AgentCpu.TotalMilliseconds / Math.Max(1, r.Collected))} | {r.LoadBefore} → {r.LoadAfter} |");
        }

        Console.WriteLine();
        Console.WriteLine("| agents | enrol p50 / p99 | collect p50 / p99 | confirm p50 / p99 |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var r in results)
        {
            string Phase(string name) => r.PhasesMs.TryGetValue(name, out var t) ? $"{Ms(Percentile(t, 0.5))} / {Ms(Percentile(t, 0.99))}" : "—";
            Console.WriteLine($"| {r.Agents} | {Phase("enrol")} | {Phase("collect")} | {Phase("confirm")} |");
        }

        var best = results.Max(r => r.PerSecond);
        Console.WriteLine();
        Console.WriteLine($"Best: {best:F1} mobile IDs/s = {100 * best / ceiling:F1} % of the signing ceiling; goal ≥ 50 %: {(best >= ceiling / 2 ? "met" : "not met")}.");
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Ms(double ms) => ms < 1 ? $"{ms * 1000:F0} µs" : ms < 100 ? $"{ms:F1} ms" : $"{ms:F0} ms";

    private static string PerSecond(double rate) => $"{rate:N0}/s ({Ms(1000 / rate)})";

    private static void Progress(string message) => Console.Error.WriteLine($"==> {message}");
}
