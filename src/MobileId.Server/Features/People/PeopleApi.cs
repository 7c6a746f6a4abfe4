using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.People;

public static class PeopleApi
{
    /// <summary>People, groups and the CSV import.</summary>
    public static IServiceCollection AddMobileIdPeople(this IServiceCollection services)
    {
        services.AddScoped<PeopleService>();
        services.AddScoped<GroupsService>();
        services.AddScoped<PeopleImport>();
        return services;
    }

    public static IEndpointRouteBuilder MapPeopleApi(this IEndpointRouteBuilder app)
    {
        var people = app.MapGroup("/api/v1/people").WithTags("People");
        people.MapGet("", Search).WithName("FindPerson").WithSummary("Find Person: search people within your scope, paged.")
            .RequiresWorkflow(Workflow.FindPerson);
        people.MapGet("/{id:guid}", Get).WithName("GetPerson").RequiresWorkflow(Workflow.FindPerson);
        people.MapPost("", Create).WithName("AddPerson").RequiresWorkflow(Workflow.AddPerson);
        people.MapPut("/{id:guid}", Update).WithName("EditPerson")
            .WithSummary("Replaces a person's fields; send 'version' to refuse the change if someone else changed the person first.")
            .RequiresWorkflow(Workflow.EditPerson);
        people.MapGet("/{id:guid}/photo", GetPhoto).WithName("GetPersonPhoto").RequiresWorkflow(Workflow.FindPerson);
        people.MapPut("/{id:guid}/photo", SetPhoto).WithName("SetPersonPhoto")
            .WithSummary("Uploads a PNG or JPEG photo as the raw request body.")
            .Accepts<byte[]>("image/png", "image/jpeg", "application/octet-stream")
            .WithMetadata(new UploadEndpointMetadata()).RequiresWorkflow(Workflow.EditPerson);
        people.MapDelete("/{id:guid}/photo", DeletePhoto).WithName("DeletePersonPhoto").RequiresWorkflow(Workflow.EditPerson);
        people.MapPost("/{id:guid}/password", ResetPassword).WithName("ResetPassword")
            .WithSummary("Sets a random temporary password that the person must change at first sign-in.")
            .RequiresWorkflow(Workflow.EditPerson);
        people.MapPost("/import", Import).WithName("ImportPeople")
            .WithSummary("Imports a CSV file (text/csv body). All rows are written, or none and a report of the rejected rows.")
            .Accepts<string>("text/csv", "text/plain", "application/csv")
            .WithMetadata(new UploadEndpointMetadata()).RequiresWorkflow(Workflow.AddPerson);

        var groups = app.MapGroup("/api/v1/groups").WithTags("People");
        groups.MapGet("", ListGroups).WithName("ListGroups").WithSummary("The groups in your scope, paged; q filters by name and path.").RequiresWorkflow(Workflow.FindPerson);
        groups.MapPost("", CreateGroup).WithName("CreateGroup").RequiresWorkflow(Workflow.AddPerson);
        return app;
    }

    private static async Task<Results<Ok<PagedResult<PersonView>>, ProblemHttpResult>> Search(
        Caller caller, PeopleService people, IOptions<ApiOptions> options,
        [FromQuery] string? q, [FromQuery] Guid? groupId, [FromQuery] bool? includeSubgroups, [FromQuery] PersonStatus? status,
        [FromQuery] int? page, [FromQuery] int? pageSize, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } error)
        {
            return error.ToResult();
        }

        if (q?.Length > 200)
        {
            return AppError.Validation("q", "The search text must be at most 200 characters long.").ToResult();
        }

        return TypedResults.Ok(await people.SearchAsync(caller, new PersonQuery(q, groupId, includeSubgroups ?? false, status, p, size), cancellationToken));
    }

    private static async Task<Results<Ok<PersonView>, ProblemHttpResult>> Get(Guid id, Caller caller, PeopleService people, CancellationToken cancellationToken)
    {
        var result = await people.GetAsync(caller, id, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Created<PersonView>, ProblemHttpResult>> Create(
        PersonInput input, Caller caller, PeopleService people, CancellationToken cancellationToken)
    {
        var result = await people.CreateAsync(caller, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/people/{result.Value.Id}", result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<PersonView>, ProblemHttpResult>> Update(
        Guid id, PersonInput input, Caller caller, PeopleService people, CancellationToken cancellationToken)
    {
        var result = await people.UpdateAsync(caller, id, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetPhoto(
        Guid id, Caller caller, PeopleService people, CancellationToken cancellationToken)
    {
        var result = await people.GetPhotoAsync(caller, id, cancellationToken);
        return result.IsSuccess ? TypedResults.File(result.Value.Data, result.Value.ContentType) : result.Error.ToResult();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetPhoto(
        Guid id, Caller caller, PeopleService people, HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            return AppError.BadRequest("The request body is empty: send the PNG or JPEG image as the body.").ToResult();
        }

        var contentType = request.ContentType?.Split(';')[0].Trim();
        if (contentType is "application/octet-stream" or "")
        {
            contentType = null;
        }

        return await people.SetPhotoAsync(caller, id, contentType, buffer.ToArray(), cancellationToken) is { } error
            ? error.ToResult()
            : TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeletePhoto(
        Guid id, Caller caller, PeopleService people, CancellationToken cancellationToken) =>
        await people.SetPhotoAsync(caller, id, null, null, cancellationToken) is { } error ? error.ToResult() : TypedResults.NoContent();

    private static async Task<Results<Ok<TemporaryPassword>, ProblemHttpResult>> ResetPassword(
        Guid id, Caller caller, SignInService signIn, AccessPolicy access, CancellationToken cancellationToken)
    {
        var result = await signIn.ResetPasswordAsync(caller, id, access, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<ImportReport>, ProblemHttpResult>> Import(
        Caller caller, PeopleImport import, HttpRequest request, CancellationToken cancellationToken)
    {
        var contentType = request.ContentType?.Split(';')[0].Trim();
        if (contentType is not ("text/csv" or "text/plain" or "application/csv"))
        {
            return new AppError(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Unsupported media type",
                "Send the CSV file as the request body with Content-Type: text/csv.").ToResult();
        }

        var result = await import.ImportAsync(caller, request.Body, null, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<PagedResult<GroupView>>, ProblemHttpResult>> ListGroups([AsParameters] ListQuery query, Caller caller,
        GroupsService groups, IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await groups.ListAsync(caller, cancellationToken), query, options, g => [g.Name, g.Path]);

    private static async Task<Results<Created<GroupView>, ProblemHttpResult>> CreateGroup(
        CreateGroupRequest request, Caller caller, GroupsService groups, CancellationToken cancellationToken)
    {
        var result = await groups.CreateAsync(caller, request, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/groups/{result.Value.Id}", result.Value) : result.Error.ToResult();
    }
}
