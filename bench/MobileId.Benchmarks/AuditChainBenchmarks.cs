using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using MobileId.Server.Data;
using MobileId.Server.Features.Audit;

namespace MobileId.Benchmarks;

/// <summary>
/// Cost of hashing one audit record — paid once per audited action and once per record by
/// <c>audit verify</c> — against the reference of SHA-256 over the same number of bytes.
/// </summary>
[MemoryDiagnoser]
public class AuditChainBenchmarks
{
    private readonly AuditRecord _record = new()
    {
        Sequence = 123_456,
        OccurredAt = new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc),
        ActorKind = "person",
        ActorId = Guid.NewGuid().ToString("D"),
        ActorName = "helpdesk.operator",
        Action = "person.updated",
        Workflow = "Edit Person",
        TargetKind = "person",
        TargetId = Guid.NewGuid().ToString("D"),
        TargetName = "jane.doe",
        TargetPersonId = Guid.NewGuid(),
        SourceAddress = "192.0.2.10",
        Outcome = AuditOutcome.Success,
        Details = """{"email":{"oldValue":"jane@example.org","newValue":"jane.doe@example.org"}}""",
        PreviousHash = AuditChain.Genesis,
        Hash = "",
    };

    private byte[] _sameSize = [];

    [GlobalSetup]
    public void Setup() => _sameSize = new byte[Encoding.UTF8.GetByteCount(string.Concat(
        _record.PreviousHash, _record.ActorId, _record.ActorName, _record.Action, _record.Workflow, _record.TargetId,
        _record.TargetName, _record.SourceAddress, _record.Details)) + 200];

    [Benchmark(Baseline = true, Description = "SHA-256 of the same bytes (reference)")]
    public byte[] Sha256Reference() => SHA256.HashData(_sameSize);

    [Benchmark(Description = "AuditChain.ComputeHash")]
    public string HashRecord() => AuditChain.ComputeHash(_record);
}
