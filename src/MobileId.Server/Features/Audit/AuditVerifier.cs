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
        // Note: the head is read first and only the records up to it are walked. Records and the head
        // move in one transaction, so every record up to this head is committed; records appended while
        // the walk runs are newer than this verification, not missing from it.
        var head = await db.AuditHeads.AsNoTracking().SingleAsync(h => h.Id == 1, cancellationToken);
        var last = head.LastSequence;
        var previousHash = AuditChain.Genesis;
        long expected = 1;
        long count = 0;
        await foreach (var record in db.AuditRecords.AsNoTracking().Where(r => r.Sequence <= last).OrderBy(r => r.Sequence)
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
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

        if (count != last)
        {
            return Broken(count, count + 1, $"Audit records #{count + 1} to #{last} are missing: the log ends early (deleted).");
        }

        if (head.LastHash != previousHash)
        {
            return Broken(count, count, $"Audit record #{count} is not the record the chain head recorded (replaced).");
        }

        // Records past the head are fine only if the head has moved on to them since: the head is read
        // after them, so a record appended meanwhile is already covered.
        if (await db.AuditRecords.Where(r => r.Sequence > last).MaxAsync(r => (long?)r.Sequence, cancellationToken) is { } newest)
        {
            var now = await db.AuditHeads.AsNoTracking().Where(h => h.Id == 1).Select(h => h.LastSequence).SingleAsync(cancellationToken);
            if (newest > now)
            {
                var first = await db.AuditRecords.Where(r => r.Sequence > now).MinAsync(r => r.Sequence, cancellationToken);
                return Broken(count, first,
                    $"Audit record #{first} is past the end of the chain (the head says {now} records): it was added outside the chain.");
            }
        }

        return new AuditVerification(true, count, null, $"Audit chain intact: {count} records, head {previousHash}.", previousHash);
    }

    private static AuditVerification Broken(long verified, long sequence, string message) =>
        new(false, verified, sequence, message, null);
}
