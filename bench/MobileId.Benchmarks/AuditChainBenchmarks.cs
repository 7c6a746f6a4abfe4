using BenchmarkDotNet.Attributes;
using MobileId.Server.Data;
using MobileId.Server.Features.Audit;

namespace MobileId.Benchmarks;

/// <summary>Cost of hashing one audit record: paid once per audited action, and per record by audit verify.</summary>
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

    [Benchmark]
    public string HashRecord() => AuditChain.ComputeHash(_record);
}
