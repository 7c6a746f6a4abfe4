using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.MobileIds.Cancel;
using MobileId.Server.Features.MobileIds.Disable;
using MobileId.Server.Features.MobileIds.Enable;
using MobileId.Server.Features.MobileIds.Replace;
using MobileId.Server.Features.MobileIds.Request;
using MobileId.Server.Features.MobileIds.Unlock;
using MobileId.Server.Features.MobileIds.Validate;
using MobileId.Server.Features.Notifications;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.MobileIds;

/// <summary>Request ID, Request My ID, Validate Request, reading mobile IDs, and Cancel Credential, Enable / Disable ID, Request Replacement ID and Unlock Credential.</summary>
public static class MobileIdsApi
{
    public static IServiceCollection AddMobileIdRequests(this IServiceCollection services)
    {
        services.AddOptions<OneTimeCodeOptions>().BindConfiguration(OneTimeCodeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<UnlockOptions>().BindConfiguration(UnlockOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Note: what the workflows share (rights, codes, reads, the cancellation, the unlock checks).
        services.AddScoped<ProfileRights>();
        services.AddScoped<MobileIdRequests>();
        services.AddScoped<ProvisioningCodes>();
        services.AddScoped<RequestCreation>();
        services.AddScoped<MobileIdLifecycle>();
        services.AddScoped<CodeRedemption>();
        services.AddScoped<UnlockChecks>();
        services.AddScoped<UnlockCredential>();

        // Note: one handler per workflow.
        services.AddScoped<RequestMobileId>();
        services.AddScoped<RequestMyMobileId>();
        services.AddScoped<ValidateRequest>();
        services.AddScoped<CancelCredential>();
        services.AddScoped<DisableMobileId>();
        services.AddScoped<EnableMobileId>();
        services.AddScoped<RequestReplacement>();
        services.AddScoped<RequestUnlockCode>();
        services.AddScoped<SendUnlockVerification>();
        return services;
    }

    public static IEndpointRouteBuilder MapMobileIdsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/people/{id:guid}/mobile-ids", Request).WithTags("Mobile IDs").WithName("RequestMobileId")
            .WithSummary("Request ID: requests a mobile ID for the person under a credential profile; the answer carries the one-time code unless the profile requires validation.")
            .RequiresWorkflow(Workflow.RequestId);
        app.MapGet("/api/v1/people/{id:guid}/mobile-ids", ListForPerson).WithTags("Mobile IDs").WithName("ListPersonMobileIds")
            .WithSummary("The person's mobile IDs, newest first, paged; filter by status.")
            .RequiresWorkflow(Workflow.FindPerson);
        app.MapGet("/api/v1/mobile-ids", List).WithTags("Mobile IDs").WithName("ListMobileIds")
            .WithSummary("The mobile IDs of the people in your scope, newest first, paged; filter by status, profile, person and device.")
            .RequiresWorkflow(Workflow.FindPerson);
        app.MapGet("/api/v1/people/{id:guid}/requestable-profiles", RequestableProfiles).WithTags("Mobile IDs").WithName("ListRequestableProfiles")
            .WithSummary("The credential profiles you may request for the person and the person may receive: the choices of Request ID.")
            .RequiresWorkflow(Workflow.RequestId);
        app.MapPost("/api/v1/me/mobile-ids", RequestMine).WithTags("Mobile IDs").WithName("RequestMyMobileId")
            .WithSummary("Request My ID: requests a mobile ID for the caller; without email and phone the QR code is the way to collect.")
            .RequiresWorkflow(Workflow.RequestMyId);
        app.MapGet("/api/v1/mobile-ids/{id:guid}", Get).WithTags("Mobile IDs").WithName("GetMobileId").RequiresWorkflow(Workflow.FindPerson);
        app.MapPost("/api/v1/mobile-ids/{id:guid}/validate", Validate).WithTags("Mobile IDs").WithName("ValidateRequest")
            .WithSummary("Validate Request: a second operator with Can Validate releases the one-time code.")
            .RequiresWorkflow(Workflow.ValidateRequest);
        app.MapPost("/api/v1/mobile-ids/{id:guid}/cancel", Cancel).WithTags("Mobile IDs").WithName("CancelCredential")
            .WithSummary("Cancel Credential: cancels the mobile ID, revokes its certificates (reason cessationOfOperation unless given) and marks its device cancelled when nothing else lives on it.")
            .RequiresWorkflow(Workflow.CancelCredential);
        app.MapPost("/api/v1/mobile-ids/{id:guid}/disable", Disable).WithTags("Mobile IDs").WithName("DisableId")
            .WithSummary("Disable ID: puts the certificates of an Issued mobile ID on hold (certificateHold), with a reason and details.")
            .RequiresWorkflow(Workflow.EnableDisableId);
        app.MapPost("/api/v1/mobile-ids/{id:guid}/enable", Enable).WithTags("Mobile IDs").WithName("EnableId")
            .WithSummary("Enable ID: releases the holds of a Disabled mobile ID; its certificates are good again.")
            .RequiresWorkflow(Workflow.EnableDisableId);
        app.MapPost("/api/v1/mobile-ids/{id:guid}/replace", Replace).WithTags("Mobile IDs").WithName("RequestReplacementId")
            .WithSummary("Request Replacement ID: for a lost, damaged or stolen device, cancels the mobile ID and requests a new one for the same person and profile, as Request ID does.")
            .RequiresWorkflow(Workflow.RequestReplacementId);
        app.MapPost("/api/v1/devices/{id:guid}/unlock-code", RequestUnlockCode).WithTags("Mobile IDs").WithName("RequestUnlockCodeForDevice")
            .WithSummary("Unlock Credential: for the challenge the device shows, an unlock code that only this device accepts, once, for a short time. Needs Can Unlock for the profile; with caller verification, the code the person received.")
            .RequiresWorkflow(Workflow.UnlockCredential);
        app.MapPost("/api/v1/devices/{id:guid}/unlock-verification", SendUnlockVerification).WithTags("Mobile IDs").WithName("SendUnlockVerificationCode")
            .WithSummary("Unlock Credential with caller verification: sends the person a one-time authentication code by email or SMS, to be given with RequestUnlockCodeForDevice.")
            .RequiresWorkflow(Workflow.UnlockCredential);
        app.MapGet("/qr/{file}", QrCodeAsync).WithTags("Mobile IDs").WithName("ProvisioningQrCode")
            .WithSummary("The QR code (PNG) of a provisioning link, while the mobile ID can be collected; the link alone is useless without the one-time code.");
        return app;
    }

    private static async Task<IResult> QrCodeAsync(string file, HttpContext context, MobileIdDbContext db, SettingsService settings, CancellationToken cancellationToken)
    {
        var token = file.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? file[..^4] : "";
        var mobileId = token.Length is > 0 and <= 64
            ? await db.MobileIdentities.AsNoTracking().SingleOrDefaultAsync(m => m.LinkToken == token, cancellationToken)
            : null;
        if (mobileId is not { Status: MobileIdStatus.ReadyToCollect or MobileIdStatus.Collecting })
        {
            return new AppError(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found", "There is no QR code here: the request is unknown, or its mobile ID can no longer be collected.").ToResult();
        }

        var link = $"{(await settings.GetAsync(cancellationToken)).DeviceProtocolAddress}/enrol/{mobileId.LinkToken}";
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(QrCodes.Png(link), "image/png");
    }

    private static async Task<Results<Created<MobileIdView>, ProblemHttpResult>> Request(
        Guid id, MobileIdRequestInput input, Caller caller, RequestMobileId handler, CancellationToken cancellationToken) =>
        Created(await handler.HandleAsync(caller, id, input, cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<string>>, ProblemHttpResult>> RequestableProfiles(Guid id, Caller caller, MobileIdRequests requests,
        CancellationToken cancellationToken)
    {
        var result = await requests.RequestableProfilesAsync(caller, id, Workflow.RequestId, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Created<MobileIdView>, ProblemHttpResult>> RequestMine(
        MobileIdRequestInput input, Caller caller, RequestMyMobileId handler, CancellationToken cancellationToken) =>
        Created(await handler.HandleAsync(caller, input, cancellationToken));

    private static async Task<Results<Ok<PagedResult<MobileIdView>>, ProblemHttpResult>> ListForPerson(Guid id, [FromQuery] MobileIdStatus? status,
        [FromQuery] int? page, [FromQuery] int? pageSize, Caller caller, MobileIdDbContext db, AccessPolicy access, MobileIdRequests requests,
        IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } invalid)
        {
            return invalid.ToResult();
        }

        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person").ToResult();
        }

        return await access.CheckAsync(caller, Workflow.FindPerson, person, cancellationToken) is { } denied
            ? denied.ToResult()
            : TypedResults.Ok(await requests.SearchAsync(caller, new MobileIdQuery(id, status, null, null, p, size), cancellationToken));
    }

    private static async Task<Results<Ok<PagedResult<MobileIdView>>, ProblemHttpResult>> List([FromQuery] MobileIdStatus? status, [FromQuery] string? profile,
        [FromQuery] Guid? personId, [FromQuery] Guid? deviceId, [FromQuery] int? page, [FromQuery] int? pageSize, Caller caller, MobileIdDbContext db,
        MobileIdRequests requests, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } invalid)
        {
            return invalid.ToResult();
        }

        Guid? profileId = null;
        if (profile is not null)
        {
            profileId = await db.CredentialProfiles.AsNoTracking().Where(x => x.Name == profile).Select(x => (Guid?)x.Id).SingleOrDefaultAsync(cancellationToken);
            if (profileId is null)
            {
                return AppError.Validation("profile", $"'{profile}' is not a credential profile; see GET /api/v1/profiles.").ToResult();
            }
        }

        return TypedResults.Ok(await requests.SearchAsync(caller, new MobileIdQuery(personId, status, profileId, deviceId, p, size), cancellationToken));
    }

    private static async Task<Results<Ok<MobileIdView>, ProblemHttpResult>> Get(Guid id, Caller caller, MobileIdRequests requests, CancellationToken cancellationToken) =>
        Answer(await requests.GetAsync(caller, id, cancellationToken));

    private static async Task<Results<Ok<MobileIdView>, ProblemHttpResult>> Validate(Guid id, Caller caller, ValidateRequest handler, CancellationToken cancellationToken) =>
        Answer(await handler.HandleAsync(caller, id, cancellationToken));

    private static async Task<Results<Ok<MobileIdView>, ProblemHttpResult>> Cancel(Guid id, CancelCredentialInput? input, Caller caller,
        CancelCredential handler, CancellationToken cancellationToken) =>
        Answer(await handler.HandleAsync(caller, id, input ?? new CancelCredentialInput(null, null), cancellationToken));

    private static async Task<Results<Ok<MobileIdView>, ProblemHttpResult>> Disable(Guid id, DisableIdInput input, Caller caller,
        DisableMobileId handler, CancellationToken cancellationToken) =>
        Answer(await handler.HandleAsync(caller, id, input, cancellationToken));

    private static async Task<Results<Ok<MobileIdView>, ProblemHttpResult>> Enable(Guid id, EnableIdInput? input, Caller caller,
        EnableMobileId handler, CancellationToken cancellationToken) =>
        Answer(await handler.HandleAsync(caller, id, input ?? new EnableIdInput(null), cancellationToken));

    private static async Task<Results<Created<ReplacementView>, ProblemHttpResult>> Replace(Guid id, ReplacementInput input, Caller caller,
        RequestReplacement handler, CancellationToken cancellationToken)
    {
        var result = await handler.HandleAsync(caller, id, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/mobile-ids/{result.Value.Request.Id}", result.Value) : result.Error.ToResult();
    }

    private static async Task<Results<Ok<UnlockCodeView>, ProblemHttpResult>> RequestUnlockCode(Guid id, UnlockCodeInput input, Caller caller,
        RequestUnlockCode handler, CancellationToken cancellationToken) =>
        (await handler.HandleAsync(caller, id, input, cancellationToken)).ToOkResult();

    private static async Task<Results<Ok<UnlockVerificationView>, ProblemHttpResult>> SendUnlockVerification(Guid id, UnlockVerificationInput input, Caller caller,
        SendUnlockVerification handler, CancellationToken cancellationToken) =>
        (await handler.HandleAsync(caller, id, input, cancellationToken)).ToOkResult();

    private static Results<Ok<MobileIdView>, ProblemHttpResult> Answer(Result<MobileIdView> result) =>
        result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToResult();

    private static Results<Created<MobileIdView>, ProblemHttpResult> Created(Result<MobileIdView> result) =>
        result.IsSuccess ? TypedResults.Created($"/api/v1/mobile-ids/{result.Value.Id}", result.Value) : result.Error.ToResult();
}
