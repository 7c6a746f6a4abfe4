namespace MobileId.Server.Features.Access;

/// <summary>The people a caller reaches with one workflow: everyone, or themself plus a set of groups.</summary>
public sealed record Coverage(bool Everyone, Guid? SelfId, IReadOnlySet<Guid> Groups)
{
    public static readonly Coverage Nobody = new(false, null, new HashSet<Guid>());

    public bool Covers(Guid personId, Guid? groupId) =>
        Everyone || personId == SelfId || (groupId is { } g && Groups.Contains(g));

    public bool CoversGroup(Guid? groupId) => Everyone || (groupId is { } g && Groups.Contains(g));
}

/// <summary>
/// The one place that decides whether a caller may run a workflow on a person: the workflow must
/// be granted by one of the caller's roles, with a scope that covers that person (PRODUCT.md §2).
/// Every API endpoint and console page asks here.
/// </summary>
public sealed class AccessPolicy(MobileIdDbContext db)
{
    private Dictionary<Guid, Guid?>? _parents;

    public async Task<Coverage> CoverageAsync(Caller caller, Workflow workflow, CancellationToken cancellationToken)
    {
        var scopes = caller.Grants.Where(g => g.Workflow == workflow).Select(g => g.Scope).ToHashSet();
        if (scopes.Count == 0)
        {
            return Coverage.Nobody;
        }

        if (scopes.Contains(Scope.All))
        {
            return new Coverage(true, null, new HashSet<Guid>());
        }

        var groups = new HashSet<Guid>();
        if (caller.GroupId is { } own)
        {
            if (scopes.Contains(Scope.DepartmentAndBelow))
            {
                groups.UnionWith(await DescendantsAndSelfAsync(own, cancellationToken));
            }
            else if (scopes.Contains(Scope.Department))
            {
                groups.Add(own);
            }
        }

        // Note: every scope covers the caller's own person record; Self covers nothing else.
        return new Coverage(false, caller.PersonId, groups);
    }

    /// <summary>Checks workflow and scope over one person; the error says which one failed.</summary>
    public async Task<AppError?> CheckAsync(Caller caller, Workflow workflow, Person target, CancellationToken cancellationToken)
    {
        if (!caller.Has(workflow))
        {
            return WorkflowNotGranted(workflow);
        }

        var coverage = await CoverageAsync(caller, workflow, cancellationToken);
        return coverage.Covers(target.Id, target.GroupId) ? null : OutOfScope(workflow);
    }

    /// <summary>Checks that a group (where a person is added or moved to) lies inside the caller's scope.</summary>
    /// <summary>
    /// Checks <paramref name="workflow"/> over the person with this id: 404 when there is no such
    /// person, the scope refusal when the caller cannot reach them.
    /// </summary>
    public async Task<AppError?> CheckPersonAsync(Caller caller, Workflow workflow, Guid personId, CancellationToken cancellationToken) =>
        await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken) is { } person
            ? await CheckAsync(caller, workflow, person, cancellationToken)
            : AppError.NotFound("That person");

    public async Task<AppError?> CheckGroupAsync(Caller caller, Workflow workflow, Guid? groupId, CancellationToken cancellationToken)
    {
        var coverage = await CoverageAsync(caller, workflow, cancellationToken);
        if (coverage.CoversGroup(groupId))
        {
            return null;
        }

        return AppError.Forbidden(ErrorCodes.OutOfScope, groupId is null
            ? $"Only a role with '{workflow.DisplayName()}' and scope All may place people outside every group."
            : $"That group is outside the scope of your roles for '{workflow.DisplayName()}'.");
    }

    public IQueryable<Person> Filter(IQueryable<Person> people, Coverage coverage)
    {
        if (coverage.Everyone)
        {
            return people;
        }

        var self = coverage.SelfId ?? Guid.Empty;
        var groups = coverage.Groups.ToList();
        return people.Where(p => p.Id == self || (p.GroupId != null && groups.Contains(p.GroupId.Value)));
    }

    public async Task<IReadOnlySet<Guid>> DescendantsAndSelfAsync(Guid groupId, CancellationToken cancellationToken)
    {
        _parents ??= await db.Groups.AsNoTracking().ToDictionaryAsync(g => g.Id, g => g.ParentId, cancellationToken);
        var children = _parents.Where(p => p.Value is not null).ToLookup(p => p.Value!.Value, p => p.Key);
        var result = new HashSet<Guid> { groupId };
        var queue = new Queue<Guid>([groupId]);
        while (queue.TryDequeue(out var current))
        {
            foreach (var child in children[current])
            {
                if (result.Add(child))
                {
                    queue.Enqueue(child);
                }
            }
        }

        return result;
    }

    public static AppError WorkflowNotGranted(Workflow workflow) => AppError.Forbidden(ErrorCodes.WorkflowNotGranted,
        $"None of your roles grants the '{workflow.DisplayName()}' workflow.");

    /// <summary>Note: names no one, because a caller may not learn anything about a person outside its scope (PRODUCT.md §2).</summary>
    public static AppError OutOfScope(Workflow workflow) => AppError.Forbidden(ErrorCodes.OutOfScope,
        $"That person is outside the scope of your roles for '{workflow.DisplayName()}'.");

    public static AppError AllScopeRequired(Workflow workflow) => AppError.Forbidden(ErrorCodes.AllScopeRequired,
        $"'{workflow.DisplayName()}' changes apply to everyone, so they need a role that grants it with scope All.");
}
