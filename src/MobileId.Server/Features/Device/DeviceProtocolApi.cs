using System.Globalization;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Device.Cancel;
using MobileId.Server.Features.Device.Collect;
using MobileId.Server.Features.Device.Confirm;
using MobileId.Server.Features.Device.Unlock;
using MobileId.Server.Features.Device.Update;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Device;

/// <summary>
/// The device protocol under <c>/device/v1</c> (docs/protocol.md): JSON over HTTPS, for the agent
/// and phone apps. No console or API authentication: a device proves itself with the link and
/// one-time code, then with its session token; for an unlock, with its unlock token.
/// </summary>
public static class DeviceProtocolApi
{
    public static IServiceCollection AddMobileIdDeviceProtocol(this IServiceCollection services)
    {
        services.AddSingleton<DeviceSessionGate>();
        services.AddScoped<Enrolment>();
        services.AddScoped<PackageBuilder>();
        services.AddScoped<SlotIssuer>();
        services.AddScoped<CollectPackage>();
        services.AddScoped<CollectUpdates>();
        services.AddScoped<ConfirmUpdate>();
        services.AddScoped<DeviceSessions>();
        services.AddScoped<ConfirmCollection>();
        services.AddScoped<CancelCollection>();
        services.AddScoped<DeviceUnlock>();
        services.AddSingleton<ContentSigner>();
        return services;
    }

    public static IEndpointRouteBuilder MapDeviceProtocol(this IEndpointRouteBuilder app)
    {
        var device = app.MapGroup("/device/v1").WithTags("Device protocol").AddEndpointFilter<DeviceSessionFilter>();
        device.MapPost("/enrol/{token}", EnrolAsync).WithName("DeviceEnrol")
            .WithSummary("The device redeems a provisioning link with its one-time code and opens a collection session.");
        device.MapPost("/collect/{id:guid}", CollectAsync).WithName("DeviceCollect")
            .WithSummary("With the session token: CSRs for the device-made keys in, the signed package out. Retrying returns the same certificates.");
        device.MapPost("/confirm/{id:guid}", ConfirmAsync).WithName("DeviceConfirm")
            .WithSummary("With the session token: the device installed the package; the mobile ID is Issued.");
        device.MapPost("/unlock/{id:guid}", UnlockAsync).WithName("DeviceUnlock")
            .WithSummary("With the unlock token: start (or resume) an unlock; the answer is the challenge the person reads to the helpdesk.");
        device.MapPost("/unlock/{id:guid}/complete", CompleteUnlockAsync).WithName("DeviceCompleteUnlock")
            .WithSummary("With the unlock token: redeem the helpdesk's unlock code for the store's unlock key, encrypted to the unlock request's key.");
        device.MapPost("/update/{id:guid}", UpdateAsync).WithName("DeviceUpdate")
            .WithSummary("Collect My Updates, with the session token: renewals, added and removed certificates, policy, badge and status in one signed package.");
        device.MapPost("/update/{id:guid}/confirm", ConfirmUpdateAsync).WithName("DeviceConfirmUpdate")
            .WithSummary("With the session token: the device installed the update; renewed certificates replace their predecessors, which are revoked as superseded.");
        device.MapPost("/cancel/{id:guid}", CancelAsync).WithName("DeviceCancelCollection")
            .WithSummary("With the session token: give up an interrupted collection; what it issued is revoked and the request can be collected again.");
        return app;
    }

    private static async Task<IResult> CollectAsync(Guid id, CollectRequest request, HttpContext context, CollectPackage collect, CancellationToken cancellationToken) =>
        Answer(await collect.HandleAsync(id, SessionToken(context), request, cancellationToken));

    private static async Task<IResult> ConfirmAsync(Guid id, ConfirmRequest? request, HttpContext context, ConfirmCollection collection, CancellationToken cancellationToken) =>
        Answer(await collection.ConfirmAsync(id, SessionToken(context), request, cancellationToken));

    private static async Task<IResult> UnlockAsync(Guid id, UnlockStartRequest request, HttpContext context, DeviceUnlock unlocks, CancellationToken cancellationToken) =>
        Answer(await unlocks.StartAsync(id, BearerToken(context, "Unlock"), request, cancellationToken));

