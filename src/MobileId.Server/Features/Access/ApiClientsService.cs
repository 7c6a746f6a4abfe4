using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Access;

public sealed record ApiClientView(Guid Id, string Name, string Role, Scope Scope, Guid? PersonId, bool Disabled, DateTime CreatedAt, DateTime? LastUsedAt);

public sealed record CreateApiClientRequest(string? Name, string? Role, Scope? Scope, Guid? PersonId);

/// <summary>The created client and its secret, which is shown this once and never stored.</summary>
public sealed record CreatedApiClient(ApiClientView Client, string Secret);

/// <summary>API clients (PRODUCT.md §7): programs with their own role and scope and a hashed bearer secret.</summary>
public sealed class ApiClientsService(MobileIdDbContext db, AccessPolicy access, AuditTrail audit, TimeProvider time)
{
    public async Task<IReadOnlyList<ApiClientView>> ListAsync(CancellationToken cancellationToken) =>
        (await db.ApiClients.AsNoTracking().Include(c => c.Role).OrderBy(c => c.Name).ToListAsync(cancellationToken)).Select(View).ToList();

    public async Task<Result<CreatedApiClient>> CreateAsync(Caller caller, CreateApiClientRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            errors["name"] = ["Name is required, at most 100 characters."];
        }

        var role = string.IsNullOrWhiteSpace(request.Role)
            ? null
            : (await db.Roles.ToListAsync(cancellationToken)).FirstOrDefault(r => string.Equals(r.Name, request.Role.Trim(), StringComparison.OrdinalIgnoreCase));
        if (role is null)
        {
            var names = await db.Roles.OrderBy(r => r.Name).Select(r => r.Name).ToListAsync(cancellationToken);
            errors["role"] = [$"Role '{request.Role}' does not exist. Roles: {string.Join(", ", names)}."];
        }

        var scope = request.Scope ?? role?.Scope ?? Scope.Self;
        Person? person = null;
        if (request.PersonId is { } personId)
        {
            person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
            if (person is null)
            {
                errors["personId"] = [$"Person {personId} does not exist."];
            }
        }
        else if (scope != Scope.All)
        {
            errors["personId"] = [$"A client with scope {scope.DisplayName()} acts for a person: name the person (its Self and its department)."];
        }

        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        if (await db.ApiClients.AnyAsync(c => c.Name == name, cancellationToken))
        {
            return AppError.Conflict($"An API client named '{name}' already exists.");
        }

        if (RolesService.EscalationError(caller, role!.Name, scope, role.Workflows) is { } escalation)
        {
            return escalation;
        }

        if (person is not null && await access.CheckAsync(caller, Workflow.EditRoles, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var id = Guid.CreateVersion7();
        var (secret, hash) = ApiClientSecrets.Create(id);
        var client = new ApiClient
        {
            Id = id, Name = name!, RoleId = role.Id, Role = role, Scope = scope, PersonId = person?.Id, SecretHash = hash,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ApiClients.Add(client);
        audit.Record(caller, "api-client.created", Workflow.EditRoles, Target(client), AuditOutcome.Success,
            new { role = role.Name, scope = scope.ToString(), personId = person?.Id });
        // Commit: the new API client and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiClient(View(client), secret);
    }

    public async Task<AppError?> DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var client = await db.ApiClients.Include(c => c.Role).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return AppError.NotFound("That API client");
        }

        if (RolesService.EscalationError(caller, client.Role!.Name, client.Scope, client.Role.Workflows) is { } escalation)
        {
            return escalation;
        }

        db.ApiClients.Remove(client);
        audit.Record(caller, "api-client.deleted", Workflow.EditRoles, Target(client), AuditOutcome.Success);
        // Commit: the API client's removal and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    private static AuditTarget Target(ApiClient client) => new("api-client", client.Id.ToString("D"), client.Name);

    private static ApiClientView View(ApiClient c) =>
        new(c.Id, c.Name, c.Role?.Name ?? "", c.Scope, c.PersonId, c.Disabled, c.CreatedAt, c.LastUsedAt);
}
