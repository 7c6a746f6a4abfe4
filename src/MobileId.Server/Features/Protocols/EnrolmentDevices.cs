using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Features.Protocols;

/// <summary>The device an enrolment is for: named by the device (iOS OTA) or by the CSR, under the profile's Mobile Device Restrictions.</summary>
public sealed class EnrolmentDevices(MobileIdDbContext db, AuditTrail audit, TimeProvider time)
{
    /// <summary>
    /// Binds a device to an open request before it enrols (iOS OTA: the device's signed attributes),
    /// under the profile's Mobile Device Restrictions; the record is made or updated from what the device says.
    /// </summary>
    public async Task<Result<Data.Device>> BindDeviceAsync(MobileIdentity mobileId, EnrolmentDevice device, EnrolmentProtocol protocol,
        CancellationToken cancellationToken)
    {
        var caller = Caller.System(protocol.ToString().ToUpperInvariant());
        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var profile = await db.CredentialProfiles.AsNoTracking().SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
        var bound = await DeviceAsync(mobileId, person, profile, device, caller, protocol, cancellationToken);
        if (bound.Refusal is { } refusal)
        {
            return new AppError(StatusCodes.Status403Forbidden, ErrorCodes.DeviceNotAllowed, "Device not allowed", refusal.Message!);
        }

        var now = time.GetUtcNow().UtcDateTime;
        mobileId.DeviceId = bound.Record!.Id;
        if (mobileId.Status == MobileIdStatus.ReadyToCollect)
        {
            mobileId.Transition(MobileIdEvent.RedeemCode);
            mobileId.CodeRedeemedAt = now;
        }

        mobileId.UpdatedAt = now;
        mobileId.Version++;
        // Commit: the device record, its binding to the request and the redemption together, before the protocol goes on (OTA then commits its challenge apart).
        await db.SaveChangesAsync(cancellationToken);
        return bound.Record;
    }

    /// <summary>The device named for a mobile ID, made or updated under the profile's Mobile Device Restrictions; or the (audited) refusal.</summary>
    public async Task<(Data.Device? Record, EnrolmentResult? Refusal)> DeviceAsync(MobileIdentity mobileId, Person person, CredentialProfile profile,
        EnrolmentDevice named, Caller caller, EnrolmentProtocol protocol, CancellationToken cancellationToken)
    {
        var record = mobileId.DeviceId is { } boundId
            ? await db.Devices.SingleAsync(d => d.Id == boundId, cancellationToken)
            : await db.Devices.SingleOrDefaultAsync(d => d.SerialNumber == named.SerialNumber, cancellationToken);
        if (mobileId.DeviceId is not null && record!.SerialNumber != named.SerialNumber && named.SerialNumber.Length > 0 && record.Status == DeviceStatus.Active)
        {
            // Note: a device bound by its attributes (iOS OTA) keeps its record; the CSR names it less reliably.
            return (record, null);
        }

        if (MobileDeviceRestrictions.Refusal(profile, record, person, named.SerialNumber) is { } refusal)
        {
            await audit.RecordNowAsync(caller, "device.refused", null, AuditTarget.For(person), AuditOutcome.Denied,
                new { mobileId = mobileId.Id, serial = named.SerialNumber, protocol, reason = refusal }, cancellationToken);
            return (null, EnrolmentResult.Refused(EnrolmentFailure.BadRequest, refusal));
        }

        record = Upsert(record, named);
        record.OwnerId = person.Id;
        audit.Record(caller, "device.enrolled", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, serial = record.SerialNumber, platform = record.Platform, model = record.Model, protocol });
        return (record, null);
    }

    /// <summary>Makes or updates a device record from what the device says about itself.</summary>
    public Data.Device Upsert(Data.Device? record, EnrolmentDevice named)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (record is null)
        {
            record = new Data.Device { Id = Guid.CreateVersion7(), SerialNumber = named.SerialNumber, CreatedAt = now };
            db.Devices.Add(record);
        }

        record.Platform = named.Platform ?? record.Platform;
        record.Model = Trim(named.Model, 100) ?? record.Model;
        record.OsVersion = Trim(named.OsVersion, 64) ?? record.OsVersion;
        record.Status = DeviceStatus.Active;
        record.UpdatedAt = now;
        record.LastSeenAt = now;
        return record;
    }

    /// <summary>The device a CSR names: its subject's serialNumber (2.5.4.5), else its CN, else its key's hash.</summary>
    internal static EnrolmentDevice DeviceFromCsr(CertificateRequest csr)
    {
        string? Attribute(string oid) => csr.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => r.GetSingleElementType().Value == oid).Select(r => r.GetSingleElementValue()).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
        var serial = Attribute("2.5.4.5") ?? Attribute("2.5.4.3") ?? Convert.ToHexString(CertificateService.KeyHashOf(csr.PublicKey))[..16];
        return new EnrolmentDevice(Trim(serial, 100)!);
    }

    /// <summary>The audit target of a device.</summary>
    public static AuditTarget DeviceTarget(Data.Device device) => new("device", device.Id.ToString("D"), device.SerialNumber);

    private static string? Trim(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim().Length > max ? value.Trim()[..max] : value.Trim();
}
