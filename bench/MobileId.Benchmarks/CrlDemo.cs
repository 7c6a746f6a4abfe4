using System.Diagnostics;
using System.Globalization;
using MobileId.Pki.Revocation;

namespace MobileId.Benchmarks;

/// <summary>
/// <c>crl-demo N [out.crl]</c>: builds one N-entry CRL (twice: cold, then warm) and prints the seconds each
/// took, for bench/crl-vs-openssl.sh to set beside <c>openssl ca -gencrl</c>. Key and entry creation are not timed.
/// </summary>
internal static class CrlDemo
{
    public static int Run(string[] args)
    {
        if (args.Length is < 1 or > 2 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 0)
        {
            Console.Error.WriteLine("usage: crl-demo N [out.crl]");
            return 2;
        }

        using var fixture = new CrlFixture();
        var now = DateTimeOffset.UtcNow;
        var entries = CrlFixture.CreateEntries(count, now);
        byte[] crl = [];
        foreach (var run in new[] { "cold", "warm" })
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            crl = CrlBuilder.BuildFull(fixture.Issuing, fixture.IssuingKey, entries, 1, now, now.AddDays(7), null);
            clock.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"MobileId CrlBuilder ({run}): {count} entries in {clock.Elapsed.TotalSeconds:F3} s (CPU {cpu.TotalSeconds:F3} s), {crl.Length} bytes"));
        }

        if (args.Length == 2)
        {
            File.WriteAllBytes(args[1], crl);
        }

        return 0;
    }
}
