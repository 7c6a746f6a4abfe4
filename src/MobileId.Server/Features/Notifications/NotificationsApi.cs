using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Notifications;

/// <summary>Email Templates, and the notifications that were sent or failed.</summary>
public static class NotificationsApi
{
    public static IServiceCollection AddMobileIdNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SmsOptions>().BindConfiguration(SmsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, NotificationOptionsValidator>();
        services.AddSingleton<IValidateOptions<SmsOptions>, NotificationOptionsValidator>();
        services.AddHttpClient(SmsGateway.ClientName);
        services.AddSingleton<SmsGateway>();
        services.AddSingleton<NotificationSignal>();
        services.AddScoped<MessageTemplates>();
        services.AddScoped<NotificationOutbox>();
        services.AddScoped<NotificationsService>();
        services.AddSingleton<NotificationDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());
        return services;
    }

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var templates = app.MapGroup("/api/v1/email-templates").WithTags("Email Templates");
        templates.MapGet("", ListTemplates).WithName("ListEmailTemplates")
            .WithSummary("The email and SMS templates with the subject and body in force, whether changed, and their placeholders; paged, q filters by key, channel and description.")
            .RequiresWorkflow(Workflow.EmailTemplates);
        templates.MapGet("/{key}", GetTemplate).WithName("GetEmailTemplate").RequiresWorkflow(Workflow.EmailTemplates);
        templates.MapPut("/{key}", SaveTemplate).WithName("UpdateEmailTemplate")
            .WithSummary("Changes a template's subject and body; only its placeholders may be used, and {{code}} never in a subject.")
            .RequiresWorkflow(Workflow.EmailTemplates, ScopeRule.AllScope);
        templates.MapDelete("/{key}", ResetTemplate).WithName("ResetEmailTemplate")
            .WithSummary("Drops the change: the built-in default is in force again.")
            .RequiresWorkflow(Workflow.EmailTemplates, ScopeRule.AllScope);
        templates.MapPost("/{key}/preview", PreviewTemplate).WithName("PreviewEmailTemplate")
            .WithSummary("Renders the template in force, or a draft subject and body, with sample values.")
            .RequiresWorkflow(Workflow.EmailTemplates);

        var notifications = app.MapGroup("/api/v1/notifications").WithTags("Notifications");
        notifications.MapGet("", ListNotifications).WithName("ListNotifications")
            .WithSummary("Sent, waiting and failed notifications, newest first, with attempts and the last error; never the body. Recipients are partly masked.")
            .RequiresWorkflow(Workflow.RequestId);
        notifications.MapPost("/{id:guid}/resend", Resend).WithName("ResendNotification")
            .WithSummary("Puts a failed notification back in the outbox. A sent one cannot be resent: its body was erased; make a new request.")
            .RequiresWorkflow(Workflow.RequestId);
        return app;
    }

    private static async Task<Results<Ok<PagedResult<TemplateView>>, ProblemHttpResult>> ListTemplates([AsParameters] ListQuery query,
        MessageTemplates templates, IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await templates.ListAsync(cancellationToken), query, options, MessageTemplates.SearchText);

    private static async Task<Results<Ok<TemplateView>, ProblemHttpResult>> GetTemplate(string key, MessageTemplates templates, CancellationToken cancellationToken) =>
        (await templates.GetAsync(key, cancellationToken)).ToOkResult();

    private static async Task<Results<Ok<TemplateView>, ProblemHttpResult>> SaveTemplate(
        string key, TemplateInput input, Caller caller, MessageTemplates templates, CancellationToken cancellationToken) =>
        (await templates.SaveAsync(caller, key, input, cancellationToken)).ToOkResult();

    private static async Task<Results<Ok<TemplateView>, ProblemHttpResult>> ResetTemplate(
        string key, Caller caller, MessageTemplates templates, CancellationToken cancellationToken) =>
        (await templates.ResetAsync(caller, key, cancellationToken)).ToOkResult();

    private static async Task<Results<Ok<RenderedMessage>, ProblemHttpResult>> PreviewTemplate(
        string key, TemplateInput? draft, MessageTemplates templates, CancellationToken cancellationToken) =>
        (await templates.PreviewAsync(key, draft, cancellationToken)).ToOkResult();

    private static async Task<Results<Ok<PagedResult<NotificationView>>, ProblemHttpResult>> ListNotifications(
        Caller caller, NotificationsService notifications, IOptions<ApiOptions> options,
        [FromQuery] NotificationStatus? status, [FromQuery] Guid? personId, [FromQuery] int? page, [FromQuery] int? pageSize,
        CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } error)
        {
            return error.ToResult();
        }

        return TypedResults.Ok(await notifications.ListAsync(caller, new NotificationQuery(status, personId, p, size), cancellationToken));
    }

    private static async Task<Results<Ok<NotificationView>, ProblemHttpResult>> Resend(
        Guid id, Caller caller, NotificationsService notifications, CancellationToken cancellationToken) =>
        (await notifications.ResendAsync(caller, id, cancellationToken)).ToOkResult();
}
