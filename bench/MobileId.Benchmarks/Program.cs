using BenchmarkDotNet.Running;

namespace MobileId.Benchmarks;

/// <summary>Run in Release: <c>dotnet run -c Release --project bench/MobileId.Benchmarks -- --filter '*'</c>.</summary>
public static class BenchmarkEntry
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly).Run(args);
}
