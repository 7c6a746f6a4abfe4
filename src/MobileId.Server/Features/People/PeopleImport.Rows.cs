using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.People;

public sealed partial class PeopleImport
{
    /// <summary>A row that passed every check: the person it updates (or null for a new one), the values and the wanted roles.</summary>
    private sealed record PlannedRow(Person? Existing, PersonInput Input, List<Role>? Roles);

    /// <summary>
    /// Checks one CSV row at a time against the people, groups and roles in the database and the
    /// caller's rights and scope; remembers the logon names seen so far to report duplicates.
    /// </summary>
    private sealed class RowChecker(
        Caller caller, HashSet<string> header, List<Group> groups, List<Role> roles, Dictionary<string, Person> existing, DateTime now,
        Coverage addCoverage, Coverage editCoverage)
    {
        private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);

        public HashSet<Guid> KnownGroupIds { get; } = groups.Select(g => g.Id).ToHashSet();

        public (PlannedRow? Planned, RejectedRow? Rejected) Check(CsvRow row)
        {
            var v = row.Values;
            var logon = v.GetValueOrDefault("logonName")?.Trim();
            if (row.Fields > header.Count)
            {
                // Note: the values of such a row are shifted, so checking them would only add noise.
                return (null, new RejectedRow(row.Line, logon,
                    [$"the row has {row.Fields} fields but the header has {header.Count} columns (quote values that contain the delimiter)."]));
            }

            var errors = new List<string>();
            var normalized = PersonRules.Normalize(logon ?? "");
            if (logon is { Length: > 0 } && !_seen.TryAdd(normalized, row.Line))
            {
                errors.Add($"logon name '{logon}' also appears on line {_seen[normalized]}.");
            }

            var groupId = CheckGroup(v, errors);
            var status = CheckStatus(v, errors);
            var input = new PersonInput(logon, v.GetValueOrDefault("firstName"), v.GetValueOrDefault("lastName"), v.GetValueOrDefault("email"),
                v.GetValueOrDefault("mobile"), groupId, v.GetValueOrDefault("employeeId"), v.GetValueOrDefault("jobTitle"),
                v.GetValueOrDefault("organization"), status);
            errors.AddRange(PersonRules.Validate(input).SelectMany(e => e.Value));

            existing.TryGetValue(normalized, out var current);
            CheckScope(logon, current, groupId, v.GetValueOrDefault("group"), errors);
            var wantedRoles = header.Contains("roles") ? CheckRoles(v.GetValueOrDefault("roles"), errors) : null;
            return errors.Count > 0
                ? (null, new RejectedRow(row.Line, logon, errors))
                : (new PlannedRow(current, input, wantedRoles), null);
        }

        private Guid? CheckGroup(Dictionary<string, string?> v, List<string> errors)
        {
            if (v.GetValueOrDefault("group") is not { Length: > 0 } groupPath)
            {
                return null;
            }

            var group = GroupsService.Resolve(groupPath, groups, now, create: addCoverage.Everyone);
            if (group is null)
            {
                errors.Add($"group '{groupPath}' does not exist (only a role with Add Person and scope All may create groups by import).");
            }

            return group?.Id;
        }

        private static PersonStatus? CheckStatus(Dictionary<string, string?> v, List<string> errors)
        {
            if (v.GetValueOrDefault("status") is not { Length: > 0 } statusText)
            {
                return null;
            }

            if (Enum.TryParse<PersonStatus>(statusText, ignoreCase: true, out var s) && Enum.IsDefined(s))
            {
                return s;
            }

            errors.Add($"status '{statusText}' must be Active or Disabled.");
            return null;
        }

        private void CheckScope(string? logon, Person? current, Guid? groupId, string? groupText, List<string> errors)
        {
            var coverage = current is null ? addCoverage : editCoverage;
            var workflow = current is null ? Workflow.AddPerson : Workflow.EditPerson;
            if (!caller.Has(workflow))
            {
                errors.Add($"'{logon}' already exists and updating people needs the '{workflow.DisplayName()}' workflow.");
            }
            else if (current is not null && !coverage.Covers(current.Id, current.GroupId))
            {
                errors.Add($"'{logon}' is outside the scope of your roles for '{workflow.DisplayName()}'.");
            }
            else if (!(groupId is { } g && !KnownGroupIds.Contains(g)) && (current is null || groupId != current.GroupId) && !coverage.CoversGroup(groupId))
            {
                errors.Add($"group '{groupText}' is outside the scope of your roles for '{workflow.DisplayName()}'.");
            }
        }

        private List<Role> CheckRoles(string? text, List<string> errors)
        {
            var wantedRoles = new List<Role>();
            foreach (var name in (text ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var role = roles.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
                if (role is null)
                {
                    errors.Add($"role '{name}' does not exist.");
                }
                else if (!caller.Has(Workflow.EditRoles))
                {
                    errors.Add("assigning roles needs the 'Edit Roles' workflow.");
                    break;
                }
                else if (RolesService.EscalationError(caller, role) is { } escalation)
                {
                    errors.Add(escalation.Detail);
                }
                else
                {
                    wantedRoles.Add(role);
                }
            }

            return wantedRoles;
        }
    }
}
