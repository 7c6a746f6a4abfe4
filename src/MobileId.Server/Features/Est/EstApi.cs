using System.Net.Http.Headers;
using System.Security.Cryptography;
using MobileId.Pki.Enrolment;
using MobileId.Pki.Enrolment.Est;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Protocols;

namespace MobileId.Server.Features.Est;

/// <summary>
/// EST (RFC 7030, RFC 8951) at <c>/.well-known/est/</c> and <c>/.well-known/est/{label}/</c>, the label
/// being the name of an active issuing CA: <c>cacerts</c> and <c>csrattrs</c> without authentication;
/// <c>simpleenroll</c> with HTTP Basic (the logon name and the request's one-time code, or a profile's
/// static challenge); <c>simplereenroll</c> with the current certificate as TLS client certificate;
/// <c>serverkeygen</c> with either. HTTPS only. Every refusal is an HTTP status with a text/plain reason.
/// </summary>
public static class EstApi
{
    public const string Realm = "MobileId EST";

    /// <summary>The largest request body (a base64 PKCS#10 of an RSA-4096 key is about 2 KB).</summary>
    public const int MaxRequestBytes = 64 * 1024;

    private const string Prefix = "/.well-known/est";
    private const string Boundary = "est-server-keygen";

    private static readonly Dictionary<string, string> Operations = new(StringComparer.Ordinal)
    {
        ["cacerts"] = HttpMethods.Get,
        ["csrattrs"] = HttpMethods.Get,
        ["simpleenroll"] = HttpMethods.Post,
        ["simplereenroll"] = HttpMethods.Post,
        ["serverkeygen"] = HttpMethods.Post,
    };

    public static IServiceCollection AddMobileIdEst(this IServiceCollection services)
    {
        services.AddOptions<EstOptions>().BindConfiguration(EstOptions.Section);
        return services;
    }

    public static IEndpointRouteBuilder MapEst(this IEndpointRouteBuilder app)
    {
        // Note: like OCSP, EST runs straight after routing: it uses no session, no API caller and no JSON
        // body limit; it reads its own body with its own limit and answers every refusal as text, never
        // as problem details, which EST clients cannot read.
        app.Map(Prefix + "/{operation}", (HttpContext context, string operation) => HandleAsync(context, null, operation))
            .WithName("Est").ExcludeFromDescription().ShortCircuit();
        app.Map(Prefix + "/{label}/{operation}", (HttpContext context, string label, string operation) => HandleAsync(context, label, operation))
            .WithName("EstLabelled").ExcludeFromDescription().ShortCircuit();
        app.Map(Prefix + "/{**rest}", (HttpContext context) => TextAsync(context, StatusCodes.Status404NotFound,
                $"There is no such EST address. The operations are {Prefix}/[{{CA name}}/]{string.Join('|', Operations.Keys)}."))
            .WithName("EstUnknown").ExcludeFromDescription().ShortCircuit();
        return app;
    }

    private static async Task HandleAsync(HttpContext context, string? label, string operation)
    {
        var cancellationToken = context.RequestAborted;
        if (!context.Request.IsHttps)
        {
            await TextAsync(context, StatusCodes.Status403Forbidden, "EST is served over HTTPS only (RFC 7030 §3.3): use this server's https:// address.");
            return;
        }

        if (!Operations.TryGetValue(operation, out var method))
        {
            await TextAsync(context, StatusCodes.Status404NotFound,
                $"'{operation}' is not an EST operation of this server; it answers {string.Join(", ", Operations.Keys)}.");
            return;
        }

        if (!string.Equals(context.Request.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.Allow = method;
            await TextAsync(context, StatusCodes.Status405MethodNotAllowed, $"EST {operation} takes {method}, not {context.Request.Method}.");
            return;
        }

        var ca = await context.RequestServices.GetRequiredService<RegistrationAuthorities>().CaAsync(label, cancellationToken);
        if (ca is null)
        {
            await TextAsync(context, StatusCodes.Status404NotFound, label is null
                ? "This server has no active issuing CA to serve."
                : $"There is no active issuing CA named '{label}'; the EST labels are the names of the issuing CAs (GET /pki/ca).");
            return;
        }

        switch (operation)
        {
            case "cacerts":
                var chain = await context.RequestServices.GetRequiredService<CertificateIssuance>().ChainAsync(ca.Id, cancellationToken);
                await Base64Async(context, EstCodec.CaCertsType, CertsOnly.Encode(chain));
                break;
            case "csrattrs":
                await Base64Async(context, EstCodec.CsrAttrsType, EstCodec.CsrAttrs(await KeyAlgorithmsAsync(context, ca.Id)));
                break;
            default:
                await EnrolAsync(context, operation);
                break;
        }
    }

    /// <summary>The key algorithms of the policies (of this CA) that challenge-enrolled profiles issue under.</summary>
    private static async Task<List<Pki.Keys.KeyAlgorithm>> KeyAlgorithmsAsync(HttpContext context, Guid issuerId)
    {
        var db = context.RequestServices.GetRequiredService<MobileIdDbContext>();
        var policies = await db.CredentialProfiles.AsNoTracking()
            .Where(p => p.CardEncoding == CardEncoding.DeviceIdentityOnly && (p.RequireChallenge || p.StaticChallengeHash != null))
            .SelectMany(p => p.Certificates).Where(c => c.PolicyId != null).Select(c => c.PolicyId!.Value).ToListAsync(context.RequestAborted);
        return await db.CertificatePolicies.AsNoTracking().Where(p => p.IssuerId == issuerId && policies.Contains(p.Id)).Select(p => p.KeyAlgorithm)
            .ToListAsync(context.RequestAborted);
    }

    private static async Task EnrolAsync(HttpContext context, string operation)
    {
        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            return;
        }

        var read = EstCodec.ReadCsr(body);
        if (read.Csr is not { } csr)
        {
            await TextAsync(context, StatusCodes.Status400BadRequest, read.Problem!);
            return;
        }

        var enrolment = context.RequestServices.GetRequiredService<ProtocolEnrolment>();
        var basic = Basic(context.Request.Headers.Authorization);
        var challenge = basic?.Password ?? EstCodec.ChallengePassword(csr);
        var current = context.Connection.ClientCertificate;
        var serverKey = operation == "serverkeygen";
        EnrolmentResult result;
        if (operation != "simplereenroll" && challenge is not null)
        {
            result = await enrolment.EnrolAsync(EnrolmentProtocol.Est, challenge, csr, new EnrolmentOptions(User: basic?.User, ServerKey: serverKey),
                context.RequestAborted);
        }
        else if (operation != "simpleenroll" && current is not null)
        {
            if (EstCodec.IdentityProblem(current, csr) is { } problem)
            {
                await TextAsync(context, StatusCodes.Status400BadRequest, problem);
                return;
            }

            result = await enrolment.RenewAsync(EnrolmentProtocol.Est, current, csr, serverKey, context.RequestAborted);
        }
        else if (operation == "simplereenroll")
        {
            await TextAsync(context, StatusCodes.Status403Forbidden,
                "simplereenroll is authenticated by the certificate it renews: present it (with its key) as the TLS client certificate.");
            return;
        }
        else
        {
            await UnauthorizedAsync(context,
                "Authenticate with HTTP Basic: your logon name as the user and your request's one-time code as the password (or the profile's static challenge).");
            return;
        }

        await ReplyAsync(context, result);
    }

