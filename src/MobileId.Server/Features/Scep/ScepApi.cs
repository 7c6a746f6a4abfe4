using MobileId.Pki.Enrolment;
using MobileId.Server.Features.Protocols;

namespace MobileId.Server.Features.Scep;

/// <summary>
/// SCEP (RFC 8894) at <c>/scep</c> and <c>/scep/pkiclient.exe</c>, and per CA at
/// <c>/scep/{ca}</c> and <c>/scep/{ca}/pkiclient.exe</c>: GetCACaps, GetCACert and PKIOperation
/// (POST with the DER body, or GET with <c>message=</c> base64). Errors are in SCEP's own forms:
/// a CertRep with pkiStatus FAILURE, or plain text with an HTTP status; never problem details.
/// </summary>
public static class ScepApi
{
    /// <summary>What GetCACaps advertises: only what this server implements.</summary>
    public static readonly string[] Capabilities = ["POSTPKIOperation", "SHA-256", "SHA-512", "AES", "Renewal", "SCEPStandard"];

    public static IServiceCollection AddMobileIdScep(this IServiceCollection services) => services.AddScoped<ScepResponder>();

    public static IEndpointRouteBuilder MapScep(this IEndpointRouteBuilder app)
    {
        // Note: like OCSP, SCEP is public and reads its own body: ShortCircuit skips the caller
        // resolution and the JSON body limit (whose 413 would be problem details); the handler caps the body.
        foreach (var pattern in new[] { "/scep", "/scep/pkiclient.exe", "/scep/{ca}", "/scep/{ca}/pkiclient.exe" })
        {
            app.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Post], HandleAsync).WithTags("SCEP").ExcludeFromDescription().ShortCircuit();
        }

        return app;
    }

    private static async Task HandleAsync(HttpContext context, RegistrationAuthorities authorities, ScepResponder responder)
    {
        var label = context.Request.RouteValues["ca"] as string is { } ca && ca != "pkiclient.exe" ? ca : null;
        var operation = context.Request.Query["operation"].ToString();
        var post = HttpMethods.IsPost(context.Request.Method);
        var answer = (operation, post) switch
        {
            ("GetCACaps", false) => ScepAnswer.Text(StatusCodes.Status200OK, string.Join('\n', Capabilities)),
            ("GetCACert", false) => await CaCertAsync(authorities, label, context.Request.Query["message"].ToString(), context.RequestAborted),
            ("PKIOperation", false) => await GetOperationAsync(context.Request.Query["message"].ToString(), responder, context.RequestAborted),
            ("PKIOperation", true) => await ReadBodyAsync(context.Request) is { } body
                ? await responder.RespondAsync(body, context.RequestAborted)
                : ScepAnswer.Text(StatusCodes.Status413PayloadTooLarge, $"A pkiMessage is at most {ScepResponder.MaxMessageBytes} bytes."),
            _ => ScepAnswer.Text(StatusCodes.Status400BadRequest,
                $"Unknown SCEP operation '{operation}' for {context.Request.Method}: use GET ?operation=GetCACaps, GetCACert or PKIOperation&message=…, or POST ?operation=PKIOperation."),
        };

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = answer.Body.Length;
        await context.Response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }

    /// <summary>
    /// The RA certificate and the CA chain as a certs-only PKCS#7 (<c>application/x-x509-ca-ra-cert</c>).
    /// The CA is the path's label (strict), else the one named by <c>message</c> when there is one, else the default CA.
    /// </summary>
    private static async Task<ScepAnswer> CaCertAsync(RegistrationAuthorities authorities, string? label, string message, CancellationToken cancellationToken)
    {
        var ca = label is not null
            ? await authorities.CaAsync(label, cancellationToken)
            : await authorities.CaAsync(message, cancellationToken) ?? await authorities.CaAsync(null, cancellationToken);
        if (ca is null)
        {
            return ScepAnswer.Text(StatusCodes.Status404NotFound, label is null
                ? "This server has no active issuing CA to enrol with."
                : $"There is no active issuing CA named '{label}' on this server.");
        }

        var ra = await authorities.ForAsync(ca.Id, cancellationToken);
        return new ScepAnswer(StatusCodes.Status200OK, "application/x-x509-ca-ra-cert", CertsOnly.Encode([ra.Certificate.RawData, .. ra.CaChain]));
    }

    /// <summary>PKIOperation by GET: <c>message</c> is base64 (URL-escaped); a '+' that arrives as a space is taken back.</summary>
    private static async Task<ScepAnswer> GetOperationAsync(string message, ScepResponder responder, CancellationToken cancellationToken)
    {
        if (message.Length > ScepResponder.MaxMessageBytes * 4 / 3 + 4)
        {
            return ScepAnswer.Text(StatusCodes.Status413PayloadTooLarge, $"A pkiMessage is at most {ScepResponder.MaxMessageBytes} bytes.");
        }

        var text = message.Replace(' ', '+').Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
        var der = new byte[text.Length];
        return text.Length > 0 && Convert.TryFromBase64String(text, der, out var length)
            ? await responder.RespondAsync(der[..length], cancellationToken)
            : ScepAnswer.Text(StatusCodes.Status400BadRequest, "PKIOperation by GET takes message=<base64 of the DER pkiMessage>.");
    }

    /// <summary>The request body, or null when it is larger than <see cref="ScepResponder.MaxMessageBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > ScepResponder.MaxMessageBytes)
        {
            return null;
        }

        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > ScepResponder.MaxMessageBytes)
            {
                return null;
            }
        }

        return body.ToArray();
    }
}
