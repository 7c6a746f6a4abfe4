using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;

namespace MobileId.Server.Features.Certificates;

/// <summary>Certificate policies, certificates of a person, and revoke / hold / release.</summary>
public static class CertificatesApi
{
    public static IServiceCollection AddMobileIdCertificates(this IServiceCollection services)
    {
        services.AddScoped<CertificateService>();
        services.AddScoped<PoliciesService>();
        services.AddScoped<CertificateIssuance>();
        services.AddScoped<PfxUpload>();
        services.AddScoped<KeyArchive>();
        return services;
    }

    public static IEndpointRouteBuilder MapCertificatesApi(this IEndpointRouteBuilder app)
    {
        var policies = app.MapGroup("/api/v1/policies").WithTags("Certificate Authorities");
        policies.MapGet("", ListPolicies).WithName("ListCertificatePolicies").WithSummary("Certificate policies, paged; q filters by name, CA and key algorithm.").RequiresWorkflow(Workflow.CertificateAuthorities);
        policies.MapPost("", CreatePolicy).WithName("CreateCertificatePolicy").RequiresWorkflow(Workflow.CertificateAuthorities, ScopeRule.AllScope);
        policies.MapPut("/{id:guid}", UpdatePolicy).WithName("UpdateCertificatePolicy").RequiresWorkflow(Workflow.CertificateAuthorities, ScopeRule.AllScope);

        app.MapGet("/api/v1/people/{id:guid}/certificates", ListForPerson).WithTags("Certificates").WithName("ListPersonCertificates")
            .WithSummary("The certificates issued to the person, newest first, paged; filter by status.")
            .RequiresWorkflow(Workflow.FindPerson);
        app.MapPost("/api/v1/people/{id:guid}/certificates", Issue).WithTags("Certificates").WithName("IssueCertificate")
            .WithSummary("Issues a certificate to the person under a policy: from a device-made CSR (PEM or base64 DER), or with a server-made key returned as PKCS#12 under pkcs12Password (and archived when the policy says so).")
            .RequiresWorkflow(Workflow.CertificateAuthorities);

        app.MapPost("/api/v1/people/{id:guid}/pfx", UploadPfx).WithTags("Certificates").WithName("UploadPfxCertificate")
            .WithSummary("Upload PFX Certificates: imports a PKCS#12 file (base64) with its password as an Unmanaged certificate of the person.")
            .RequiresWorkflow(Workflow.UploadPfxCertificates);

        var certificates = app.MapGroup("/api/v1/certificates/{id:guid}").WithTags("Certificates");
        certificates.MapGet("", Get).WithName("GetCertificate").RequiresWorkflow(Workflow.FindPerson);
        certificates.MapPost("/revoke", Revoke).WithName("RevokeCertificate").WithSummary("Revokes for good, with an RFC 5280 reason.")
            .RequiresWorkflow(Workflow.CancelCredential);
        certificates.MapPost("/hold", Hold).WithName("HoldCertificate").WithSummary("Suspends (certificateHold).")
            .RequiresWorkflow(Workflow.EnableDisableId);
        certificates.MapPost("/recover", Recover).WithName("RecoverArchivedKey")
            .WithSummary("Recovers the archived private key of a server-made certificate as PKCS#12 under the given password (audited).")
            .RequiresWorkflow(Workflow.CertificateAuthorities);
        certificates.MapPost("/release", Release).WithName("ReleaseCertificate").WithSummary("Lifts a hold.")
            .RequiresWorkflow(Workflow.EnableDisableId);
        return app;
    }

