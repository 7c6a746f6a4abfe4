using System.Globalization;

namespace MobileId.CollectBench;

/// <summary>CPU time of the server process: all of it, and its tiered JIT compilation thread's share.</summary>
public readonly record struct CpuSample(TimeSpan Total, TimeSpan TieredCompilation)
{
    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.Total - b.Total, a.TieredCompilation - b.TieredCompilation);
}

/// <summary>
/// Reads the server's CPU time from /proc (user + system, in clock ticks of 1/100 s). The thread
/// named ".NET Tiered Com" recompiles hot methods at tier 1 in the background: while it still
/// works, the server is not warm yet. That thread ends when idle and a new one starts later, so its
/// time is kept per thread id as last seen; read often (<see cref="Sample"/>) to miss little.
/// </summary>
public sealed class ServerCpu(int pid)
{
    private readonly Dictionary<string, TimeSpan> _jitThreads = new(StringComparer.Ordinal);

    public CpuSample Read()
    {
        lock (_jitThreads)
        {
            Sample();
            return new CpuSample(Ticks($"/proc/{pid}/stat"), _jitThreads.Values.Aggregate(TimeSpan.Zero, (a, b) => a + b));
        }
    }

    /// <summary>Notes the CPU time of the tiered compilation threads alive now.</summary>
    public void Sample()
    {
        lock (_jitThreads)
        {
            try
            {
                foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                    {
                        _jitThreads[Path.GetFileName(task)] = Ticks(Path.Combine(task, "stat"));
                    }
                }
            }
            catch (IOException)
            {
                // Note: a thread (or the server) that ended between the listing and the read; the next sample sees the rest.
            }
        }
    }

    private static TimeSpan Ticks(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
    }
}
