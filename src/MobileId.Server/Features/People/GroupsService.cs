using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.People;

public sealed record GroupView(Guid Id, string Name, Guid? ParentId, string Path);

public sealed record CreateGroupRequest(string? Name, Guid? ParentId);

/// <summary>The group (department) tree that Department scopes follow.</summary>
public sealed class GroupsService(MobileIdDbContext db, AccessPolicy access, AuditTrail audit, TimeProvider time)
{
    public const char PathSeparator = '/';

    public async Task<IReadOnlyList<GroupView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        var all = await db.Groups.AsNoTracking().ToListAsync(cancellationToken);
        var coverage = await access.CoverageAsync(caller, Workflow.FindPerson, cancellationToken);
        var byId = all.ToDictionary(g => g.Id);
        return all.Where(g => coverage.Everyone || coverage.Groups.Contains(g.Id) || g.Id == caller.GroupId)
            .Select(g => new GroupView(g.Id, g.Name, g.ParentId, PathOf(g, byId)))
            .OrderBy(g => g.Path, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<Result<GroupView>> CreateAsync(Caller caller, CreateGroupRequest request, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200 || name.Contains(PathSeparator, StringComparison.Ordinal))
        {
            return AppError.Validation("name", "Group name is required, at most 200 characters, without '/'.");
        }

        if (request.ParentId is { } parentId && !await db.Groups.AnyAsync(g => g.Id == parentId, cancellationToken))
        {
            return AppError.Validation("parentId", $"Parent group {parentId} does not exist.");
        }

        if (await access.CheckGroupAsync(caller, Workflow.AddPerson, request.ParentId, cancellationToken) is { } denied)
        {
            return denied;
        }

        if (await db.Groups.AnyAsync(g => g.ParentId == request.ParentId && g.Name == name, cancellationToken))
        {
            return AppError.Conflict($"A group named '{name}' already exists there.");
        }

        var group = new Group { Id = Guid.CreateVersion7(), Name = name, ParentId = request.ParentId, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Groups.Add(group);
        audit.Record(caller, "group.created", Workflow.AddPerson, new AuditTarget("group", group.Id.ToString("D"), name, GroupId: group.Id),
            AuditOutcome.Success, new { name, parentId = request.ParentId });
        // Commit: the new group and its audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        var byId = await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, cancellationToken);
        return new GroupView(group.Id, group.Name, group.ParentId, PathOf(group, byId));
    }

    /// <summary>
    /// Finds the group at a path such as <c>Corp/Engineering</c>, adding the missing levels to the
    /// context (not saved). Used by the CSV import, which saves everything in one transaction.
    /// </summary>
    internal static Group? Resolve(string path, List<Group> known, DateTime now, bool create)
    {
        Group? current = null;
        foreach (var part in path.Split(PathSeparator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parentId = current?.Id;
            var next = known.FirstOrDefault(g => g.ParentId == parentId && string.Equals(g.Name, part, StringComparison.OrdinalIgnoreCase));
            if (next is null)
            {
                if (!create)
                {
                    return null;
                }

                next = new Group { Id = Guid.CreateVersion7(), Name = part, ParentId = parentId, CreatedAt = now };
                known.Add(next);
            }

            current = next;
        }

        return current;
    }

    internal static string PathOf(Group group, IReadOnlyDictionary<Guid, Group> byId)
    {
        var parts = new List<string> { group.Name };
        var seen = new HashSet<Guid> { group.Id };
        for (var parent = group.ParentId; parent is { } p && byId.TryGetValue(p, out var g) && seen.Add(p); parent = g.ParentId)
        {
            parts.Insert(0, g.Name);
        }

        return string.Join(PathSeparator, parts);
    }
}
