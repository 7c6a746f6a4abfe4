using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.MobileIds.Request;

/// <summary>Request My ID (PRODUCT.md §5.1): a person requests a mobile ID for themself; without email and phone the QR code is the way to collect.</summary>
public sealed class RequestMyMobileId(MobileIdDbContext db, AccessPolicy access, RequestCreation creation)
{
    /// <summary>Requests a mobile ID for the caller's own person.</summary>
    public async Task<Result<MobileIdView>> HandleAsync(Caller caller, MobileIdRequestInput input, CancellationToken cancellationToken)
    {
        var person = caller.PersonId is { } id ? await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken) : null;
        if (person is null)
        {
            return AppError.BadRequest("Request My ID is for a signed-in person or a person's own API client; this caller is nobody's.");
        }

        if (await access.CheckAsync(caller, Workflow.RequestMyId, person, cancellationToken) is { } denied)
        {
            return denied;
        }

        var created = await creation.CreateAsync(caller, person, input, selfService: true, null, cancellationToken);
        if (created.IsSuccess)
        {
            // Commit: the request, its code, its notification and its audit record together, once.
            await db.SaveChangesAsync(cancellationToken);
        }

        return created;
    }
}
