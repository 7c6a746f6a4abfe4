using BenchmarkDotNet.Attributes;
using MobileId.Pki.Revocation;

namespace MobileId.Benchmarks;

/// <summary>
/// A full CRL of 100,000 and 1,000,000 entries from an EC P-256 issuing CA (<see cref="CrlBuilder"/>), the
/// work a large CA repeats at every CRL period. <c>CertificateRevocationListBuilder</c> took 2.4 s for 100k
/// and 11.4 s for 200k entries here (quadratic); the goal is 1M in under a second on two cores.
/// </summary>
[MemoryDiagnoser]
public class CrlBenchmarks
{
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private CrlFixture? _fixture;
    private RevokedEntry[] _entries = [];

    /// <summary>Revoked certificates on the CRL.</summary>
    [Params(100_000, 1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new CrlFixture();
        _entries = CrlFixture.CreateEntries(Entries, _now);
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture?.Dispose();

    [Benchmark(Description = "CrlBuilder.BuildFull")]
    public byte[] BuildFull() => CrlBuilder.BuildFull(_fixture!.Issuing, _fixture.IssuingKey, _entries, 1, _now, _now.AddDays(7), null);
}
