namespace MobileId.Server.Features.Profiles;

/// <summary>
/// A credential profile's <b>Mobile Device Restrictions</b> (PRODUCT.md §5.4): which devices may
/// collect under it. The device protocol and the enrolment protocols (SCEP, EST, iOS OTA) both check them.
/// </summary>
public static class MobileDeviceRestrictions
{
    /// <summary>Why a device may not collect under the profile's Mobile Device Restrictions, or null.</summary>
    public static string? Refusal(CredentialProfile profile, Data.Device? record, Person person, string serial)
    {
        if (record is { Status: DeviceStatus.Cancelled })
        {
            return $"Device {serial} has been cancelled and cannot collect a mobile ID.";
        }

        if (record?.OwnerId is { } owner && owner != person.Id)
        {
            return $"Device {serial} is registered to another person.";
        }

        return profile.DeviceRestriction switch
        {
            DeviceRestriction.KnownMobiles when record is null =>
                $"This credential profile accepts only devices registered beforehand (Known Mobiles), and device {serial} is not registered.",
            DeviceRestriction.MyMobilesOnly when record is null || record.OwnerId != person.Id || record.Status != DeviceStatus.Active =>
                $"This credential profile accepts only devices already associated with you (My Mobiles Only), and device {serial} is not one of them.",
            _ => null,
        };
    }
}
