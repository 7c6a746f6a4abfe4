using Microsoft.AspNetCore.Http.HttpResults;

namespace MobileId.Server.Features.Crl;

/// <summary><c>GET /pki/crl/{name}.crl</c> (full) and <c>/pki/crl/{name}-delta.crl</c>, DER, <c>application/pkix-crl</c>.</summary>
public static class CrlApi
{
    public static IServiceCollection AddMobileIdCrl(this IServiceCollection services)
    {
        services.AddOptions<CrlOptions>().BindConfiguration(CrlOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CrlPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<CrlPublisher>());
        return services;
    }

    public static IEndpointRouteBuilder MapCrl(this IEndpointRouteBuilder app)
    {
        app.MapGet("/pki/crl/{file}", GetAsync).WithTags("PKI").WithName("DownloadCrl")
            .WithSummary("{name}.crl: the CA's full CRL; {name}-delta.crl: its delta CRL (DER).");
        return app;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAsync(
        string file, MobileIdDbContext db, CrlPublisher publisher, HttpContext context, CancellationToken cancellationToken)
    {
        if (!file.EndsWith(".crl", StringComparison.Ordinal))
        {
            return AppError.NotFound($"'{file}': CRLs are {{name}}.crl and {{name}}-delta.crl; the file").ToResult();
        }

        var name = file[..^4];
        var delta = name.EndsWith("-delta", StringComparison.Ordinal);
        if (delta)
        {
            name = name[..^6];
        }

        var ca = await db.CertificateAuthorities.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (ca is null)
        {
            return AppError.NotFound($"The CA '{name}'").ToResult();
        }

        if (!ca.HasKey)
        {
            return new AppError(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found",
                $"This server publishes no CRLs for '{name}': the CA's key is not here, so its own operator publishes them.").ToResult();
        }

        var crl = await publisher.CurrentAsync(db, ca.Id, delta, cancellationToken);
        if (crl is null)
        {
            return new AppError(StatusCodes.Status503ServiceUnavailable, ErrorCodes.InternalError, "CRL not available",
                "The CRL could not be published; the cause is in the server log.").ToResult();
        }

        context.Response.Headers.LastModified = new DateTimeOffset(crl.ThisUpdate, TimeSpan.Zero).ToString("R", CultureInfo.InvariantCulture);
        context.Response.Headers.Expires = new DateTimeOffset(crl.NextUpdate, TimeSpan.Zero).ToString("R", CultureInfo.InvariantCulture);
        return TypedResults.File(crl.Der, "application/pkix-crl", file);
    }

}
