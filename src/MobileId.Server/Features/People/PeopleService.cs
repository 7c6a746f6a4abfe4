using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.People;

public sealed record PersonQuery(string? Q, Guid? GroupId, bool IncludeSubgroups, PersonStatus? Status, int Page, int PageSize);

/// <summary>Find, add and edit people (PRODUCT.md §2), within the caller's scope.</summary>
public sealed class PeopleService(MobileIdDbContext db, AccessPolicy access, AuditTrail audit, TimeProvider time)
{
    public static readonly string[] PhotoTypes = ["image/jpeg", "image/png"];

    public async Task<PagedResult<PersonView>> SearchAsync(Caller caller, PersonQuery query, CancellationToken cancellationToken)
    {
        var coverage = await access.CoverageAsync(caller, Workflow.FindPerson, cancellationToken);
        var people = access.Filter(db.People.AsNoTracking(), coverage);
        if (!string.IsNullOrWhiteSpace(query.Q))
        {
            var text = query.Q.Trim().ToLowerInvariant();
            people = people.Where(p => p.SearchText.Contains(text));
        }

        if (query.GroupId is { } groupId)
        {
            var groups = query.IncludeSubgroups ? (await access.DescendantsAndSelfAsync(groupId, cancellationToken)).ToList() : [groupId];
            people = people.Where(p => p.GroupId != null && groups.Contains(p.GroupId.Value));
        }

        if (query.Status is { } status)
        {
            people = people.Where(p => p.Status == status);
        }

        var total = await people.CountAsync(cancellationToken);
        var page = await people
            .OrderBy(p => p.LastName).ThenBy(p => p.FirstName).ThenBy(p => p.NormalizedLogonName)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)
            .Include(p => p.Roles).ThenInclude(r => r.Role)
            .ToListAsync(cancellationToken);
        return new PagedResult<PersonView>(await ViewsAsync(page, cancellationToken), query.Page, query.PageSize, total);
    }

    public async Task<Result<PersonView>> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var person = await LoadAsync(id, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, Workflow.FindPerson, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        return (await ViewsAsync([person], cancellationToken))[0];
    }

    public async Task<Result<PersonView>> CreateAsync(Caller caller, PersonInput input, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(input, null, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        if (await access.CheckGroupAsync(caller, Workflow.AddPerson, input.GroupId, cancellationToken) is { } denied)
        {
            return denied;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var person = new Person { Id = Guid.CreateVersion7(), LogonName = "", NormalizedLogonName = "", Status = PersonStatus.Active, CreatedAt = now, UpdatedAt = now };
        PersonRules.Apply(person, input);
        db.People.Add(person);
        audit.Record(caller, "person.created", Workflow.AddPerson, AuditTarget.For(person), AuditOutcome.Success, Snapshot(person));
        // Commit: the person and the audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return (await ViewsAsync([person], cancellationToken))[0];
    }

    public async Task<Result<PersonView>> UpdateAsync(Caller caller, Guid id, PersonInput input, CancellationToken cancellationToken)
    {
        var person = await db.People.Include(p => p.Roles).ThenInclude(r => r.Role).SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, Workflow.EditPerson, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        if (input.Version is { } version && version != person.Version)
        {
            return AppError.Conflict($"'{person.LogonName}' was changed by someone else (version {person.Version}, yours {version}). Reload and try again.");
        }

        if (await ValidateAsync(input, person.Id, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        if (input.GroupId != person.GroupId &&
            await access.CheckGroupAsync(caller, Workflow.EditPerson, input.GroupId, cancellationToken) is { } outside)
        {
            return outside;
        }

        if (input.Status == PersonStatus.Disabled && caller.PersonId == person.Id)
        {
            return AppError.Validation("status", "You cannot disable your own account.");
        }

        var before = Snapshot(person);
        PersonRules.Apply(person, input);
        var after = Snapshot(person);
        var changes = before.Keys.Where(k => !Equals(before[k], after[k]))
            .ToDictionary(k => k, k => new { oldValue = before[k], newValue = after[k] });
        if (changes.Count == 0)
        {
            return (await ViewsAsync([person], cancellationToken))[0];
        }

        if (input.Status == PersonStatus.Disabled)
        {
            // Note: a new stamp ends the disabled person's console sessions at their next request.
            person.SecurityStamp = Guid.NewGuid().ToString("N");
        }

        person.Version++;
        person.UpdatedAt = time.GetUtcNow().UtcDateTime;
        audit.Record(caller, "person.updated", Workflow.EditPerson, AuditTarget.For(person), AuditOutcome.Success, changes);
        // Commit: the person's changes and their audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return (await ViewsAsync([person], cancellationToken))[0];
    }

    public async Task<Result<PersonPhoto>> GetPhotoAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, Workflow.FindPerson, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var photo = await db.PersonPhotos.AsNoTracking().SingleOrDefaultAsync(p => p.PersonId == id, cancellationToken);
        return photo is null ? AppError.NotFound($"A photo of '{person.LogonName}'") : photo;
    }

    public async Task<AppError?> SetPhotoAsync(Caller caller, Guid id, string? contentType, byte[]? data, CancellationToken cancellationToken)
    {
        var person = await db.People.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, Workflow.EditPerson, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var existing = await db.PersonPhotos.SingleOrDefaultAsync(p => p.PersonId == id, cancellationToken);
        if (data is null)
        {
            if (existing is null)
            {
                return AppError.NotFound($"A photo of '{person.LogonName}'");
            }

            db.PersonPhotos.Remove(existing);
            audit.Record(caller, "person.photo.removed", Workflow.EditPerson, AuditTarget.For(person), AuditOutcome.Success);
        }
        else
        {
            var sniffed = SniffImage(data);
            if (sniffed is null)
            {
                return new AppError(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported photo",
                    "A photo must be a PNG or JPEG image; the uploaded data is neither.");
            }

            if (contentType is not null && !string.Equals(contentType, sniffed, StringComparison.OrdinalIgnoreCase))
            {
                return new AppError(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported photo",
                    $"The photo was sent as {contentType} but its content is {sniffed}.");
            }

            var now = time.GetUtcNow().UtcDateTime;
            if (existing is null)
            {
                db.PersonPhotos.Add(new PersonPhoto { PersonId = id, ContentType = sniffed, Data = data, UpdatedAt = now });
            }
            else
            {
                existing.ContentType = sniffed;
                existing.Data = data;
                existing.UpdatedAt = now;
            }

            audit.Record(caller, "person.photo.set", Workflow.EditPerson, AuditTarget.For(person), AuditOutcome.Success,
                new { contentType = sniffed, bytes = data.Length });
        }

        person.Version++;
        person.UpdatedAt = time.GetUtcNow().UtcDateTime;
        // Commit: the photo (set or removed), the person's new version and the audit record together, once.
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>PNG or JPEG by their signatures; anything else is refused whatever its name says.</summary>
    public static string? SniffImage(ReadOnlySpan<byte> data)
    {
        if (data.Length > 8 && data[..8].SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }))
        {
            return "image/png";
        }

        return data.Length > 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF ? "image/jpeg" : null;
    }

    internal async Task<AppError?> ValidateAsync(PersonInput input, Guid? existingId, CancellationToken cancellationToken)
    {
        var errors = PersonRules.Validate(input);
        if (input.GroupId is { } groupId && !await db.Groups.AnyAsync(g => g.Id == groupId, cancellationToken))
        {
            errors["groupId"] = [$"Group {groupId} does not exist."];
        }

        if (!errors.ContainsKey("logonName"))
        {
            var normalized = PersonRules.Normalize(input.LogonName!);
            if (await db.People.AnyAsync(p => p.NormalizedLogonName == normalized && p.Id != existingId, cancellationToken))
            {
                return AppError.Conflict($"Logon name '{input.LogonName!.Trim()}' is already in use.");
            }
        }

        return errors.Count == 0 ? null : AppError.Validation(errors);
    }

    internal static Dictionary<string, object?> Snapshot(Person p) => new(StringComparer.Ordinal)
    {
        ["logonName"] = p.LogonName,
        ["firstName"] = p.FirstName,
        ["lastName"] = p.LastName,
        ["email"] = p.Email,
        ["mobile"] = p.Mobile,
        ["groupId"] = p.GroupId,
        ["employeeId"] = p.EmployeeId,
        ["jobTitle"] = p.JobTitle,
        ["organization"] = p.Organization,
        ["status"] = p.Status.ToString(),
    };

    private Task<Person?> LoadAsync(Guid id, CancellationToken cancellationToken) =>
        db.People.AsNoTracking().Include(p => p.Roles).ThenInclude(r => r.Role).SingleOrDefaultAsync(p => p.Id == id, cancellationToken);

    private async Task<IReadOnlyList<PersonView>> ViewsAsync(IReadOnlyList<Person> people, CancellationToken cancellationToken)
    {
        var ids = people.Select(p => p.Id).ToList();
        var groupIds = people.Where(p => p.GroupId != null).Select(p => p.GroupId!.Value).Distinct().ToList();
        var groups = await db.Groups.AsNoTracking().Where(g => groupIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, g => g.Name, cancellationToken);
        var photos = (await db.PersonPhotos.AsNoTracking().Where(p => ids.Contains(p.PersonId)).Select(p => p.PersonId).ToListAsync(cancellationToken)).ToHashSet();
        return people.Select(p => new PersonView(
            p.Id, p.LogonName, PersonRules.DisplayName(p), p.FirstName, p.LastName, p.Email, p.Mobile,
            p.GroupId, p.GroupId is { } g && groups.TryGetValue(g, out var name) ? name : null,
            p.EmployeeId, p.JobTitle, p.Organization, p.Status,
            p.Roles.Where(r => r.Role is not null).Select(r => r.Role!.Name).Order(StringComparer.Ordinal).ToList(),
            photos.Contains(p.Id), p.Version, p.CreatedAt, p.UpdatedAt)).ToList();
    }
}
