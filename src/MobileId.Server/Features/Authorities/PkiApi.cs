using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Features.Authorities;

/// <summary>
/// The public PKI paths (PRODUCT.md §13, no authentication): <c>GET /pki/ca</c>,
/// <c>/pki/ca/{name}.crt</c> (DER) and <c>/pki/ca/{name}.pem</c> (chain); and the
/// Certificate Authorities API for operators.
/// </summary>
public static class PkiApi
{
    public static IServiceCollection AddMobileIdPki(this IServiceCollection services)
    {
        services.AddOptions<PkiOptions>().BindConfiguration(PkiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KeyStoreOptions>().BindConfiguration(KeyStoreOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KeyStoreOptions>, KeyStoreOptionsValidator>();
        services.AddSingleton<IKeyStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KeyStoreOptions>>().Value;
            if (options.Kind == KeyStoreKind.Pkcs11)
            {
                return new Pkcs11KeyStore(options.Pkcs11, Pkcs11Pin(options));
            }

            var data = sp.GetRequiredService<IOptions<MobileIdOptions>>().Value.DataPath;
            return new CachingKeyStore(new SoftwareKeyStore(Path.Combine(data, "keys"), string.IsNullOrWhiteSpace(options.MasterKey) ? null : options.MasterKey));
        });
        services.AddMobileIdIssuance();
        services.AddScoped<CertificateAuthorities>();
        services.AddScoped<IssuingCas>();
        services.AddScoped<CaImports>();
        services.AddScoped<IInitializationStep, CaBootstrapStep>();
        services.AddHealthChecks().AddCheck<KeyStoreHealthCheck>("key-store", tags: [Health.HealthEndpoints.ReadyTag]);
        return services;
    }

    /// <summary>The token PIN from the configured file or environment variable, with a message that says how to provide it.</summary>
    internal static string Pkcs11Pin(KeyStoreOptions options)
    {
        if (options.Pkcs11PinFile is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new KeyStoreException($"MobileId:KeyStore:Pkcs11PinFile names {file}, which does not exist.");
            }

            return File.ReadLines(file).FirstOrDefault()?.Trim() is { Length: > 0 } pin
                ? pin
                : throw new KeyStoreException($"The PIN file {file} is empty.");
        }

