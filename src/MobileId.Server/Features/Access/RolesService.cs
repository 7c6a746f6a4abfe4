using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Access;

public sealed record RoleView(Guid Id, string Name, string? Description, Scope Scope, bool BuiltIn,
    IReadOnlyList<Workflow> Workflows, bool AllowPasswordLogon, bool AllowCertificateLogon);

public sealed record RoleInput(string? Name, string? Description, Scope? Scope, List<Workflow>? Workflows,
    bool? AllowPasswordLogon, bool? AllowCertificateLogon);

public sealed record AssignRolesRequest(List<string>? Roles);

/// <summary>Edit Roles: role definitions and who holds them, without ever granting more than the caller has.</summary>
public sealed class RolesService(MobileIdDbContext db, AccessPolicy access, AuditTrail audit)
{
    public async Task<IReadOnlyList<RoleView>> ListAsync(CancellationToken cancellationToken) =>
        (await db.Roles.AsNoTracking().OrderBy(r => r.Name).ToListAsync(cancellationToken)).Select(View).ToList();

    public async Task<Result<RoleView>> CreateAsync(Caller caller, RoleInput input, CancellationToken cancellationToken)
    {
        var role = new Role { Id = Guid.CreateVersion7(), Name = "" };
        if (await ApplyAsync(caller, role, input, cancellationToken) is { } error)
        {
            return error;
        }

        db.Roles.Add(role);
        audit.Record(caller, "role.created", Workflow.EditRoles, Target(role), AuditOutcome.Success, Describe(role));
        // Commit: the new role and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return View(role);
    }

    public async Task<Result<RoleView>> UpdateAsync(Caller caller, Guid id, RoleInput input, CancellationToken cancellationToken)
    {
        var role = await db.Roles.SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return AppError.NotFound("That role");
        }

        if (EscalationError(caller, role) is { } cannotTouch)
        {
            return cannotTouch;
        }

        var before = Describe(role);
        if (await ApplyAsync(caller, role, input, cancellationToken) is { } error)
        {
            return error;
        }

