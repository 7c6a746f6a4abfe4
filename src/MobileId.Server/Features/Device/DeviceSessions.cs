using System.Security.Cryptography;

namespace MobileId.Server.Features.Device;

/// <summary>The device's collection session: every step after enrol (collect, confirm, cancel, update) is authenticated by its session token.</summary>
public sealed class DeviceSessions(MobileIdDbContext db)
{
    /// <summary>The states collection works in.</summary>
    public static readonly MobileIdStatus[] Collecting = [MobileIdStatus.Collecting];

    /// <summary>
    /// The mobile ID, its holder and its device for a session token, when the token is its own and
    /// the mobile ID is in one of <paramref name="states"/>: collection works while Collecting,
    /// updates once it is Issued (and then Disabled or Cancelled: the device learns of both).
    /// </summary>
    public async Task<Result<(MobileIdentity MobileId, Person Person, Data.Device Device)>> SessionAsync(Guid id, string? token, MobileIdStatus[] states,
        CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.SingleOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (mobileId is null || !TokenMatches(mobileId, token))
        {
            return new AppError(StatusCodes.Status401Unauthorized, ErrorCodes.SessionInvalid, "Session not valid",
                "The collection session token is missing or not valid for this mobile ID; enrol again with the link and code.");
        }

        if (!states.Contains(mobileId.Status))
        {
            return AppError.Conflict(states == Collecting
                ? $"This mobile ID is {mobileId.Status}, not being collected."
                : $"This mobile ID is {mobileId.Status}: finish its collection before asking for updates.");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var device = await db.Devices.AsNoTracking().SingleAsync(d => d.Id == mobileId.DeviceId, cancellationToken);
        return (mobileId, person, device);
    }

    /// <summary>Whether <paramref name="token"/> is the mobile ID's session token.</summary>
    public static bool TokenMatches(MobileIdentity mobileId, string? token) =>
        token is { Length: > 0 } && mobileId.SessionTokenHash is { } hash
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token)), hash);
}
