using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Webhooks;

/// <summary>Webhook subscriptions, the delivery log and redelivery, under Operation Settings.</summary>
public static class WebhooksApi
{
    public static IServiceCollection AddMobileIdWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(WebhookDispatcher.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddScoped<WebhooksService>();
        services.AddSingleton<IInterceptor, WebhookOutboxInterceptor>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks");
        group.MapPost("", Create).WithName("CreateWebhook")
            .WithSummary("Subscribes a URL to lifecycle events; the answer holds the signing secret, shown this once.")
            .RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        group.MapGet("", List).WithName("ListWebhooks").WithSummary("Webhook subscriptions, paged; q filters by name, URL and event.").RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        group.MapGet("/{id:guid}", Get).WithName("GetWebhook").RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        group.MapPut("/{id:guid}", Update).WithName("UpdateWebhook")
            .WithSummary("Changes a subscription's name, URL, event types and active flag; the secret stays.")
            .RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteWebhook")
            .WithSummary("Deletes a subscription with its deliveries and their log.")
            .RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        group.MapGet("/{id:guid}/deliveries", Deliveries).WithName("ListWebhookDeliveries")
            .WithSummary("A subscription's deliveries, newest first, with every attempt: status code, duration, error.")
            .RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        group.MapPost("/deliveries/{id:guid}/redeliver", Redeliver).WithName("RedeliverWebhook")
            .WithSummary("Sends a delivered or failed delivery again, with the same id and body.")
            .RequiresWorkflow(Workflow.OperationSettings, ScopeRule.AllScope);
        return app;
    }

    private static async Task<Results<Created<CreatedWebhook>, ProblemHttpResult>> Create(
        WebhookInput input, Caller caller, WebhooksService webhooks, CancellationToken cancellationToken)
    {
        var result = await webhooks.CreateAsync(caller, input, cancellationToken);
        return result.IsSuccess
            ? TypedResults.Created($"/api/v1/webhooks/{result.Value.Webhook.Id}", result.Value)
            : result.Error.ToResult();
    }

    private static async Task<Results<Ok<PagedResult<WebhookView>>, ProblemHttpResult>> List([AsParameters] ListQuery query, WebhooksService webhooks,
        IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await webhooks.ListAsync(cancellationToken), query, options, w => [w.Name, w.Url, string.Join(' ', w.Events)]);

    private static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> Get(Guid id, WebhooksService webhooks, CancellationToken cancellationToken) =>
        (await webhooks.GetAsync(id, cancellationToken)).ToOkResult();

    private static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> Update(
        Guid id, WebhookInput input, Caller caller, WebhooksService webhooks, CancellationToken cancellationToken) =>
        (await webhooks.UpdateAsync(caller, id, input, cancellationToken)).ToOkResult();

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, Caller caller, WebhooksService webhooks, CancellationToken cancellationToken) =>
        await webhooks.DeleteAsync(caller, id, cancellationToken) is { } error ? error.ToResult() : TypedResults.NoContent();

    private static async Task<Results<Ok<PagedResult<WebhookDeliveryView>>, ProblemHttpResult>> Deliveries(
        Guid id, WebhooksService webhooks, IOptions<ApiOptions> options, [FromQuery] int? page, [FromQuery] int? pageSize,
        CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } error)
        {
            return error.ToResult();
        }

        return (await webhooks.ListDeliveriesAsync(id, p, size, cancellationToken)).ToOkResult();
    }

    private static async Task<Results<Ok<WebhookDeliveryView>, ProblemHttpResult>> Redeliver(
        Guid id, Caller caller, WebhooksService webhooks, CancellationToken cancellationToken) =>
        (await webhooks.RedeliverAsync(caller, id, cancellationToken)).ToOkResult();
}
