using System.Net;
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
        services.AddSingleton<OcspResponder>();
        return services;
    }

    public static IEndpointRouteBuilder MapOcsp(this IEndpointRouteBuilder app)
    {
        // Note: OCSP is public and answers every relying party of every certificate, so it is the
        // busiest endpoint. ShortCircuit runs it straight after routing: no authentication, no caller
        // resolution (which opens a database context per request) and no JSON body limit, none of which
        // it uses; the middleware before routing (security headers, errors, metrics) still applies, and
        // the handlers cap the body themselves (OcspRequestParser.MaxRequestLength).
        app.MapPost("/pki/ocsp", PostAsync).WithTags("PKI").WithName("OcspPost").ExcludeFromDescription().ShortCircuit();
        // Note: base64 contains '/' and '+'; a catch-all takes the raw path so '+' is never read as a space.
        app.MapGet("/pki/ocsp/{**request}", GetAsync).WithTags("PKI").WithName("OcspGet").ExcludeFromDescription().ShortCircuit();
        return app;
    }

    private static async Task PostAsync(HttpContext context, OcspResponder responder)
    {
        var contentType = context.Request.ContentType.AsSpan();
        if (contentType.IndexOf(';') is var parameters and >= 0)
        {
            contentType = contentType[..parameters];
        }

        if (!contentType.Trim().Equals(RequestType, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await context.Response.WriteAsync($"OCSP requests are POSTed as {RequestType}.");
            return;
        }

        byte[] der;
        var length = context.Request.ContentLength;
        if (length > OcspRequestParser.MaxRequestLength)
        {
            await WriteAsync(context, OcspAnswer.Malformed, cacheControl: null);
            return;
        }

        if (length is { } known)
        {
            // Note: the usual case (every client sends Content-Length): one array of the right size, no copies.
            der = new byte[known];
            if (await context.Request.Body.ReadAtLeastAsync(der, der.Length, throwOnEndOfStream: false, context.RequestAborted) != der.Length)
            {
                await WriteAsync(context, OcspAnswer.Malformed, cacheControl: null);
                return;
            }
        }
        else
        {
            using var body = new MemoryStream();
            var buffer = new byte[8192];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                body.Write(buffer, 0, read);
                if (body.Length > OcspRequestParser.MaxRequestLength)
                {
                    await WriteAsync(context, OcspAnswer.Malformed, cacheControl: null);
                    return;
                }
            }

            der = body.ToArray();
        }

        await WriteAsync(context, await responder.RespondAsync(der, context.RequestAborted), cacheControl: null);
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

        var answer = der.Length == 0 ? OcspAnswer.Malformed : await responder.RespondAsync(der, context.RequestAborted);
        await WriteAsync(context, answer, responder.CacheControl);
    }

    /// <param name="cacheControl">Cache-Control of a cacheable answer (GET); null for POST, whose answers HTTP caches do not keep.</param>
    private static async Task WriteAsync(HttpContext context, OcspAnswer answer, string? cacheControl)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ResponseType;
        if (cacheControl is not null && answer.HttpCache is { } cache)
        {
            var headers = response.Headers;
            headers.LastModified = cache.LastModified;
            headers.Expires = cache.Expires;
            headers.ETag = cache.ETag;
            headers.CacheControl = cacheControl;
        }
        else
        {
            response.Headers.CacheControl = "no-cache";
        }

        response.ContentLength = answer.Der.Length;
        await response.Body.WriteAsync(answer.Der, context.RequestAborted);
    }
}
