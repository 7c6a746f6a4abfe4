using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Profiles;

public sealed record CardDataModelsView(string Folder, DateTime LoadedAt, IReadOnlyList<CardDataModel> Models, IReadOnlyList<CardDataModelError> Errors);

/// <summary>Credential Profiles and the custom card data models they may use.</summary>
public static class ProfilesApi
{
    public static IServiceCollection AddMobileIdProfiles(this IServiceCollection services)
    {
        services.AddOptions<CardDataModelOptions>().BindConfiguration(CardDataModelOptions.Section);
        services.AddSingleton<CardDataModels>();
        services.AddScoped<ProfilesService>();
        services.AddScoped<IInitializationStep, CardDataModelsStep>();
        return services;
    }

    public static IEndpointRouteBuilder MapProfilesApi(this IEndpointRouteBuilder app)
    {
        var profiles = app.MapGroup("/api/v1/profiles").WithTags("Credential Profiles");
        profiles.MapGet("", List).WithName("ListCredentialProfiles").WithSummary("Credential profiles, paged; q filters by name, description, card encoding and card format.").RequiresWorkflow(Workflow.CredentialProfiles);
        profiles.MapGet("/{id:guid}", Get).WithName("GetCredentialProfile").RequiresWorkflow(Workflow.CredentialProfiles);
        profiles.MapPost("", Create).WithName("CreateCredentialProfile").RequiresWorkflow(Workflow.CredentialProfiles, ScopeRule.AllScope);
        profiles.MapPut("/{id:guid}", Update).WithName("UpdateCredentialProfile").RequiresWorkflow(Workflow.CredentialProfiles, ScopeRule.AllScope);
        profiles.MapDelete("/{id:guid}", Delete).WithName("DeleteCredentialProfile").RequiresWorkflow(Workflow.CredentialProfiles, ScopeRule.AllScope);

        var models = app.MapGroup("/api/v1/card-data-models").WithTags("Credential Profiles");
        models.MapGet("", Models).WithName("ListCardDataModels")
            .WithSummary("The custom card data models loaded from the folder, and each refused file with its line and reason.")
            .RequiresWorkflow(Workflow.CredentialProfiles);
        models.MapPost("/reload", Reload).WithName("ReloadCardDataModels").WithSummary("Reads the card data model folder again.")
            .RequiresWorkflow(Workflow.CredentialProfiles, ScopeRule.AllScope);
        return app;
    }

    private static async Task<Results<Ok<PagedResult<ProfileView>>, ProblemHttpResult>> List([AsParameters] ListQuery query, ProfilesService profiles,
        IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await profiles.ListAsync(cancellationToken), query, options, ProfilesService.SearchText);

    private static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> Get(Guid id, ProfilesService profiles, CancellationToken cancellationToken)
    {
        var result = await profiles.GetAsync(id, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error!.ToResult();
    }

    private static async Task<Results<Created<ProfileView>, ProblemHttpResult>> Create(
        ProfileInput input, Caller caller, ProfilesService profiles, CancellationToken cancellationToken)
    {
        var result = await profiles.SaveAsync(caller, null, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/profiles/{result.Value!.Id}", result.Value) : result.Error!.ToResult();
    }

    private static async Task<Results<Ok<ProfileView>, ProblemHttpResult>> Update(
        Guid id, ProfileInput input, Caller caller, ProfilesService profiles, CancellationToken cancellationToken)
    {
        var result = await profiles.SaveAsync(caller, id, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error!.ToResult();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, Caller caller, ProfilesService profiles, CancellationToken cancellationToken) =>
        await profiles.DeleteAsync(caller, id, cancellationToken) is { } error ? error.ToResult() : TypedResults.NoContent();

    private static Ok<CardDataModelsView> Models(CardDataModels models) => TypedResults.Ok(ViewOf(models, models.Current));

    private static Ok<CardDataModelsView> Reload(CardDataModels models) => TypedResults.Ok(ViewOf(models, models.Reload()));

    private static CardDataModelsView ViewOf(CardDataModels models, CardDataModelSet set) => new(models.Folder, set.LoadedAt, set.Models, set.Errors);
}

/// <summary>At every start: loads the card data models and says which files were refused, without stopping.</summary>
internal sealed class CardDataModelsStep(CardDataModels models) : IInitializationStep
{
    public string Name => "card data models";

    public async Task RunAsync(InitContext context, CancellationToken cancellationToken)
    {
        var set = models.Reload();
        foreach (var error in set.Errors)
        {
            await context.Output.WriteLineAsync($"MobileId: card data model {error} (the file is skipped; see GET /api/v1/card-data-models).");
        }
    }
}
