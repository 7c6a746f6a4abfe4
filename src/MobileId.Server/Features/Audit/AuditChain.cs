using System.Security.Cryptography;
using System.Text;

namespace MobileId.Server.Features.Audit;

/// <summary>
/// The hash chain of the audit log: each record's hash covers its own content and the
/// previous record's hash, so an edited, deleted or reordered record breaks every later link.
/// </summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of the first record.</summary>
    public static readonly string Genesis = AuditHead.Genesis;

    /// <summary>
    /// Audit times are kept to whole microseconds: PostgreSQL stores no finer, and the hash
    /// must survive a round trip through either database.
    /// </summary>
    public static DateTime Truncate(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);

    public static string ComputeHash(AuditRecord record)
    {
        var text = new StringBuilder(512);
        // Note: every field is written as <length>:<value>; so that no choice of field values can
        // make two different records serialise to the same text.
        Append(text, "mobileid-audit-v1");
        Append(text, record.PreviousHash);
        Append(text, record.Sequence.ToString(CultureInfo.InvariantCulture));
        Append(text, record.OccurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        Append(text, record.ActorKind);
        Append(text, record.ActorId);
        Append(text, record.ActorName);
        Append(text, record.Action);
        Append(text, record.Workflow);
        Append(text, record.TargetKind);
        Append(text, record.TargetId);
        Append(text, record.TargetName);
        Append(text, record.TargetPersonId?.ToString("D"));
        Append(text, record.TargetGroupId?.ToString("D"));
        Append(text, record.SourceAddress);
        Append(text, record.Outcome.ToString());
        Append(text, record.Details);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void Append(StringBuilder text, string? value)
    {
        if (value is null)
        {
            text.Append("-;");
            return;
        }

        text.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append(';');
    }
}