    private static async Task ReplyAsync(HttpContext context, EnrolmentResult result)
    {
        if (result.Value is not { } enrolled)
        {
            await (result.Failure switch
            {
                EnrolmentFailure.Unauthorized => UnauthorizedAsync(context, result.Message!),
                EnrolmentFailure.BadCertId => TextAsync(context, StatusCodes.Status404NotFound, result.Message!),
                _ => TextAsync(context, StatusCodes.Status400BadRequest, result.Message!),
            });
            return;
        }

        var certificates = CertsOnly.Encode([enrolled.Certificate.Der, .. enrolled.Chain]);
        if (enrolled.PrivateKey is not { } key)
        {
            await Base64Async(context, EstCodec.CertsOnlyType, certificates);
            return;
        }

        // RFC 7030 §4.4.2: over TLS the key may come back unencrypted, as PKCS#8.
        var keyBase64 = EstCodec.Base64(key);
        try
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = $"multipart/mixed; boundary={Boundary}";
            context.Response.Headers.CacheControl = "no-store";
            await EstCodec.WriteMultipartAsync(context.Response.Body, Boundary,
                [(EstCodec.Pkcs8Type, keyBase64), (EstCodec.CertsOnlyType, EstCodec.Base64(certificates))], context.RequestAborted);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(keyBase64);
        }
    }

    /// <summary>The request body when it is <c>application/pkcs10</c> within the size limit; otherwise answers 415 or 413 and returns null.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
            || !string.Equals(type.MediaType, EstCodec.Pkcs10Type, StringComparison.OrdinalIgnoreCase))
        {
            await TextAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"EST requests are sent as Content-Type: {EstCodec.Pkcs10Type} (base64 DER), not '{context.Request.ContentType}'.");
            return null;
        }

        var tooLarge = $"The request body is larger than {MaxRequestBytes} bytes; a PKCS#10 request is a few kilobytes.";
        if (context.Request.ContentLength > MaxRequestBytes)
        {
            await TextAsync(context, StatusCodes.Status413PayloadTooLarge, tooLarge);
            return null;
        }

        var buffer = new byte[MaxRequestBytes + 1];
        var length = await context.Request.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, context.RequestAborted);
        if (length > MaxRequestBytes)
        {
            await TextAsync(context, StatusCodes.Status413PayloadTooLarge, tooLarge);
            return null;
        }

        return buffer[..length];
    }

    private static async Task Base64Async(HttpContext context, string contentType, byte[] der)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.Headers["Content-Transfer-Encoding"] = "base64";
        await context.Response.Body.WriteAsync(EstCodec.Base64(der), context.RequestAborted);
    }

    /// <summary>The user and password of an HTTP Basic <c>Authorization</c> header (RFC 7617), or null.</summary>
    private static (string User, string Password)? Basic(string? authorization)
    {
        const string Scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(authorization[Scheme.Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static Task UnauthorizedAsync(HttpContext context, string message)
    {
        context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\"";
        return TextAsync(context, StatusCodes.Status401Unauthorized, message);
    }

    private static Task TextAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
