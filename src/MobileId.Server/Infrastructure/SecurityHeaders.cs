namespace MobileId.Server.Infrastructure;

/// <summary>
/// Headers every response carries: no MIME sniffing, no framing, no referrer leaks; API answers
/// and console pages (which hold personal data) are never cached; console pages get a strict
/// Content-Security-Policy; HTTPS answers carry HSTS.
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

            if (context.Request.Path.StartsWithSegments(Console.ConsoleSetup.Prefix, StringComparison.Ordinal))
            {
                // Note: the console runs no script at all; its pages hold personal data and codes.
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
