using Microsoft.Extensions.Options;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Protocols;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Ota;

/// <summary>
/// The iOS over-the-air enrolment endpoints (PRODUCT.md §9, §13), public like <c>/pki</c>:
/// <c>GET /ota</c> (and <c>/ota/enrol</c>) the intermediate page, <c>GET /ota/ca.crt</c> the root CA
/// certificate for Safari, <c>POST /ota/enrol</c> the code → Profile Service, <c>POST /ota/profile/{token}</c>
/// the device's signed attributes → the SCEP configuration profile, and the same attributes signed with the
/// device's new SCEP certificate → the final profile encrypted to it. Refusals are plain text (or the page for the form).
/// </summary>
public static class OtaApi
{
    public const string ProfileType = "application/x-apple-aspen-config";

    public static IServiceCollection AddMobileIdOta(this IServiceCollection services)
    {
        services.AddOptions<OtaOptions>().BindConfiguration(OtaOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OtaOptions>, OtaOptionsValidator>();
        services.AddSingleton<OtaSigner>();
        services.AddScoped<OtaEnrolment>();
        return services;
    }

    public static IEndpointRouteBuilder MapOta(this IEndpointRouteBuilder app)
    {
        var ota = app.MapGroup("/ota").ExcludeFromDescription();
        ota.MapGet("", Page);
        ota.MapGet("/enrol", Page);
        ota.MapGet("/ca.crt", RootCertificate);
        ota.MapPost("/enrol", Enrol);
        ota.MapPost("/profile/{token}", Profile);
        return app;
    }

    private static async Task<IResult> Page(SettingsService settings, IOptions<OtaOptions> options, CancellationToken cancellationToken) =>
        await PageAsync(settings, options, null, StatusCodes.Status200OK, cancellationToken);

    private static async Task<IResult> PageAsync(SettingsService settings, IOptions<OtaOptions> options, string? error, int status,
        CancellationToken cancellationToken)
    {
        var operation = await settings.GetAsync(cancellationToken);
        var introduction = options.Value.IntroductionFile is { Length: > 0 } file && File.Exists(file)
            ? TextFiles.Decode(await File.ReadAllBytesAsync(file, cancellationToken))
            : null;
        var enabled = operation.IosOtaCredentialProfile.Length > 0;
        return TypedResults.Content(OtaPage.Render(OtaEnrolment.Texts(operation), introduction, enabled, error), "text/html; charset=utf-8",
            statusCode: enabled || error is not null ? status : StatusCodes.Status404NotFound);
    }

    /// <summary>The root of the chain of the CA that SCEP serves, as Safari installs it.</summary>
    private static async Task<IResult> RootCertificate(RegistrationAuthorities authorities, CertificateIssuance issuance, CancellationToken cancellationToken)
    {
        if (await authorities.CaAsync(null, cancellationToken) is not { } ca)
        {
            return TypedResults.Text("The server has no active issuing CA.", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        }

        var chain = await issuance.ChainAsync(ca.Id, cancellationToken);
        return TypedResults.File(chain[^1], "application/x-x509-ca-cert", "root.crt");
    }

    private static async Task<IResult> Enrol(HttpContext context, OtaEnrolment enrolment, SettingsService settings, IOptions<OtaOptions> options,
        CancellationToken cancellationToken)
    {
        if (!context.Request.HasFormContentType)
        {
            return await PageAsync(settings, options, "Send the one-time code with the form on this page.", StatusCodes.Status415UnsupportedMediaType,
                cancellationToken);
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var outcome = await enrolment.StartAsync(form["code"].ToString(), context.Connection.RemoteIpAddress, cancellationToken);
        return outcome.Profile is { } profile
            ? TypedResults.File(profile, ProfileType, "enrol.mobileconfig")
            : await PageAsync(settings, options, outcome.Message, outcome.Status, cancellationToken);
    }

    private static async Task<IResult> Profile(string token, HttpContext context, OtaEnrolment enrolment, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, cancellationToken);
        var outcome = await enrolment.AnswerAsync(token, context.Request.ContentType, body.ToArray(), cancellationToken);
        return outcome.Profile is { } profile
            ? TypedResults.File(profile, ProfileType, "enrolment.mobileconfig")
            : TypedResults.Text(outcome.Message, "text/plain; charset=utf-8", statusCode: outcome.Status);
    }
}
