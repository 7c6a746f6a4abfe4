using System.Security.Cryptography;
using MobileId.Pki.Policies;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Device;

/// <summary>
/// The first step of collection (PRODUCT.md §5.4): the device redeems link and code. The server
/// checks the biometric settings, the code, the profile's <b>Mobile Device Restrictions</b> and
/// the device, records the device, and opens a collection session bound to that device.
/// </summary>
public sealed class Enrolment(MobileIdDbContext db, CodeRedemption codes, CardDataModels models, SettingsService settings, AuditTrail audit, TimeProvider time)
{
    public const string BiometricMessage = UnlockChecks.BiometricMessage;

    /// <summary>The refusal when a biometric setting asks for fingerprints this protocol cannot check.</summary>
    internal static AppError BiometricRefusal =>
        new(StatusCodes.Status422UnprocessableEntity, ErrorCodes.NotEligible, "Biometric verification not possible", BiometricMessage);

    /// <summary>The platforms a device may report or be registered with.</summary>
    internal static readonly string[] Platforms = ["ios", "android", "windows", "cli"];

    public async Task<Result<EnrolResponse>> EnrolAsync(string token, EnrolRequest request, CancellationToken cancellationToken)
    {
        var device = request.Device;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(device?.SerialNumber) || device.SerialNumber.Trim().Length > 100)
        {
            errors["device.serialNumber"] = ["The device's serial number is required, at most 100 characters."];
        }

        if (device?.Platform is not { } platform || !Platforms.Contains(platform.ToLowerInvariant()))
        {
            errors["device.platform"] = [$"The platform must be one of {string.Join(", ", Platforms)}."];
        }

        var sessionKey = ReadSessionKey(request.SessionKey, errors);

        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        var operation = await settings.GetAsync(cancellationToken);
        // Note: provisioning follows Verify fingerprints during card update; the unlock setting refuses unlock only (PRODUCT.md §8, "resp.").
        if (operation.VerifyFingerprintsDuringCardUpdate)
        {
            return BiometricRefusal;
        }

        var serial = device!.SerialNumber!.Trim();
        var reported = (device.KeyStores ?? []).Select(k => k.Trim()).Where(k => k.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        CredentialProfile? profile = null;
        var sessionToken = Tokens.NewUrlSafe(32);
        var redeemed = await codes.RedeemAsync(token, request.Code, serial, async (mobileId, person) =>
        {
            profile = await db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
            var record = await db.Devices.SingleOrDefaultAsync(d => d.SerialNumber == serial, cancellationToken);
            if (MobileDeviceRestrictions.Refusal(profile, record, person, serial) is { } refusal)
            {
                await audit.RecordNowAsync(null, "device.refused", null, AuditTarget.For(person), AuditOutcome.Denied,
                    new { mobileId = mobileId.Id, serial, reason = refusal }, cancellationToken);
                return new AppError(StatusCodes.Status403Forbidden, ErrorCodes.DeviceNotAllowed, "Device not allowed", refusal);
            }

            if (mobileId.DeviceId is { } bound && bound != record?.Id)
            {
                return AppError.Conflict("This mobile ID is being collected by another device; cancel that collection or ask for a new request.");
            }

            var now = time.GetUtcNow().UtcDateTime;
            if (record is null)
            {
                record = new Data.Device { Id = Guid.CreateVersion7(), SerialNumber = serial, CreatedAt = now };
                db.Devices.Add(record);
            }

            record.Platform = device.Platform!.ToLowerInvariant();
            record.Model = Trim(device.Model, 100);
            record.OsVersion = Trim(device.OsVersion, 64);
            record.KeyStores = string.Join(',', reported);
            record.OwnerId = person.Id;
            record.Status = DeviceStatus.Active;
            record.UpdatedAt = now;
            record.LastSeenAt = now;
            mobileId.DeviceId = record.Id;
            mobileId.SessionTokenHash = SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(sessionToken));
            mobileId.SessionKey = sessionKey;
            audit.Record(null, "device.enrolled", null, AuditTarget.For(person), AuditOutcome.Success,
                new { mobileId = mobileId.Id, serial, platform = record.Platform, model = record.Model, keyStores = reported });
            return null;
        }, cancellationToken);
        if (!redeemed.IsSuccess)
        {
            return redeemed.Error;
        }

        var holder = await db.People.AsNoTracking().Where(p => p.Id == redeemed.Value!.PersonId).Select(p => p.LogonName).SingleAsync(cancellationToken);
        var policies = await db.CertificatePolicies.AsNoTracking().ToDictionaryAsync(p => p.Id, cancellationToken);
        var slots = SlotsFor(profile!, policies, reported, models);
        return new EnrolResponse(redeemed.Value!.Id, sessionToken, profile!.Name, holder, profile.CardFormat, slots, PolicyOf(operation));
    }

    /// <summary>The device's EC P-256 session key (SubjectPublicKeyInfo, base64) to which keys are encrypted; null, with an error, when it is not one.</summary>
    internal static byte[]? ReadSessionKey(string? text, Dictionary<string, string[]> errors)
    {
        try
        {
            var sessionKey = Convert.FromBase64String(text ?? "");
            using var key = ECDiffieHellman.Create();
            key.ImportSubjectPublicKeyInfo(sessionKey, out _);
            if (key.KeySize == 256)
            {
                return sessionKey;
            }
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            // Note: reported below, as a key of the wrong size is.
        }

        errors["sessionKey"] = ["The session key must be an EC P-256 public key (SubjectPublicKeyInfo, base64)."];
        return null;
    }

    /// <summary>The profile's certificates as slots; a container whose key store the device lacks is skipped, with the reason.</summary>
    internal static List<CertificateSlot> SlotsFor(CredentialProfile profile, IReadOnlyDictionary<Guid, CertificatePolicyRecord> policies,
        IReadOnlyList<string> reported, CardDataModels models)
    {
        var slots = new List<CertificateSlot>();
        var custom = profile.CardFormat == CardFormat.Custom ? models.Current.Find(profile.CardDataModel ?? "") : null;
        foreach (var (entry, index) in profile.Certificates.OrderBy(c => c.Order).Select((c, i) => (c, i)))
        {
            var policy = entry.PolicyId is { } id ? policies.GetValueOrDefault(id) : null;
            // Note: the agent's own store and custom card data models are always there; the system
            // store and the MDM containers only when the device reports them.
            var available = profile.CardFormat is CardFormat.None || custom is not null
                || reported.Contains(entry.Container, StringComparer.OrdinalIgnoreCase);
            var generation = entry.Mode switch
            {
                CertificateMode.UseExisting or CertificateMode.HistoricOnly or CertificateMode.Unmanaged => SlotKeySource.Recovered,
                _ => policy?.KeyGeneration == KeyGeneration.Server ? SlotKeySource.Server : SlotKeySource.Device,
            };
            slots.Add(new CertificateSlot(index, policy?.Name, entry.Container, entry.Mode, policy?.KeyAlgorithm.ToString(), generation,
                available ? null : $"The device has no {entry.Container} key store."));
        }

        return slots;
    }

    internal static AgentPolicy PolicyOf(OperationSettings s) => new(s.LogLevel, s.MaximumLogStorageSpace, s.MaximumNumberOfLogFiles, s.MaximumRetryAttempts,
        s.MinimumRetryDelay, s.AdministratorEmailAddress);

    private static string? Trim(string? value, int max) => string.IsNullOrWhiteSpace(value) ? null : value.Trim()[..Math.Min(value.Trim().Length, max)];
}
