namespace MobileId.Server.Features.Audit;

public sealed record AuditVerification(bool Intact, long Records, long? FirstBadSequence, string Message, string? HeadHash);

/// <summary>
/// Walks the audit chain from the first record and reports the first record that was edited,
/// deleted or moved (PRODUCT.md §12, <c>audit verify</c>).
/// </summary>
public sealed class AuditVerifier(MobileIdDbContext db)
{
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var previousHash = AuditChain.Genesis;
        long expected = 1;
        long count = 0;
        await foreach (var record in db.AuditRecords.AsNoTracking().OrderBy(r => r.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            count++;
            if (record.Sequence != expected)
            {
                return Broken(count - 1, expected, record.Sequence > expected
                    ? $"Audit record #{expected} is missing: the chain jumps from #{expected - 1} to #{record.Sequence} (deleted)."
                    : $"Audit record #{record.Sequence} is out of place after #{expected - 1}.");
            }

            if (AuditChain.ComputeHash(record) != record.Hash)
            {
                return Broken(count - 1, record.Sequence,
                    $"Audit record #{record.Sequence} has been altered: its content does not match its hash.");
            }

            if (record.PreviousHash != previousHash)
            {
                return Broken(count - 1, record.Sequence,
                    $"Audit record #{record.Sequence} does not follow record #{record.Sequence - 1}: the chain was reordered or a record before it replaced.");
            }

            previousHash = record.Hash;
            expected++;
        }

        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, cancellationToken);
        if (head.LastSequence != count)
        {
            return Broken(count, count + 1, head.LastSequence > count
                ? $"Audit records #{count + 1} to #{head.LastSequence} are missing: the log ends early (deleted)."
                : $"The audit chain head says {head.LastSequence} records but {count} exist.");
        }

        if (head.LastHash != previousHash)
        {
            return Broken(count, count, $"Audit record #{count} is not the record the chain head recorded (replaced).");
        }

        return new AuditVerification(true, count, null, $"Audit chain intact: {count} records, head {previousHash}.", previousHash);
    }

    private static AuditVerification Broken(long verified, long sequence, string message) =>
        new(false, verified, sequence, message, null);
}
