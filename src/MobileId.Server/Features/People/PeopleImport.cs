using CsvHelper;
using CsvHelper.Configuration;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.People;

public sealed record RejectedRow(int Line, string? LogonName, IReadOnlyList<string> Errors);

public sealed record ImportReport(int Rows, int Created, int Updated, int Unchanged, IReadOnlyList<RejectedRow> Rejected);

/// <summary>
/// <c>import people FILE.csv</c> and <c>POST /api/v1/people/import</c>: a CSV file with a header
/// row is checked whole first; when any row is rejected nothing is written and every bad row is
/// reported with its line and reasons. Otherwise all rows are written in one transaction.
/// Rows whose logon name exists update that person.
/// </summary>
public sealed partial class PeopleImport(MobileIdDbContext db, AccessPolicy access, AuditTrail audit, TimeProvider time)
{
    public const int MaxRows = 100_000;


    private static readonly Dictionary<string, string> Columns = new(StringComparer.Ordinal)
    {
        ["logon"] = "logonName", ["logonname"] = "logonName", ["username"] = "logonName",
        ["firstname"] = "firstName", ["lastname"] = "lastName", ["email"] = "email",
        ["mobile"] = "mobile", ["mobilenumber"] = "mobile", ["cell"] = "mobile",
        ["group"] = "group", ["department"] = "group",
        ["employeeid"] = "employeeId", ["jobtitle"] = "jobTitle", ["title"] = "jobTitle",
        ["organization"] = "organization", ["organisation"] = "organization",
        ["status"] = "status", ["roles"] = "roles",
    };

    public async Task<Result<ImportReport>> ImportAsync(Caller caller, Stream csv, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(csv, cancellationToken);
        var parsed = Parse(text);
        if (!parsed.IsSuccess)
        {
            return parsed.Error;
        }

        var (header, rows) = parsed.Value;
        progress?.Report($"Read {rows.Count} rows; checking them against the people, groups and roles in the database.");
        var now = time.GetUtcNow().UtcDateTime;
        var groups = await db.Groups.ToListAsync(cancellationToken);
        var roles = await db.Roles.ToListAsync(cancellationToken);
        var logons = rows.Select(r => PersonRules.Normalize(r.Values.GetValueOrDefault("logonName") ?? "")).Distinct().ToList();
        var existing = new Dictionary<string, Person>(StringComparer.Ordinal);
        foreach (var chunk in logons.Chunk(500))
        {
            var list = chunk.ToList();
            foreach (var person in await db.People.Include(p => p.Roles).ThenInclude(r => r.Role)
                         .Where(p => list.Contains(p.NormalizedLogonName)).ToListAsync(cancellationToken))
            {
                existing[person.NormalizedLogonName] = person;
            }
        }

        var checker = new RowChecker(caller, header, groups, roles, existing, now,
            await access.CoverageAsync(caller, Workflow.AddPerson, cancellationToken),
            await access.CoverageAsync(caller, Workflow.EditPerson, cancellationToken));
        var rejected = new List<RejectedRow>();
        var plan = new List<PlannedRow>();
        foreach (var row in rows)
        {
            var (planned, refusal) = checker.Check(row);
            if (refusal is not null)
            {
                rejected.Add(refusal);
            }
            else
            {
                plan.Add(planned!);
            }
        }

        if (rejected.Count > 0)
        {
            var report = new ImportReport(rows.Count, 0, 0, 0, rejected);
            await audit.RecordNowAsync(caller, "people.import.rejected", Workflow.AddPerson, null, AuditOutcome.Failed,
                new { rows = rows.Count, rejected = rejected.Count }, cancellationToken);
            return new AppError(StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "Import rejected",
                $"{rejected.Count} of {rows.Count} rows were rejected, so nothing was imported. Fix the rows listed in 'rejectedRows' and import the file again.",
                Extensions: new Dictionary<string, object?> { ["rejectedRows"] = rejected, ["report"] = report });
        }

        progress?.Report($"All {rows.Count} rows are valid; writing them in one transaction.");
        return await WriteAsync(caller, plan, groups, checker.KnownGroupIds, now, rows.Count, cancellationToken);
    }

