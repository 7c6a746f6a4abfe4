using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using MobileId.Server.Console;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
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

namespace MobileId.Server.Infrastructure;

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

        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions.TryAdd("traceId", c.HttpContext.TraceIdentifier);
            if (!c.ProblemDetails.Extensions.ContainsKey("code") && c.ProblemDetails.Status is { } status)
            {
                // Note: a problem without a code comes from the framework's status code pages (no such
                // route, wrong method, wrong content type): give it our code, type and a detail that
                // says what is wrong (PRODUCT.md §7).
                var (code, detail) = FrameworkProblem(status, c.HttpContext);
                c.ProblemDetails.Extensions["code"] = code;
                c.ProblemDetails.Type = ErrorCodes.TypeUri(code);
                c.ProblemDetails.Detail ??= detail;
            }
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = "MobileId";
                o.DefaultChallengeScheme = "MobileId";
            })
            .AddPolicyScheme("MobileId", "Cookie or bearer", o => o.ForwardDefaultSelector = c =>
                c.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? BearerAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = "MobileId.Session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = c => Status(c, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => Status(c, StatusCodes.Status403Forbidden);
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<SecurityOptions>>((o, security) => o.ExpireTimeSpan = TimeSpan.FromMinutes(security.Value.SessionIdleMinutes));
        services.AddAuthorization();
        // Session cookies are protected with keys kept in the database, so that every node behind a
        // load balancer reads every other node's cookies.
        services.AddDataProtection().SetApplicationName("MobileId").PersistKeysToDbContext<MobileIdDbContext>();
        services.AddOpenApi("v1");

        services.AddScoped<CallerResolver>();
        services.AddScoped<AccessPolicy>();
        services.AddMobileIdAudit();
        services.AddSingleton<PasswordHasher>();
        services.AddScoped<SignInService>();
        services.AddScoped<CertificateSignIn>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<SecurityOptions>, IOptions<EstOptions>>((kestrel, security, est) =>
        {
            if (security.Value.ClientCertificateSignIn || est.Value.ClientCertificates)
            {
                // Note: any certificate may pass the handshake; CertificateSignIn (console) and EST decide
                // whether it is one of ours, still valid and allowed. Without one the connection goes on.
                kestrel.ConfigureHttpsDefaults(https =>
                {
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                });
            }
        });
        services.AddScoped<RolesService>();
        services.AddScoped<ApiClientsService>();
        services.AddScoped<SettingsService>();
        services.AddSingleton<SettingsCache>();
        services.AddScoped<PeopleService>();
        services.AddScoped<GroupsService>();
        services.AddScoped<PeopleImport>();
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
        app.MapGet("/", () => TypedResults.Content(HomePage, "text/html; charset=utf-8")).ExcludeFromDescription();
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

    private static (string Code, string Detail) FrameworkProblem(int status, HttpContext context)
    {
        var request = context.Request;
        var target = $"{request.Method} {request.PathBase}{request.Path}";
        return status switch
        {
            StatusCodes.Status404NotFound => (ErrorCodes.NotFound,
                $"There is no {target} in this API. The API reference is at /api/docs."),
            StatusCodes.Status405MethodNotAllowed => (ErrorCodes.BadRequest,
                context.Response.Headers.Allow is { Count: > 0 } allow
                    ? $"{target} is not allowed; this address takes {string.Join(", ", allow.ToArray())}."
                    : $"{target} is not allowed."),
            StatusCodes.Status415UnsupportedMediaType => (ErrorCodes.UnsupportedMediaType,
                string.IsNullOrEmpty(request.ContentType)
                    ? "This endpoint takes a JSON body: send Content-Type: application/json."
                    : $"This endpoint takes a JSON body, not {request.ContentType}: send Content-Type: application/json."),
            StatusCodes.Status401Unauthorized => (ErrorCodes.Unauthenticated,
                "Sign in, or send an API client secret as 'Authorization: Bearer <secret>'."),
            >= 500 => (ErrorCodes.InternalError,
                "The server could not complete the request. The cause is recorded in the server log under the trace identifier."),
            _ => (ErrorCodes.BadRequest, $"{target} failed with status {status}."),
        };
    }

    private static Task Status(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    private const string HomePage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>MobileId</title>
        <meta name="viewport" content="width=device-width, initial-scale=1"></head>
        <body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
        <h1>MobileId</h1>
        <p>Mobile identity management server.</p>
        <ul>
        <li><a href="/console">Console</a>: sign in to issue and manage mobile IDs</li>
        <li><a href="/api/docs">REST API documentation</a> (<a href="/openapi/v1.json">OpenAPI document</a>)</li>
        <li><a href="/health/ready">Readiness</a> and <a href="/metrics">metrics</a></li>
        </ul>
        </body></html>
        """;
}
