using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Layouts;

/// <summary><b>Card Layouts</b> under <c>/api/v1/card-layouts</c>.</summary>
public static class CardLayoutsApi
{
    public static IServiceCollection AddMobileIdCardLayouts(this IServiceCollection services) => services.AddScoped<CardLayouts>().AddScoped<Badges>();

    public static IEndpointRouteBuilder MapCardLayoutsApi(this IEndpointRouteBuilder app)
    {
        var layouts = app.MapGroup("/api/v1/card-layouts").WithTags("Card Layouts");
        layouts.MapGet("", List).WithName("ListCardLayouts").WithSummary("Card layouts, paged; q filters by name and description.").RequiresWorkflow(Workflow.CardLayouts);
        layouts.MapGet("/{name}", Get).WithName("GetCardLayout").RequiresWorkflow(Workflow.CardLayouts);
        layouts.MapPost("", Create).WithName("CreateCardLayout")
            .WithSummary("A badge layout: text fields, photo, PNG/JPEG images and the signed identity QR code, top to bottom.")
            .RequiresWorkflow(Workflow.CardLayouts, ScopeRule.AllScope);
        layouts.MapPut("/{name}", Update).WithName("UpdateCardLayout").RequiresWorkflow(Workflow.CardLayouts, ScopeRule.AllScope);
        layouts.MapDelete("/{name}", Delete).WithName("DeleteCardLayout").RequiresWorkflow(Workflow.CardLayouts, ScopeRule.AllScope);
        return app;
    }

    private static async Task<Results<Ok<PagedResult<CardLayoutView>>, ProblemHttpResult>> List([AsParameters] ListQuery query, CardLayouts layouts,
        IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await layouts.ListAsync(cancellationToken), query, options, CardLayouts.SearchText);

    private static async Task<Results<Ok<CardLayoutView>, ProblemHttpResult>> Get(string name, CardLayouts layouts, CancellationToken cancellationToken)
    {
        var result = await layouts.GetAsync(name, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Created<CardLayoutView>, ProblemHttpResult>> Create(
        CardLayoutInput input, Caller caller, CardLayouts layouts, CancellationToken cancellationToken)
    {
        var result = await layouts.SaveAsync(caller, null, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/card-layouts/{Uri.EscapeDataString(result.Value.Name)}", result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<CardLayoutView>, ProblemHttpResult>> Update(
        string name, CardLayoutInput input, Caller caller, CardLayouts layouts, CancellationToken cancellationToken)
    {
        var result = await layouts.SaveAsync(caller, name, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string name, Caller caller, CardLayouts layouts, CancellationToken cancellationToken) =>
        await layouts.DeleteAsync(caller, name, cancellationToken) is { } error ? error.ToResult() : TypedResults.NoContent();
}