    private async Task<Result<ImportReport>> WriteAsync(Caller caller, List<PlannedRow> plan,
        List<Group> groups, HashSet<Guid> knownGroupIds, DateTime now, int rowCount, CancellationToken cancellationToken)
    {
        foreach (var group in groups.Where(g => !knownGroupIds.Contains(g.Id)))
        {
            db.Groups.Add(group);
            audit.Record(caller, "group.created", Workflow.AddPerson, new AuditTarget("group", group.Id.ToString("D"), group.Name, GroupId: group.Id),
                AuditOutcome.Success, new { group.Name, group.ParentId, source = "import" });
        }

        int created = 0, updated = 0, unchanged = 0;
        foreach (var (current, input, wantedRoles) in plan)
        {
            var person = current ?? new Person { Id = Guid.CreateVersion7(), LogonName = "", NormalizedLogonName = "", Status = PersonStatus.Active, CreatedAt = now, UpdatedAt = now };
            var before = current is null ? null : PeopleService.Snapshot(current);
            PersonRules.Apply(person, input);
            var roleChanged = false;
            if (wantedRoles is not null)
            {
                var currentIds = person.Roles.Select(r => r.RoleId).ToHashSet();
                var wantedIds = wantedRoles.Select(r => r.Id).ToHashSet();
                if (!currentIds.SetEquals(wantedIds))
                {
                    foreach (var role in person.Roles.Where(r => !wantedIds.Contains(r.RoleId)).Select(r => r.Role!).ToList())
                    {
                        if (RolesService.EscalationError(caller, role) is { } escalation)
                        {
                            return escalation;
                        }
                    }

                    person.Roles.RemoveAll(r => !wantedIds.Contains(r.RoleId));
                    person.Roles.AddRange(wantedRoles.Where(r => !currentIds.Contains(r.Id)).Select(r => new PersonRole { PersonId = person.Id, RoleId = r.Id }));
                    person.SecurityStamp = Guid.NewGuid().ToString("N");
                    roleChanged = true;
                }
            }

            if (current is null)
            {
                db.People.Add(person);
                created++;
                audit.Record(caller, "person.created", Workflow.AddPerson, AuditTarget.For(person), AuditOutcome.Success,
                    new { source = "import", roles = wantedRoles?.Select(r => r.Name) });
                continue;
            }

            var after = PeopleService.Snapshot(person);
            var changes = before!.Keys.Where(k => !Equals(before[k], after[k])).ToDictionary(k => k, k => new { oldValue = before[k], newValue = after[k] });
            if (changes.Count == 0 && !roleChanged)
            {
                unchanged++;
                continue;
            }

            person.Version++;
            person.UpdatedAt = now;
            updated++;
            audit.Record(caller, "person.updated", Workflow.EditPerson, AuditTarget.For(person), AuditOutcome.Success,
                new { source = "import", changes, roles = roleChanged ? wantedRoles!.Select(r => r.Name) : null });
        }

        var report = new ImportReport(rowCount, created, updated, unchanged, []);
        audit.Record(caller, "people.imported", Workflow.AddPerson, null, AuditOutcome.Success, new { rows = rowCount, created, updated, unchanged });
        // Commit: the whole import (groups, people, roles and every audit record) together, once: a refused row leaves nothing behind.
        await db.SaveChangesAsync(cancellationToken);
        return report;
    }

    private sealed record CsvRow(int Line, Dictionary<string, string?> Values, int Fields);

    private static Result<(HashSet<string> Header, List<CsvRow> Rows)> Parse(string text)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = true,
            DetectDelimiterValues = [",", ";", "\t"],
            BadDataFound = null,
            MissingFieldFound = null,
            IgnoreBlankLines = true,
            TrimOptions = TrimOptions.Trim,
        };
        using var reader = new CsvReader(new StringReader(text), config);
        try
        {
            if (!reader.Read() || !reader.ReadHeader() || reader.HeaderRecord is not { Length: > 0 } rawHeader)
            {
                return AppError.BadRequest("The CSV file is empty: it needs a header row, for example 'logonName,firstName,lastName,email,mobile,group'.");
            }

            var header = new List<string>();
            var unknown = new List<string>();
            foreach (var column in rawHeader)
            {
                var key = new string(column.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
                if (Columns.TryGetValue(key, out var field))
                {
                    header.Add(field);
                }
                else
                {
                    unknown.Add(column);
                }
            }

            var headerLine = reader.Parser.RawRow;
            if (unknown.Count > 0)
            {
                return HeaderError(headerLine,
                    $"Unknown column {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Known columns: logonName, firstName, lastName, email, mobile, group, employeeId, jobTitle, organization, status, roles.");
            }

            if (!header.Contains("logonName"))
            {
                return HeaderError(headerLine, "The CSV header needs a 'logonName' column.");
            }

            if (header.Count != header.Distinct(StringComparer.Ordinal).Count())
            {
                return HeaderError(headerLine, "A column appears twice in the CSV header.");
            }

            var rows = new List<CsvRow>();
            while (reader.Read())
            {
                var line = reader.Parser.RawRow;
                if (rows.Count >= MaxRows)
                {
                    return AppError.BadRequest($"The CSV file has more than {MaxRows} rows; split it into smaller files.");
                }

                var values = new Dictionary<string, string?>(StringComparer.Ordinal);
                var count = reader.Parser.Count;
                for (var i = 0; i < header.Count; i++)
                {
                    values[header[i]] = i < count ? reader.GetField(i) : null;
                }

                rows.Add(new CsvRow(line, values, count));
            }

            return (header.ToHashSet(StringComparer.Ordinal), rows);
        }
        catch (CsvHelperException ex)
        {
            var line = ex.Context?.Parser?.RawRow ?? 0;
            return AppError.BadRequest($"The CSV file cannot be read at line {line}: check its quotes and delimiters.");
        }
    }

    /// <summary>A header the import cannot use: reported like a rejected row (its line) and under <c>errors.header</c>.</summary>
    private static AppError HeaderError(int line, string message) =>
        new(StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "Import rejected",
            $"The CSV header is not usable, so nothing was imported. {message}",
            new Dictionary<string, string[]> { ["header"] = [message] },
            new Dictionary<string, object?> { ["rejectedRows"] = new List<RejectedRow> { new(line, null, [message]) } });

    private static async Task<string> ReadTextAsync(Stream csv, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await csv.CopyToAsync(buffer, cancellationToken);
        return TextFiles.Decode(buffer.ToArray());
    }
}
