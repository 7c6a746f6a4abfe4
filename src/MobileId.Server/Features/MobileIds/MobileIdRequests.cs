using MobileId.Server.Features.Access;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.MobileIds;

/// <summary>A mobile ID as the API shows it; <see cref="Code"/> is present only in the answer that released it.</summary>
public sealed record MobileIdView(Guid Id, Guid PersonId, string Profile, MobileIdStatus Status, DeliveryChannel Channel, bool SelfService,
    string RequestedBy, DateTime RequestedAt, string? ValidatedBy, DateTime? ValidatedAt, DateTime? CodeExpiresAt, string Link, string QrCodeUrl,
    Guid? DeviceId, DateTime? IssuedAt, string? Code);

/// <summary>Filters of the mobile ID lists (all optional).</summary>
public sealed record MobileIdQuery(Guid? PersonId, MobileIdStatus? Status, Guid? ProfileId, Guid? DeviceId, int Page, int PageSize);

/// <summary>
/// Reading mobile IDs and requests as the API and console show them (Find Person's scope), and the
/// profiles a caller may request for a person. The workflows that change them are in the
/// sub-namespaces (Request, Validate, Cancel, Disable, Enable, Replace, Unlock).
/// </summary>
public sealed class MobileIdRequests(MobileIdDbContext db, AccessPolicy access, ProfileRights rights, SettingsService settings)
{
    /// <summary>
    /// The profiles the caller may request for the person (Can Request) that the person may receive
    /// (Can Receive, Can Collect, Issue Device), by name: the choices of Request ID, or of Request My ID
    /// when <paramref name="workflow"/> is <see cref="Workflow.RequestMyId"/> and the person is the caller.
    /// </summary>
    public async Task<Result<IReadOnlyList<string>>> RequestableProfilesAsync(Caller caller, Guid personId, Workflow workflow, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, workflow, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var available = (await rights.ReceivableByAsync(person.Id, cancellationToken))
            .Intersect(await rights.ProfilesWhereAsync(caller, r => r.CanRequest, cancellationToken)).ToList();
        return await db.CredentialProfiles.AsNoTracking().Where(p => available.Contains(p.Id)).OrderBy(p => p.Name).Select(p => p.Name)
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The mobile IDs of the people in the caller's Find Person scope that match the query, newest
    /// request first. Everyone may list their own (self-service).
    /// </summary>
    public async Task<PagedResult<MobileIdView>> SearchAsync(Caller caller, MobileIdQuery query, CancellationToken cancellationToken)
    {
        var coverage = await access.CoverageAsync(caller, Workflow.FindPerson, cancellationToken);
        var found = db.MobileIdentities.AsNoTracking();
        var own = query.PersonId is { } asked && asked == caller.PersonId;
        if (!coverage.Everyone && !own)
        {
            var people = access.Filter(db.People.AsNoTracking(), coverage).Select(p => p.Id);
            found = found.Where(m => people.Contains(m.PersonId));
        }

        if (query.PersonId is { } personId)
        {
            found = found.Where(m => m.PersonId == personId);
        }

        if (query.Status is { } status)
        {
            found = found.Where(m => m.Status == status);
        }

        if (query.ProfileId is { } profileId)
        {
            found = found.Where(m => m.ProfileId == profileId);
        }

        if (query.DeviceId is { } deviceId)
        {
            found = found.Where(m => m.DeviceId == deviceId);
        }

        var total = await found.CountAsync(cancellationToken);
        var page = await found.OrderByDescending(m => m.RequestedAt).ThenBy(m => m.Id)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToListAsync(cancellationToken);
        var operation = await settings.GetAsync(cancellationToken);
        var profiles = await db.CredentialProfiles.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);
        return new PagedResult<MobileIdView>(page.Select(m => View(m, profiles.GetValueOrDefault(m.ProfileId) ?? "", operation, null)).ToList(),
            query.Page, query.PageSize, total);
    }

    public async Task<Result<MobileIdView>> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (mobileId is null)
        {
            return AppError.NotFound("That mobile ID");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        if (await access.CheckAsync(caller, Workflow.FindPerson, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        return await ViewAsync(mobileId, cancellationToken);
    }

    /// <summary>A mobile ID as the API shows it, without its code.</summary>
    internal async Task<MobileIdView> ViewAsync(MobileIdentity mobileId, CancellationToken cancellationToken)
    {
        var profile = await db.CredentialProfiles.AsNoTracking().Where(p => p.Id == mobileId.ProfileId).Select(p => p.Name).SingleAsync(cancellationToken);
        return View(mobileId, profile, await settings.GetAsync(cancellationToken), null);
    }

    /// <summary>A mobile ID as the API shows it, with the code when this answer released it.</summary>
    internal static MobileIdView View(MobileIdentity m, string profile, OperationSettings operation, string? code)
    {
        var link = $"{operation.DeviceProtocolAddress}/enrol/{m.LinkToken}";
        return new MobileIdView(m.Id, m.PersonId, profile, m.Status, m.Channel, m.SelfService, m.RequestedByName, m.RequestedAt, m.ValidatedByName,
            m.ValidatedAt, m.CodeExpiresAt, link, $"{operation.WebServerExternalAddress.TrimEnd('/')}/qr/{m.LinkToken}.png", m.DeviceId, m.IssuedAt, code is null ? null : OneTimeCodes.Grouped(code));
    }

}
