using BenchmarkDotNet.Running;

namespace MobileId.Benchmarks;

/// <summary>
/// Run in Release: <c>dotnet run -c Release --project bench/MobileId.Benchmarks -- --filter '*'</c>;
/// <c>-- crl-demo N [out.crl]</c> times one N-entry CRL instead (see bench/crl-vs-openssl.sh).
/// </summary>
public static class BenchmarkEntry
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "crl-demo" or "--crl-demo")
        {
            return CrlDemo.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly).Run(args);
        return 0;
    }
}