    private static async Task<IResult> CompleteUnlockAsync(Guid id, UnlockCompleteRequest request, HttpContext context, DeviceUnlock unlocks,
        CancellationToken cancellationToken) =>
        Answer(await unlocks.CompleteAsync(id, BearerToken(context, "Unlock"), request, cancellationToken));

    private static async Task<IResult> UpdateAsync(Guid id, UpdateRequest request, HttpContext context, CollectUpdates updates, CancellationToken cancellationToken) =>
        Answer(await updates.HandleAsync(id, SessionToken(context), request, cancellationToken));

    private static async Task<IResult> ConfirmUpdateAsync(Guid id, UpdateConfirmRequest request, HttpContext context, ConfirmUpdate confirm,
        CancellationToken cancellationToken) =>
        Answer(await confirm.HandleAsync(id, SessionToken(context), request, cancellationToken));

    private static async Task<IResult> CancelAsync(Guid id, HttpContext context, CancelCollection collection, CancellationToken cancellationToken) =>
        Answer(await collection.CancelAsync(id, SessionToken(context), cancellationToken));

    /// <summary>200 with the value, or the problem details of the refusal.</summary>
    private static IResult Answer<T>(Result<T> result) => result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error!.ToResult();

    private static string? SessionToken(HttpContext context) => BearerToken(context, "Session");

    /// <summary>The token of <c>Authorization: {scheme} {token}</c>, or null.</summary>
    private static string? BearerToken(HttpContext context, string scheme) =>
        context.Request.Headers.Authorization.ToString() is { } header && header.StartsWith(scheme + " ", StringComparison.OrdinalIgnoreCase)
            ? header[(scheme.Length + 1)..].Trim()
            : null;

    private static async Task<IResult> EnrolAsync(string token, EnrolRequest request, Enrolment enrolment, CancellationToken cancellationToken) =>
        Answer(await enrolment.EnrolAsync(token, request, cancellationToken));
}

/// <summary>
/// <b>Maximum session count</b> (PRODUCT.md §8) for this node: -1 no limit, 0 no mobile issuance or
/// update, N concurrent device requests. Beyond it, device endpoints alone answer 503 with
/// Retry-After (the <b>Minimum retry delay</b>), and the event is logged and audited.
/// </summary>
public sealed class DeviceSessionGate
{
    private int _active;

    public int Active => Volatile.Read(ref _active);

    public bool TryEnter(int limit)
    {
        if (limit == 0)
        {
            return false;
        }

        var now = Interlocked.Increment(ref _active);
        if (limit > 0 && now > limit)
        {
            Interlocked.Decrement(ref _active);
            return false;
        }

        return true;
    }

    public void Leave() => Interlocked.Decrement(ref _active);
}

internal sealed partial class DeviceSessionFilter(DeviceSessionGate gate, SettingsService settings, AuditTrail audit, ILogger<DeviceSessionFilter> logger)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var operation = await settings.GetAsync(context.HttpContext.RequestAborted);
        var limit = operation.MaximumSessionCount;
        if (!gate.TryEnter(limit))
        {
            var delay = Math.Max(1, operation.MinimumRetryDelay);
            LogRefused(logger, limit, gate.Active);
            await audit.RecordNowAsync(null, "device.session-limit", null, null, AuditOutcome.Denied,
                new { path = context.HttpContext.Request.Path.Value, limit }, CancellationToken.None);
            context.HttpContext.Response.Headers.RetryAfter = delay.ToString(CultureInfo.InvariantCulture);
            var detail = limit == 0
                ? "Mobile issuance and updates are switched off (Maximum session count is 0). Try again later."
                : $"The server is serving its maximum of {limit} device sessions. Try again in {delay} seconds.";
            return new AppError(StatusCodes.Status503ServiceUnavailable, ErrorCodes.SessionLimit, "Too many device sessions", detail).ToResult();
        }

        try
        {
            return await next(context);
        }
        finally
        {
            gate.Leave();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device request refused: Maximum session count {Limit} reached ({Active} active)")]
    private static partial void LogRefused(ILogger logger, int limit, int active);
}
