using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Settings;

public sealed record SettingsResponse(IReadOnlyList<string> Tabs, IReadOnlyList<SettingView> Settings);

public sealed record UpdateSettingsRequest(Dictionary<string, JsonElement> Values);

public static class SettingsApi
{
    /// <summary>Operation Settings and their cache.</summary>
    public static IServiceCollection AddMobileIdSettings(this IServiceCollection services)
    {
        services.AddScoped<SettingsService>();
        services.AddSingleton<SettingsCache>();
        return services;
    }

    public static IEndpointRouteBuilder MapSettingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/settings").WithTags("Operation Settings");
        group.MapGet("", GetSettings).WithName("GetOperationSettings")
            .WithSummary("Every Operation Setting with its value, default, tab and rule.")
            .RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        group.MapPut("", UpdateSettings).WithName("UpdateOperationSettings")
            .WithSummary("Changes one or more settings; all are validated and applied together, or none.")
            .RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        return app;
    }

    private static async Task<Ok<SettingsResponse>> GetSettings(SettingsService settings, CancellationToken cancellationToken) =>
        TypedResults.Ok(new SettingsResponse(SettingDefinitions.Tabs, await settings.ListAsync(cancellationToken)));

    private static async Task<Results<Ok<SettingsResponse>, ProblemHttpResult>> UpdateSettings(
        UpdateSettingsRequest request, Caller caller, SettingsService settings, CancellationToken cancellationToken)
    {
        var result = await settings.UpdateAsync(caller, request.Values ?? [], cancellationToken);
        return result.IsSuccess
            ? TypedResults.Ok(new SettingsResponse(SettingDefinitions.Tabs, result.Value))
            : result.Error.ToResult();
    }
}