        return Environment.GetEnvironmentVariable(options.Pkcs11PinVariable) is { Length: > 0 } value
            ? value
            : throw new KeyStoreException(
                $"MobileId:KeyStore:Kind is Pkcs11 but no PIN was given: set the environment variable {options.Pkcs11PinVariable} or MobileId:KeyStore:Pkcs11PinFile.");
    }

    public static IEndpointRouteBuilder MapPkiApi(this IEndpointRouteBuilder app)
    {
        var pki = app.MapGroup("/pki/ca").WithTags("PKI");
        pki.MapGet("", ListPublic).WithName("ListCertificateAuthoritiesPublic").WithSummary("The CAs with their subjects, algorithms, status and URLs.");
        pki.MapGet("/{file}", Download).WithName("DownloadCaCertificate").WithSummary("{name}.crt: the CA certificate (DER); {name}.pem: the chain.");

        var authorities = app.MapGroup("/api/v1/authorities").WithTags("Certificate Authorities");
        authorities.MapGet("", List).WithName("ListCertificateAuthorities").WithSummary("The CAs, paged; q filters by name, subject, kind and status.").RequiresWorkflow(Workflow.CertificateAuthorities);
        authorities.MapGet("/{name}", View).WithName("ViewCertificateAuthority").RequiresWorkflow(Workflow.CertificateAuthorities);
        authorities.MapGet("/{name}/service-certificates", ServiceCertificates).WithName("ListServiceCertificates")
            .WithSummary("The certificates the CA issued to its own services (content signer, OCSP responder, registration authority), newest first.")
            .RequiresWorkflow(Workflow.CertificateAuthorities);
        authorities.MapPost("", Create).WithName("CreateIssuingCa")
            .WithSummary("Creates another issuing CA under a root CA whose key is on this server.")
            .RequiresWorkflow(Workflow.CertificateAuthorities, ScopeRule.AllScope);
        authorities.MapPost("/import", Import).WithName("ImportCertificateAuthority")
            .WithSummary("Imports an existing CA with its key, from a PKCS#12 file (base64, with password) or a PEM key and chain, as an issuing CA.")
            .RequiresWorkflow(Workflow.CertificateAuthorities, ScopeRule.AllScope);
        authorities.MapPost("/{name}/retire", Retire).WithName("RetireCertificateAuthority")
            .WithSummary("Retires a CA: it issues nothing new; its CRLs and OCSP answers go on while its certificates are valid.")
            .RequiresWorkflow(Workflow.CertificateAuthorities, ScopeRule.AllScope);
        return app;
    }

    private static async Task<Results<Ok<CaView>, ProblemHttpResult>> View(string name, CertificateAuthorities authorities, CancellationToken cancellationToken) =>
        await authorities.ViewAsync(name, cancellationToken) is { } view ? TypedResults.Ok(view) : AppError.NotFound($"The CA '{name}'").ToResult();

    private static async Task<Results<Ok<IReadOnlyList<ServiceCertificateView>>, ProblemHttpResult>> ServiceCertificates(
        string name, CertificateAuthorities authorities, CancellationToken cancellationToken) =>
        await authorities.ServiceCertificatesAsync(name, cancellationToken) is { } list
            ? TypedResults.Ok(list)
            : AppError.NotFound($"The CA '{name}'").ToResult();

    private static async Task<Results<Created<CaView>, ProblemHttpResult>> Create(
        CreateIssuingCaRequest request, Caller caller, IssuingCas issuing, CancellationToken cancellationToken) =>
        Created(await issuing.CreateAsync(caller, request, cancellationToken));

    private static async Task<Results<Created<CaView>, ProblemHttpResult>> Import(
        ImportCaRequest request, Caller caller, CaImports imports, CancellationToken cancellationToken) =>
        Created(await imports.ImportAsync(caller, request, cancellationToken));

    private static async Task<Results<Ok<CaView>, ProblemHttpResult>> Retire(string name, Caller caller, IssuingCas issuing, CancellationToken cancellationToken)
    {
        var result = await issuing.RetireAsync(caller, name, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static Results<Created<CaView>, ProblemHttpResult> Created(Result<CaView> result) =>
        result.IsSuccess ? TypedResults.Created($"/api/v1/authorities/{result.Value.Name}", result.Value) : result.Error.ToResult();

    private static async Task<Ok<IReadOnlyList<CaView>>> ListPublic(CertificateAuthorities authorities, CancellationToken cancellationToken) =>
        TypedResults.Ok(await authorities.ViewsAsync(cancellationToken));

    private static async Task<Results<Ok<PagedResult<CaView>>, ProblemHttpResult>> List([AsParameters] ListQuery query, CertificateAuthorities authorities,
        IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await authorities.ViewsAsync(cancellationToken), query, options, CertificateAuthorities.SearchText);

    private static async Task<Results<FileContentHttpResult, ContentHttpResult, ProblemHttpResult>> Download(
        string file, CertificateAuthorities authorities, CancellationToken cancellationToken)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var extension = Path.GetExtension(file);
        if (extension is not (".crt" or ".pem" or ".cer" or ".der"))
        {
            return AppError.NotFound($"'{file}': use {{name}}.crt for the DER certificate or {{name}}.pem for the chain; the file").ToResult();
        }

        var ca = await authorities.FindAsync(name, cancellationToken);
        if (ca is null)
        {
            return AppError.NotFound($"The CA '{name}'").ToResult();
        }

        if (extension == ".pem")
        {
            return TypedResults.Content(await authorities.ChainPemAsync(name, cancellationToken), "application/x-pem-file");
        }

        return TypedResults.File(ca.CertificateDer, "application/pkix-cert", $"{ca.Name}.crt");
    }
}

/// <summary><c>/health/ready</c> fails while the key store does not answer.</summary>
internal sealed class KeyStoreHealthCheck(IKeyStore keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problem = keys.Check();
        return Task.FromResult(problem is null ? HealthCheckResult.Healthy($"{keys.Kind} key store") : HealthCheckResult.Unhealthy(problem));
    }
}
