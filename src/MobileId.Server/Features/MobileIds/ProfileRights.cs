using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.MobileIds;

/// <summary>What a person or caller may do with each credential profile, through their roles (PRODUCT.md §3, Roles).</summary>
public sealed class ProfileRights(MobileIdDbContext db)
{
    /// <summary>The roles of a caller: a person's roles, an API client's role, or every role for the system.</summary>
    public async Task<IReadOnlyList<Guid>> RolesOfAsync(Caller caller, CancellationToken cancellationToken) => caller.Kind switch
    {
        CallerKind.Person => await db.PersonRoles.AsNoTracking().Where(r => r.PersonId == caller.Id).Select(r => r.RoleId).ToListAsync(cancellationToken),
        CallerKind.ApiClient => await db.ApiClients.AsNoTracking().Where(c => c.Id == caller.Id).Select(c => c.RoleId).ToListAsync(cancellationToken),
        _ => await db.Roles.AsNoTracking().Select(r => r.Id).ToListAsync(cancellationToken),
    };

    /// <summary>The profiles a caller may request, validate or unlock for (by the given right).</summary>
    public async Task<IReadOnlySet<Guid>> ProfilesWhereAsync(Caller caller, Func<ProfileRole, bool> right, CancellationToken cancellationToken)
    {
        if (caller.Kind == CallerKind.System)
        {
            return (await db.CredentialProfiles.AsNoTracking().Select(p => p.Id).ToListAsync(cancellationToken)).ToHashSet();
        }

        var roles = await RolesOfAsync(caller, cancellationToken);
        var rows = await db.ProfileRoles.AsNoTracking().Where(r => roles.Contains(r.RoleId)).ToListAsync(cancellationToken);
        return rows.Where(right).Select(r => r.ProfileId).ToHashSet();
    }

    /// <summary>
    /// The profiles a person may hold: Can Receive and Can Collect through their roles, and a role
    /// with <b>Issue Device</b>. Without Issue Device, none.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> ReceivableByAsync(Guid personId, CancellationToken cancellationToken)
    {
        var roles = await db.PersonRoles.AsNoTracking().Where(r => r.PersonId == personId).Select(r => r.Role!).ToListAsync(cancellationToken);
        if (!roles.Any(r => r.Workflows.Contains(Workflow.IssueDevice)))
        {
            return new HashSet<Guid>();
        }

        var ids = roles.Select(r => r.Id).ToList();
        var rows = await db.ProfileRoles.AsNoTracking().Where(r => ids.Contains(r.RoleId)).ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.ProfileId)
            .Where(g => g.Any(r => r.CanReceive) && g.Any(r => r.CanCollect))
            .Select(g => g.Key)
            .ToHashSet();
    }
}
