using Microsoft.Extensions.Options;
using MobileId.Server.Console;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.AuditRecords;
using MobileId.Server.Features.Authorities;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Crl;
using MobileId.Server.Features.Device;
using MobileId.Server.Features.Est;
using MobileId.Server.Features.Health;
using MobileId.Server.Features.Layouts;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.Ocsp;
using MobileId.Server.Features.Ota;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Protocols;
using MobileId.Server.Features.Renewal;
using MobileId.Server.Features.Scep;
using MobileId.Server.Features.Settings;
using MobileId.Server.Features.Setup;
using MobileId.Server.Features.Webhooks;
using Prometheus;
using Scalar.AspNetCore;

namespace MobileId.Server.Hosting;

/// <summary>How the server is put together: services, middleware and endpoints.</summary>
public static class MobileIdServer
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // Note: appsettings.json is read from the build output, so the server behaves the same whether
        // it is started with dotnet run from the repository root or from anywhere else; the data
        // directory stays relative to the working directory (PRODUCT.md §13).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(ServerAddresses.Default);
        }

        builder.Services.AddMobileIdServices();
        return builder;
    }

    public static IServiceCollection AddMobileIdServices(this IServiceCollection services)
    {
        services.AddOptions<MobileIdOptions>().BindConfiguration(MobileIdOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<MobileIdOptions>, MobileIdOptionsValidator>();
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddMobileIdDatabase();

        services.AddMobileIdProblemDetails();
        services.AddMobileIdAuthentication();
        services.AddOpenApi("v1");

        services.AddMobileIdAudit();
        services.AddMobileIdAuditRecords();
        services.AddMobileIdAccess();
        services.AddMobileIdClientCertificates();
        services.AddMobileIdSettings();
        services.AddMobileIdPeople();
        services.AddScoped<InitService>();
        services.AddHostedService<StartupInitializer>();
        services.AddMobileIdHealth();
        services.AddMobileIdPki();
        services.AddMobileIdOcsp();
        services.AddMobileIdCrl();
        services.AddMobileIdCertificates();
        services.AddMobileIdProfiles();
        services.AddMobileIdCardLayouts();
        services.AddMobileIdRequests();
        services.AddMobileIdDeviceProtocol();
        services.AddMobileIdEnrolment();
        services.AddMobileIdOta();
        services.AddMobileIdEst();
        services.AddMobileIdScep();
        services.AddDeviceManagement();
        services.AddMobileIdRenewal();
        services.AddMobileIdNotifications();
        services.AddMobileIdWebhooks();
        services.AddMobileIdConsole();
        return services;
    }

    public static WebApplication Configure(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseHttpMetrics();
        app.UseRouting();
        app.UseMiddleware<BodyLimitMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<AccessMiddleware>();
        app.UseAntiforgery();

        app.MapOpenApi("/openapi/{documentName}.json").ExcludeFromDescription();
        app.MapScalarApiReference("/api/docs", o => o.WithTitle("MobileId API").WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            .ExcludeFromDescription();
        app.MapMobileIdHealth();
        app.MapGet("/", () => TypedResults.Content(WebHostSetup.HomePage, "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapAccessApi();
        app.MapPeopleApi();
        app.MapSettingsApi();
        app.MapAuditApi();
        app.MapPkiApi();
        app.MapOcsp();
        app.MapCrl();
        app.MapCertificatesApi();
        app.MapProfilesApi();
        app.MapCardLayoutsApi();
        app.MapMobileIdsApi();
        app.MapDeviceProtocol();
        app.MapOta();
        app.MapEst();
        app.MapScep();
        app.MapDevicesApi();
        app.MapNotificationsApi();
        app.MapWebhooksApi();
        app.MapMobileIdConsole();

        AccessRules.EnsureEveryApiEndpointHasARule(((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints));
        return app;
    }
}
