using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Est;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Hosting;

/// <summary>The web host's own services: problem details for every error, JSON rules, and sign-in by cookie or bearer secret.</summary>
internal static class WebHostSetup
{
    public static IServiceCollection AddMobileIdProblemDetails(this IServiceCollection services)
    {
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
        return services;
    }

    /// <summary>TLS client certificates, asked for when certificate sign-in or EST re-enrolment is on.</summary>
    public static IServiceCollection AddMobileIdClientCertificates(this IServiceCollection services)
    {
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
        return services;
    }

    public static IServiceCollection AddMobileIdAuthentication(this IServiceCollection services)
    {
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
        return services;
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

    public const string HomePage = """
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
