using Microsoft.AspNetCore.Http.HttpResults;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.MobileIds;

/// <summary>Request ID, Request My ID and Validate Request, and reading mobile IDs.</summary>
public static class MobileIdsApi
{
    public static IServiceCollection AddMobileIdRequests(this IServiceCollection services)
    {
        services.AddOptions<OneTimeCodeOptions>().BindConfiguration(OneTimeCodeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<ProfileRights>();
        services.AddScoped<MobileIdRequests>();
        services.AddScoped<CodeRedemption>();
        return services;
    }

    public static IEndpointRouteBuilder MapMobileIdsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/people/{id:guid}/mobile-ids", Request).WithTags("Mobile IDs").WithName("RequestMobileId")
            .WithSummary("Request ID: requests a mobile ID for the person under a credential profile; the answer carries the one-time code unless the profile requires validation.")
            .RequiresWorkflow(Workflow.RequestId);
        app.MapGet("/api/v1/people/{id:guid}/mobile-ids", ListForPerson).WithTags("Mobile IDs").WithName("ListPersonMobileIds")
            .RequiresWorkflow(Workflow.FindPerson);
        app.MapPost("/api/v1/me/mobile-ids", RequestMine).WithTags("Mobile IDs").WithName("RequestMyMobileId")
            .WithSummary("Request My ID: requests a mobile ID for the caller; without email and phone the QR code is the way to collect.")
            .RequiresWorkflow(Workflow.RequestMyId);
        app.MapGet("/api/v1/mobile-ids/{id:guid}", Get).WithTags("Mobile IDs").WithName("GetMobileId").RequiresWorkflow(Workflow.FindPerson);
        app.MapPost("/api/v1/mobile-ids/{id:guid}/validate", Validate).WithTags("Mobile IDs").WithName("ValidateRequest")
            .WithSummary("Validate Request: a second operator with Can Validate releases the one-time code.")
            .RequiresWorkflow(Workflow.ValidateRequest);
        return app;
    }

    private static async Task<Results<Created<MobileIdView>, ProblemHttpResult>> Request(
        Guid id, MobileIdRequestInput input, Caller caller, MobileIdRequests requests, CancellationToken cancellationToken) =>
        Created(await requests.RequestAsync(caller, id, input, cancellationToken));

    private static async Task<Results<Created<MobileIdView>, ProblemHttpResult>> RequestMine(
        MobileIdRequestInput input, Caller caller, MobileIdRequests requests, CancellationToken cancellationToken) =>
        Created(await requests.RequestMineAsync(caller, input, cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<MobileIdView>>, ProblemHttpResult>> ListForPerson(
        Guid id, Caller caller, MobileIdDbContext db, AccessPolicy access, MobileIdRequests requests, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person").ToResult();
        }

        return await access.CheckAsync(caller, Workflow.FindPerson, person, cancellationToken) is { } denied
            ? denied.ToResult()
            : TypedResults.Ok(await requests.ListAsync(id, cancellationToken));
    }

    private static async Task<Results<Ok<MobileIdView>, ProblemHttpResult>> Get(Guid id, Caller caller, MobileIdRequests requests, CancellationToken cancellationToken)
    {
        var result = await requests.GetAsync(caller, id, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error!.ToResult();
    }

    private static async Task<Results<Ok<MobileIdView>, ProblemHttpResult>> Validate(Guid id, Caller caller, MobileIdRequests requests, CancellationToken cancellationToken)
    {
        var result = await requests.ValidateAsync(caller, id, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error!.ToResult();
    }

    private static Results<Created<MobileIdView>, ProblemHttpResult> Created(Result<MobileIdView> result) =>
        result.IsSuccess ? TypedResults.Created($"/api/v1/mobile-ids/{result.Value!.Id}", result.Value) : result.Error!.ToResult();
}
