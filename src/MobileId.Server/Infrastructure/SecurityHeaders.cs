namespace MobileId.Server.Infrastructure;

/// <summary>
/// Headers every response carries: no MIME sniffing, no framing, no referrer leaks; API answers
/// are never cached; console and iOS enrolment pages (which hold personal data and codes) are
/// never cached either and get a strict Content-Security-Policy; HTTPS answers carry HSTS.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (context.Request.Path.StartsWithSegments("/api/v1", StringComparison.Ordinal))
            {
                headers.CacheControl = "no-store";
            }

            if (context.Request.Path.StartsWithSegments(Console.ConsoleSetup.Prefix, StringComparison.Ordinal)
                || context.Request.Path.StartsWithSegments("/ota", StringComparison.Ordinal))
            {
                // Note: the console and the iOS enrolment page run no script at all; they hold personal data and codes.
                headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                    + "frame-ancestors 'none'; base-uri 'self'";
                headers.CacheControl = "no-store";
            }

            if (context.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}
