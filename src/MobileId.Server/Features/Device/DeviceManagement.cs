using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Device;

/// <summary>AddDevice: a device registered beforehand, for Known Mobiles and My Mobiles Only profiles.</summary>
public sealed record AddDeviceInput(string? SerialNumber, string? Platform, string? Model, Guid? OwnerId);

/// <summary>A device as the API shows it (PRODUCT.md §6).</summary>
public sealed record DeviceView(Guid Id, string SerialNumber, string? Platform, string? OsVersion, string? Model, IReadOnlyList<string> KeyStores,
    Guid? OwnerId, DeviceStatus Status, DateTime CreatedAt, DateTime UpdatedAt, DateTime? LastSeenAt);

/// <summary>What CancelDevice did: the device and the mobile IDs it cancelled.</summary>
public sealed record CancelDeviceView(DeviceView Device, IReadOnlyList<Guid> CancelledMobileIds);

/// <summary>
/// The Device Management API (PRODUCT.md §6, §7): <b>AddDevice</b>, <b>CancelDevice</b>, and
/// reading devices. The <b>Devices</b> workflow with scope over the device's owner; a device
/// without an owner is reached only with scope All.
/// </summary>
public sealed class DeviceManagement(MobileIdDbContext db, AccessPolicy access, MobileIdLifecycle lifecycle, CertificateService certificates, AuditTrail audit,
    TimeProvider time)
{
    public async Task<Result<DeviceView>> AddAsync(Caller caller, AddDeviceInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var serial = input.SerialNumber?.Trim();
        if (string.IsNullOrEmpty(serial) || serial.Length > 100)
        {
            errors["serialNumber"] = ["The device's serial number is required, at most 100 characters."];
        }

        var platform = input.Platform?.Trim().ToLowerInvariant();
        if (platform is null || !Enrolment.Platforms.Contains(platform))
        {
            errors["platform"] = [$"The platform must be one of {string.Join(", ", Enrolment.Platforms)}."];
        }

        if (input.Model?.Trim().Length > 100)
        {
            errors["model"] = ["The model must be at most 100 characters long."];
        }

        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        Person? owner = null;
        if (input.OwnerId is { } ownerId)
        {
            owner = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == ownerId, cancellationToken);
            if (owner is null)
            {
                return AppError.Validation("ownerId", "There is no person with that id.");
            }
        }

        if (await CheckAsync(caller, owner, cancellationToken) is { } denied)
        {
            return denied;
        }

        if (await db.Devices.AnyAsync(d => d.SerialNumber == serial, cancellationToken))
        {
            return AppError.Conflict($"A device with serial number {serial} is already registered.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var device = new Data.Device
        {
            Id = Guid.CreateVersion7(), SerialNumber = serial!, Platform = platform, Model = string.IsNullOrWhiteSpace(input.Model) ? null : input.Model.Trim(),
            OwnerId = owner?.Id, Status = DeviceStatus.Registered, CreatedAt = now, UpdatedAt = now,
        };
        db.Devices.Add(device);
        audit.Record(caller, LifecycleActions.DeviceAdded, Workflow.Devices, Target(device, owner), AuditOutcome.Success,
            new { id = device.Id, serial = device.SerialNumber, platform, model = device.Model, owner = owner?.LogonName });
        // Commit: the device and its audit record together.
        await db.SaveChangesAsync(cancellationToken);
        return View(device);
    }

    /// <summary>The devices whose owners the caller reaches (ownerless ones with scope All), newest first.</summary>
    public async Task<PagedResult<DeviceView>> ListAsync(Caller caller, Guid? ownerId, DeviceStatus? status, string? serial, int page, int pageSize,
        CancellationToken cancellationToken)
    {
        var coverage = await access.CoverageAsync(caller, Workflow.Devices, cancellationToken);
        var query = db.Devices.AsNoTracking();
        if (!coverage.Everyone)
        {
            var owners = access.Filter(db.People.AsNoTracking(), coverage).Select(p => (Guid?)p.Id);
            query = query.Where(d => owners.Contains(d.OwnerId));
        }

        if (ownerId is { } owner)
        {
            query = query.Where(d => d.OwnerId == owner);
        }

        if (status is { } wanted)
        {
            query = query.Where(d => d.Status == wanted);
        }

        if (!string.IsNullOrWhiteSpace(serial))
        {
            var text = serial.Trim();
            query = query.Where(d => d.SerialNumber.Contains(text));
        }

        return await PageAsync(query, page, pageSize, cancellationToken);
    }

    /// <summary>
    /// A person's devices for the person view: needs Find Person over the person, as their mobile IDs
    /// and certificates do; everyone sees their own (self-service).
    /// </summary>
    public async Task<Result<PagedResult<DeviceView>>> ListForPersonAsync(Caller caller, Guid personId, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (caller.PersonId != personId && await access.CheckPersonAsync(caller, Workflow.FindPerson, personId, cancellationToken) is { } denied)
        {
            return denied;
        }

        var query = db.Devices.AsNoTracking().Where(d => d.OwnerId == personId);
        return await PageAsync(query, page, pageSize, cancellationToken);
    }

    /// <summary>One page of devices, newest first, with the total.</summary>
    private static async Task<PagedResult<DeviceView>> PageAsync(IQueryable<Data.Device> query, int page, int pageSize, CancellationToken cancellationToken)
    {
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(d => d.CreatedAt).ThenBy(d => d.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return new PagedResult<DeviceView>(items.Select(View).ToList(), page, pageSize, total);
    }

    public async Task<Result<DeviceView>> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var found = await FindAsync(caller, id, cancellationToken);
        return found.IsSuccess ? View(found.Value.Device) : found.Error;
    }

    /// <summary>
    /// The certificates of a device, newest first: those enrolled for it (SCEP, EST, iOS OTA) and
    /// those of the mobile IDs collected on it.
    /// </summary>
    public async Task<Result<PagedResult<CertificateView>>> CertificatesAsync(Caller caller, Guid id, int page, int pageSize, CancellationToken cancellationToken)
    {
        var found = await FindAsync(caller, id, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var mobileIds = db.MobileIdentities.Where(m => m.DeviceId == id).Select(m => (Guid?)m.Id);
        var list = db.IssuedCertificates.AsNoTracking().Where(c => c.DeviceId == id || mobileIds.Contains(c.MobileIdentityId));
        var total = await list.CountAsync(cancellationToken);
        var rows = await list.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        var cas = await db.CertificateAuthorities.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        return new PagedResult<CertificateView>(rows.Select(c => CertificateIssuance.View(c, cas.GetValueOrDefault(c.IssuerId) ?? "")).ToList(), page, pageSize, total);
    }

    /// <summary>CancelDevice: every live mobile ID on the device is cancelled as Cancel Credential does, and the device is Cancelled.</summary>
    public async Task<Result<CancelDeviceView>> CancelAsync(Caller caller, Guid id, CancelCredentialInput input, CancellationToken cancellationToken)
    {
        if (MobileIdLifecycle.ReadCancel(input, out var reason, out var reasonName) is { } invalid)
        {
            return invalid;
        }

        var found = await FindAsync(caller, id, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var (device, owner) = found.Value;
        if (device.Status == DeviceStatus.Cancelled)
        {
            return AppError.Conflict($"Device {device.SerialNumber} is already cancelled.");
        }

        var cancelled = new List<Guid>();
        foreach (var mobileId in await db.MobileIdentities.Where(m => m.DeviceId == device.Id && MobileIdLifecycle.Live.Contains(m.Status)).ToListAsync(cancellationToken))
        {
            var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
            var result = await lifecycle.CancelCoreAsync(caller, mobileId, person, reason, "device cancelled", input.Details, Workflow.Devices, cancellationToken);
            if (!result.IsSuccess)
            {
                return result.Error;
            }

            cancelled.Add(mobileId.Id);
        }

        // Note: certificates enrolled for the device outside a mobile ID (a static SCEP/EST challenge) go with it.
        foreach (var own in await db.IssuedCertificates.AsNoTracking().Where(c => c.DeviceId == device.Id && c.MobileIdentityId == null
                     && c.Status != CertificateStatus.Revoked).Select(c => c.Id).ToListAsync(cancellationToken))
        {
            var revoked = await certificates.RevokeAsync(caller, own, reason, cancellationToken);
            if (!revoked.IsSuccess)
            {
                return revoked.Error;
            }
        }

        device.Status = DeviceStatus.Cancelled;
        device.UpdatedAt = time.GetUtcNow().UtcDateTime;
        audit.Record(caller, LifecycleActions.DeviceCancelled, Workflow.Devices, Target(device, owner), AuditOutcome.Success,
            new { id = device.Id, serial = device.SerialNumber, reason = reasonName, details = input.Details, mobileIds = cancelled });
        // Commit: the device's status and its audit record, after each of its mobile IDs and certificates was cancelled or revoked (each committed on its own, so a cancel cut short can be repeated).
        await db.SaveChangesAsync(cancellationToken);
        return new CancelDeviceView(View(device), cancelled);
    }

    private async Task<Result<(Data.Device Device, Person? Owner)>> FindAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var device = await db.Devices.SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (device is null)
        {
            return AppError.NotFound("That device");
        }

        var owner = device.OwnerId is { } ownerId ? await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == ownerId, cancellationToken) : null;
        return await CheckAsync(caller, owner, cancellationToken) is { } denied ? denied : (device, owner);
    }

    /// <summary>The Devices workflow with scope over the owner; a device without one needs scope All.</summary>
    private async Task<AppError?> CheckAsync(Caller caller, Person? owner, CancellationToken cancellationToken)
    {
        if (owner is not null)
        {
            return await access.CheckAsync(caller, Workflow.Devices, owner, cancellationToken);
        }

        return (await access.CoverageAsync(caller, Workflow.Devices, cancellationToken)).Everyone
            ? null
            : AppError.Forbidden(ErrorCodes.OutOfScope, $"A device without an owner is reached only by a role that grants '{Workflow.Devices.DisplayName()}' with scope All.");
    }

    private static AuditTarget Target(Data.Device device, Person? owner) =>
        owner is null ? new AuditTarget("device", device.Id.ToString("D"), device.SerialNumber) : AuditTarget.For(owner);

    private static DeviceView View(Data.Device d) => new(d.Id, d.SerialNumber, d.Platform, d.OsVersion, d.Model,
        d.KeyStores.Split(',', StringSplitOptions.RemoveEmptyEntries), d.OwnerId, d.Status, d.CreatedAt, d.UpdatedAt, d.LastSeenAt);
}

/// <summary>The endpoints of the Device Management API.</summary>
public static class DevicesApi
{
    public static IServiceCollection AddDeviceManagement(this IServiceCollection services) => services.AddScoped<DeviceManagement>();

    public static IEndpointRouteBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/devices", Add).WithTags("Devices").WithName("AddDevice")
            .WithSummary("AddDevice: registers a device beforehand (serial number, platform, model, owner), for Known Mobiles and My Mobiles Only profiles.")
            .RequiresWorkflow(Workflow.Devices);
        app.MapGet("/api/v1/devices", List).WithTags("Devices").WithName("ListDevices")
            .WithSummary("The devices whose owners are in scope, newest first; filter by owner, status and serial number.")
            .RequiresWorkflow(Workflow.Devices);
        app.MapGet("/api/v1/devices/{id:guid}", Get).WithTags("Devices").WithName("GetDevice").RequiresWorkflow(Workflow.Devices);
        app.MapGet("/api/v1/devices/{id:guid}/certificates", Certificates).WithTags("Devices").WithName("ListDeviceCertificates")
            .WithSummary("The certificates of the device, newest first, paged: enrolled for it (SCEP, EST, iOS OTA) or collected on it with a mobile ID.")
            .RequiresWorkflow(Workflow.Devices);
        app.MapPost("/api/v1/devices/{id:guid}/cancel", Cancel).WithTags("Devices").WithName("CancelDevice")
            .WithSummary("CancelDevice: cancels every live mobile ID on the device (certificates revoked) and marks the device Cancelled.")
            .RequiresWorkflow(Workflow.Devices);
        return app;
    }

    private static async Task<Results<Created<DeviceView>, ProblemHttpResult>> Add(AddDeviceInput input, Caller caller, DeviceManagement devices,
        CancellationToken cancellationToken)
    {
        var result = await devices.AddAsync(caller, input, cancellationToken);
        return result.IsSuccess ? TypedResults.Created($"/api/v1/devices/{result.Value!.Id}", result.Value) : result.Error!.ToResult();
    }

    private static async Task<Results<Ok<PagedResult<DeviceView>>, ProblemHttpResult>> List(Caller caller, DeviceManagement devices, IOptions<ApiOptions> options,
        [FromQuery] Guid? ownerId, [FromQuery] DeviceStatus? status, [FromQuery] string? serialNumber, [FromQuery] int? page, [FromQuery] int? pageSize,
        CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } error)
        {
            return error.ToResult();
        }

        if (serialNumber?.Length > 100)
        {
            return AppError.Validation("serialNumber", "The serial number filter must be at most 100 characters long.").ToResult();
        }

        return TypedResults.Ok(await devices.ListAsync(caller, ownerId, status, serialNumber, p, size, cancellationToken));
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> Get(Guid id, Caller caller, DeviceManagement devices, CancellationToken cancellationToken)
    {
        var result = await devices.GetAsync(caller, id, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error!.ToResult();
    }

    private static async Task<Results<Ok<PagedResult<CertificateView>>, ProblemHttpResult>> Certificates(Guid id, [FromQuery] int? page, [FromQuery] int? pageSize,
        Caller caller, DeviceManagement devices, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options, out var p, out var size) is { } invalid)
        {
            return invalid.ToResult();
        }

        var result = await devices.CertificatesAsync(caller, id, p, size, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error!.ToResult();
    }

    private static async Task<Results<Ok<CancelDeviceView>, ProblemHttpResult>> Cancel(Guid id, CancelCredentialInput? input, Caller caller,
        DeviceManagement devices, CancellationToken cancellationToken)
    {
        var result = await devices.CancelAsync(caller, id, input ?? new CancelCredentialInput(null, null), cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error!.ToResult();
    }
}
