using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using MobileId.Pki.Revocation;

namespace MobileId.Server.Features.Ocsp;

/// <summary>
/// <c>POST /pki/ocsp</c> (<c>application/ocsp-request</c>) and <c>GET /pki/ocsp/{base64}</c>
/// (RFC 6960 Appendix A, RFC 5019 §5). Errors are OCSP error responses, not problem details.
/// </summary>
public static class OcspApi
{
    public const string RequestType = "application/ocsp-request";
    public const string ResponseType = "application/ocsp-response";

    public static IServiceCollection AddMobileIdOcsp(this IServiceCollection services)
    {
        services.AddOptions<OcspOptions>().BindConfiguration(OcspOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RevocationEpochWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<RevocationEpochWatcher>());
        services.AddSingleton<OcspResponder>();
        return services;
    }

    public static IEndpointRouteBuilder MapOcsp(this IEndpointRouteBuilder app)
    {
        app.MapPost("/pki/ocsp", PostAsync).WithTags("PKI").WithName("OcspPost").ExcludeFromDescription();
        // Note: base64 contains '/' and '+'; a catch-all takes the raw path so '+' is never read as a space.
        app.MapGet("/pki/ocsp/{**request}", GetAsync).WithTags("PKI").WithName("OcspGet").ExcludeFromDescription();
        return app;
    }

    private static async Task PostAsync(HttpContext context, OcspResponder responder)
    {
        var contentType = context.Request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(contentType, RequestType, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await context.Response.WriteAsync($"OCSP requests are POSTed as {RequestType}.");
            return;
        }

        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > OcspRequestParser.MaxRequestLength)
            {
                await WriteAsync(context, new OcspAnswer(OcspResponseBuilder.Error(OcspResponseStatus.MalformedRequest), null, null), cacheable: false);
                return;
            }
        }

        await WriteAsync(context, await responder.RespondAsync(body.ToArray(), context.RequestAborted), cacheable: false);
    }

    private static async Task GetAsync(HttpContext context, OcspResponder responder)
    {
        // Raw path after /pki/ocsp/: accept both raw base64 and %-escaped base64 (RFC 5019 §5).
        var raw = context.Request.Path.Value!["/pki/ocsp/".Length..];
        var text = WebUtility.UrlDecode(raw.Replace("+", "%2B", StringComparison.Ordinal));
        byte[] der;
        try
        {
            der = text.Length > OcspRequestParser.MaxRequestLength * 2 ? [] : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            der = [];
        }

        var answer = der.Length == 0
            ? new OcspAnswer(OcspResponseBuilder.Error(OcspResponseStatus.MalformedRequest), null, null)
            : await responder.RespondAsync(der, context.RequestAborted);
        await WriteAsync(context, answer, cacheable: true);
    }

    private static async Task WriteAsync(HttpContext context, OcspAnswer answer, bool cacheable)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ResponseType;
        if (cacheable && answer.ThisUpdate is { } thisUpdate && answer.NextUpdate is { } nextUpdate)
        {
            var maxAge = context.RequestServices.GetRequiredService<IOptions<OcspOptions>>().Value.MaxAgeSeconds;
            response.Headers.LastModified = thisUpdate.ToString("R", CultureInfo.InvariantCulture);
            response.Headers.Expires = nextUpdate.ToString("R", CultureInfo.InvariantCulture);
            response.Headers.ETag = "\"" + Convert.ToHexStringLower(SHA256.HashData(answer.Der)) + "\"";
            response.Headers.CacheControl = $"max-age={maxAge}, public, no-transform, must-revalidate";
        }
        else
        {
            response.Headers.CacheControl = "no-cache";
        }

        response.ContentLength = answer.Der.Length;
        await response.Body.WriteAsync(answer.Der, context.RequestAborted);
    }
}