    private static async Task<Results<Ok<PagedResult<PolicyView>>, ProblemHttpResult>> ListPolicies([AsParameters] ListQuery query, PoliciesService policies,
        IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        Paging.Respond(await policies.ListAsync(cancellationToken), query, options, PoliciesService.SearchText);

    private static async Task<Results<Created<PolicyView>, ProblemHttpResult>> CreatePolicy(
        PolicyInput input, Caller caller, PoliciesService policies, CancellationToken cancellationToken)
    {
        var result = await policies.SaveAsync(caller, null, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/policies/{result.Value.Id}", result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<PolicyView>, ProblemHttpResult>> UpdatePolicy(
        Guid id, PolicyInput input, Caller caller, PoliciesService policies, CancellationToken cancellationToken)
    {
        var result = await policies.SaveAsync(caller, id, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<PagedResult<CertificateView>>, ProblemHttpResult>> ListForPerson(Guid id, [FromQuery] CertificateStatus? status,
        [FromQuery] int? page, [FromQuery] int? pageSize, Caller caller, CertificateIssuance certificates, IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } invalid)
        {
            return invalid.ToResult();
        }

        var result = await certificates.ListForPersonAsync(caller, id, status, p, size, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Created<CertificateView>, Created<CertificateWithKeyView>, ProblemHttpResult>> Issue(
        Guid id, IssueCertificateRequest request, Caller caller, CertificateIssuance issuance, CancellationToken cancellationToken)
    {
        var result = await issuance.IssueAsync(caller, id, request, cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Error.ToResult();
        }

        var location = $"/api/v1/certificates/{result.Value.Certificate.Id}";
        return result.Value.WithKey is { } withKey ? TypedResults.Created(location, withKey) : TypedResults.Created(location, result.Value.Certificate);
    }

    private static async Task<Results<Ok<CertificateView>, ProblemHttpResult>> Get(
        Guid id, Caller caller, MobileIdDbContext db, AccessPolicy access, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(id, Workflow.FindPerson, caller, db, access, cancellationToken) is { } denied)
        {
            return denied.ToResult();
        }

        var certificate = await db.IssuedCertificates.AsNoTracking().SingleAsync(c => c.Id == id, cancellationToken);
        var ca = await db.CertificateAuthorities.AsNoTracking().Where(c => c.Id == certificate.IssuerId).Select(c => c.Name).SingleAsync(cancellationToken);
        return TypedResults.Ok(CertificateIssuance.View(certificate, ca));
    }

    private static async Task<Results<Ok<CertificateWithKeyView>, ProblemHttpResult>> Recover(Guid id, RecoverKeyRequest request, Caller caller,
        MobileIdDbContext db, AccessPolicy access, KeyArchive archive, CertificateIssuance issuance, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(id, Workflow.CertificateAuthorities, caller, db, access, cancellationToken) is { } denied)
        {
            return denied.ToResult();
        }

        if (CertificateIssuance.Pkcs12PasswordError(request.Pkcs12Password) is { } passwordError)
        {
            return passwordError.ToResult();
        }

        var recovered = await archive.RecoverAsync(caller, id, cancellationToken);
        if (!recovered.IsSuccess)
        {
            return recovered.Error.ToResult();
        }

        using var package = recovered.Value;
        using var key = KeyPackages.FromPkcs8(package.Pkcs8!);
        var certificate = package.Certificate;
        var pkcs12 = KeyPackages.Pkcs12(certificate.Der, key, await issuance.ChainAsync(certificate.IssuerId, cancellationToken), request.Pkcs12Password!);
        var ca = await db.CertificateAuthorities.AsNoTracking().Where(c => c.Id == certificate.IssuerId).Select(c => c.Name).SingleAsync(cancellationToken);
        return TypedResults.Ok(new CertificateWithKeyView(CertificateIssuance.View(certificate, ca), Convert.ToBase64String(pkcs12), true));
    }

    private static async Task<Results<Created<UnmanagedCertificateView>, ProblemHttpResult>> UploadPfx(
        Guid id, PfxUploadRequest request, Caller caller, PfxUpload upload, CancellationToken cancellationToken)
    {
        var result = await upload.ImportAsync(caller, id, request, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/people/{id}/pfx/{result.Value.Id}", result.Value) : result.Error.ToResult();
    }

    private static Task<Results<Ok<CertificateView>, ProblemHttpResult>> Revoke(
        Guid id, RevokeRequest request, Caller caller, MobileIdDbContext db, AccessPolicy access, CertificateService certificates, CancellationToken cancellationToken) =>
        ChangeAsync(id, Workflow.CancelCredential, caller, db, access, cancellationToken,
            () => certificates.RevokeAsync(caller, id, request.Reason ?? X509RevocationReason.Unspecified, cancellationToken));

    private static Task<Results<Ok<CertificateView>, ProblemHttpResult>> Hold(
        Guid id, Caller caller, MobileIdDbContext db, AccessPolicy access, CertificateService certificates, CancellationToken cancellationToken) =>
        ChangeAsync(id, Workflow.EnableDisableId, caller, db, access, cancellationToken,
            () => certificates.RevokeAsync(caller, id, X509RevocationReason.CertificateHold, cancellationToken));

    private static Task<Results<Ok<CertificateView>, ProblemHttpResult>> Release(
        Guid id, Caller caller, MobileIdDbContext db, AccessPolicy access, CertificateService certificates, CancellationToken cancellationToken) =>
        ChangeAsync(id, Workflow.EnableDisableId, caller, db, access, cancellationToken,
            () => certificates.ReleaseAsync(caller, id, cancellationToken));

    /// <summary>Scope over a certificate is scope over its holder; a certificate of nobody needs scope All.</summary>
    private static async Task<AppError?> AuthorizeAsync(Guid id, Workflow workflow, Caller caller, MobileIdDbContext db, AccessPolicy access,
        CancellationToken cancellationToken)
    {
        var certificate = await db.IssuedCertificates.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (certificate is null)
        {
            return AppError.NotFound("That certificate");
        }

        var holder = certificate.PersonId is { } personId ? await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken) : null;
        return holder is not null
            ? await access.CheckAsync(caller, workflow, holder, cancellationToken)
            : caller.HasWithScope(workflow, Scope.All) ? null : AccessPolicy.AllScopeRequired(workflow);
    }

    private static async Task<Results<Ok<CertificateView>, ProblemHttpResult>> ChangeAsync(Guid id, Workflow workflow, Caller caller,
        MobileIdDbContext db, AccessPolicy access, CancellationToken cancellationToken, Func<Task<Result<IssuedCertificate>>> change)
    {
        if (await AuthorizeAsync(id, workflow, caller, db, access, cancellationToken) is { } denied)
        {
            return denied.ToResult();
        }

        var result = await change();
        if (!result.IsSuccess)
        {
            return result.Error.ToResult();
        }

        var ca = await db.CertificateAuthorities.AsNoTracking().Where(c => c.Id == result.Value.IssuerId).Select(c => c.Name).SingleAsync(cancellationToken);
        return TypedResults.Ok(CertificateIssuance.View(result.Value, ca));
    }
}
