using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.MobileIds.Request;

/// <summary>Request ID (PRODUCT.md §5.1): an operator requests a mobile ID for a person found with Find Person.</summary>
public sealed class RequestMobileId(MobileIdDbContext db, AccessPolicy access, RequestCreation creation)
{
    /// <summary>Requests a mobile ID for the person; the answer carries the one-time code unless the profile requires validation.</summary>
    public async Task<Result<MobileIdView>> HandleAsync(Caller caller, Guid personId, MobileIdRequestInput input, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        if (await access.CheckAsync(caller, Workflow.RequestId, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var created = await creation.CreateAsync(caller, person, input, selfService: false, null, cancellationToken);
        if (created.IsSuccess)
        {
            // Commit: the request, its code, its notification and its audit record together, once.
            await db.SaveChangesAsync(cancellationToken);
        }

        return created;
    }
}