        audit.Record(caller, "role.updated", Workflow.EditRoles, Target(role), AuditOutcome.Success, new { before, after = Describe(role) });
        // Commit: the role's changes and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return View(role);
    }

    public async Task<AppError?> DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var role = await db.Roles.SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return AppError.NotFound("That role");
        }

        if (role.BuiltIn)
        {
            return AppError.Conflict($"'{role.Name}' is a built-in role; edit it instead of deleting it.");
        }

        if (EscalationError(caller, role) is { } cannotTouch)
        {
            return cannotTouch;
        }

        var holders = await db.PersonRoles.CountAsync(r => r.RoleId == id, cancellationToken);
        var clients = await db.ApiClients.CountAsync(c => c.RoleId == id, cancellationToken);
        if (holders + clients > 0)
        {
            return AppError.Conflict($"'{role.Name}' is held by {holders} people and {clients} API clients; take it from them first.");
        }

        db.Roles.Remove(role);
        audit.Record(caller, "role.deleted", Workflow.EditRoles, Target(role), AuditOutcome.Success, Describe(role));
        // Commit: the role's removal and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>Replaces the roles a person holds. Each role added or removed must be within the caller's own rights.</summary>
    public async Task<Result<IReadOnlyList<string>>> AssignAsync(Caller caller, Guid personId, IReadOnlyList<string> roleNames, CancellationToken cancellationToken)
    {
        var person = await db.People.Include(p => p.Roles).ThenInclude(r => r.Role).SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, Workflow.EditRoles, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var roles = await db.Roles.ToListAsync(cancellationToken);
        var wanted = new List<Role>();
        var unknown = new List<string>();
        foreach (var name in roleNames.Select(n => n.Trim()).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var role = roles.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            if (role is null)
            {
                unknown.Add(name);
            }
            else
            {
                wanted.Add(role);
            }
        }

        if (unknown.Count > 0)
        {
            return AppError.Validation("roles", $"No role is named {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Roles: {string.Join(", ", roles.Select(r => r.Name))}.");
        }

        var current = person.Roles.Select(r => r.Role!).ToList();
        var added = wanted.Where(w => current.All(c => c.Id != w.Id)).ToList();
        var removed = current.Where(c => wanted.All(w => w.Id != c.Id)).ToList();
        foreach (var role in added.Concat(removed))
        {
            if (EscalationError(caller, role) is { } escalation)
            {
                return escalation;
            }
        }

        if (caller.PersonId == person.Id && removed.Any(r => r.Workflows.Contains(Workflow.EditRoles)) &&
            !wanted.Any(r => r.Workflows.Contains(Workflow.EditRoles)))
        {
            return AppError.Validation("roles", "You cannot take Edit Roles away from yourself; ask another administrator.");
        }

        if (added.Count + removed.Count > 0)
        {
            person.Roles.RemoveAll(r => removed.Any(x => x.Id == r.RoleId));
            person.Roles.AddRange(added.Select(r => new PersonRole { PersonId = person.Id, RoleId = r.Id, Role = r }));
            person.SecurityStamp = Guid.NewGuid().ToString("N");
            person.Version++;
            audit.Record(caller, "person.roles.changed", Workflow.EditRoles, AuditTarget.For(person), AuditOutcome.Success,
                new { added = added.Select(r => r.Name), removed = removed.Select(r => r.Name) });
            // Commit: the person's role rows, their new security stamp and the audit record together, once.
            await db.SaveChangesAsync(cancellationToken);
        }

        return wanted.Select(r => r.Name).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The rule against privilege escalation: a caller may grant, take away or define a role only
    /// when the caller holds each of its workflows with at least its scope. A Self-scoped role only
    /// ever reaches its holder, so anyone with Edit Roles may hand it out. Request ID and Request My
    /// ID belong to no role by default (PRODUCT.md §2), so whoever holds Edit Roles with scope All
    /// may grant them; otherwise no one could ever issue a mobile ID.
    /// </summary>
    public static AppError? EscalationError(Caller caller, Role role) =>
        EscalationError(caller, role.Name, role.Scope, role.Workflows);

    public static AppError? EscalationError(Caller caller, string name, Scope scope, IEnumerable<Workflow> workflows)
    {
        if (scope == Scope.Self)
        {
            return null;
        }

        var topAdministrator = caller.HasWithScope(Workflow.EditRoles, Scope.All);
        var missing = workflows.Where(w => !caller.HasWithScope(w, scope) && !(topAdministrator && w is (Workflow.RequestId or Workflow.RequestMyId)))
            .Select(w => w.DisplayName()).ToList();
        return missing.Count == 0
            ? null
            : AppError.Forbidden(ErrorCodes.PrivilegeEscalation,
                $"'{name}' grants {string.Join(", ", missing)} with scope {scope.DisplayName()}, which your own roles do not; you cannot hand out more than you hold.");
    }

    private async Task<AppError?> ApplyAsync(Caller caller, Role role, RoleInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            errors["name"] = ["Role name is required, at most 100 characters."];
        }
        else if (role.BuiltIn && name != role.Name)
        {
            errors["name"] = [$"'{role.Name}' is a built-in role and keeps its name."];
        }

        if (input.Scope is null)
        {
            errors["scope"] = ["Scope is required: Self, Department, DepartmentAndBelow or All."];
        }

        if (input.Workflows is null)
        {
            errors["workflows"] = ["Workflows are required (an empty list is allowed)."];
        }

        if ((input.Description?.Length ?? 0) > 500)
        {
            errors["description"] = ["Description must be at most 500 characters long."];
        }

        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        if (await db.Roles.AnyAsync(r => r.Name == name && r.Id != role.Id, cancellationToken))
        {
            return AppError.Conflict($"A role named '{name}' already exists.");
        }

        if (EscalationError(caller, name!, input.Scope!.Value, input.Workflows!) is { } escalation)
        {
            return escalation;
        }

        role.Name = name!;
        role.Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        role.Scope = input.Scope.Value;
        role.Workflows = input.Workflows!.ToHashSet();
        role.AllowPasswordLogon = input.AllowPasswordLogon ?? role.AllowPasswordLogon;
        role.AllowCertificateLogon = input.AllowCertificateLogon ?? role.AllowCertificateLogon;
        return null;
    }

    private static AuditTarget Target(Role role) => new("role", role.Id.ToString("D"), role.Name);

    private static object Describe(Role role) => new
    {
        role.Name,
        Scope = role.Scope.ToString(),
        Workflows = role.Workflows.Select(w => w.ToString()).Order(StringComparer.Ordinal).ToList(),
        role.AllowPasswordLogon,
        role.AllowCertificateLogon,
    };

    public static RoleView View(Role role) => new(role.Id, role.Name, role.Description, role.Scope, role.BuiltIn,
        role.Workflows.Order().ToList(), role.AllowPasswordLogon, role.AllowCertificateLogon);
}
