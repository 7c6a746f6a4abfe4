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
/// works, the server is not warm yet.
/// </summary>
public sealed class ServerCpu(int pid)
{
    public CpuSample Read()
    {
        var tiered = TimeSpan.Zero;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                {
                    tiered += Ticks(Path.Combine(task, "stat"));
                }
            }
            catch (IOException)
            {
                // Note: a thread that ended between the listing and the read.
            }
        }

        return new CpuSample(Ticks($"/proc/{pid}/stat"), tiered);
    }

    private static TimeSpan Ticks(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
    }
}
