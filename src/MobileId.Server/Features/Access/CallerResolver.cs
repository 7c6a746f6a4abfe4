using System.Security.Claims;

namespace MobileId.Server.Features.Access;

/// <summary>
/// Loads the caller behind an authenticated principal with its current roles. Roles are read
/// on every request, so a role change or a disabled account takes effect at once.
/// </summary>
public sealed class CallerResolver(MobileIdDbContext db)
{
    public async Task<Caller?> ResolveAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (principal.Identity?.IsAuthenticated != true ||
            !Guid.TryParse(principal.FindFirstValue(Caller.IdClaim), out var id))
        {
            return null;
        }

        return principal.FindFirstValue(Caller.KindClaim) switch
        {
            "person" => await ForPersonAsync(id, principal.FindFirstValue(Caller.StampClaim), cancellationToken),
            "api-client" => await ForApiClientAsync(id, cancellationToken),
            _ => null,
        };
    }

    public async Task<Caller?> ForPersonAsync(Guid personId, string? stamp, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking()
            .Include(p => p.Roles).ThenInclude(r => r.Role)
            .SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null || person.Status != PersonStatus.Active || person.SecurityStamp != stamp)
        {
            return null;
        }

        return new Caller
        {
            Kind = CallerKind.Person,
            Id = person.Id,
            Name = person.LogonName,
            PersonId = person.Id,
            GroupId = person.GroupId,
            MustChangePassword = person.MustChangePassword,
            Grants = person.Roles.Where(r => r.Role is not null)
                .SelectMany(r => r.Role!.Workflows.Select(w => new Grant(w, r.Role.Scope)))
                .Distinct()
                .ToList(),
        };
    }

    private async Task<Caller?> ForApiClientAsync(Guid clientId, CancellationToken cancellationToken)
    {
        var client = db.ApiClients.Local.FirstOrDefault(c => c.Id == clientId && c.Role is not null)
            ?? await db.ApiClients.AsNoTracking().Include(c => c.Role).SingleOrDefaultAsync(c => c.Id == clientId, cancellationToken);
        if (client is null || client.Disabled || client.Role is null)
        {
            return null;
        }

        Guid? groupId = null;
        if (client.PersonId is { } personId)
        {
            groupId = await db.People.Where(p => p.Id == personId).Select(p => p.GroupId).SingleOrDefaultAsync(cancellationToken);
        }

        return new Caller
        {
            Kind = CallerKind.ApiClient,
            Id = client.Id,
            Name = client.Name,
            PersonId = client.PersonId,
            GroupId = groupId,
            Grants = client.Role.Workflows.Select(w => new Grant(w, client.Scope)).ToList(),
        };
    }
}
