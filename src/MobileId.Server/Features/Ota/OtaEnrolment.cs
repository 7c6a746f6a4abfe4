using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MobileId.Pki.Enrolment.Ota;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.People;
using MobileId.Server.Features.Protocols;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Ota;

/// <summary>An OTA answer: a signed profile, or a refusal with its HTTP status and a message for the person.</summary>
public sealed record OtaOutcome(byte[]? Profile, int Status = StatusCodes.Status200OK, string? Message = null)
{
    public static OtaOutcome Refused(int status, string message) => new(null, status, message);
}

/// <summary>
/// Apple's over-the-air enrolment (PRODUCT.md §9, STANDARDS.md §6), driven by the iOS OTA settings.
/// Phase 1: the one-time code of a request of the <b>iOS OTA Credential Profile</b> gets a signed
/// Profile Service payload whose Challenge is a new single-use token. Phase 2: the device's CMS-signed
/// attributes with that token bind the device to the request and get a signed configuration profile
/// whose SCEP payload carries a fresh one-time challenge for <c>/scep</c>. Phase 3: the same attributes
/// signed with the certificate the device got through SCEP get the final profile, encrypted to it.
/// </summary>
public sealed class OtaEnrolment(MobileIdDbContext db, ProtocolEnrolment enrolment, ChallengeCodes challenges, ChallengeThrottle throttle,
    RegistrationAuthorities authorities, CertificateIssuance issuance, SettingsService settings, OtaSigner signer, AuditTrail audit, TimeProvider time)
{
    /// <summary>How long the device has to post its attributes after the person got the profile service.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(30);

    /// <summary>How long the SCEP challenge of the configuration profile stays valid (at most until the request's code expires).</summary>
    public static readonly TimeSpan ScepChallengeLifetime = TimeSpan.FromHours(1);

    /// <summary>Digits of the SCEP challenge: the device types it, not a person, so it is long.</summary>
    public const int ScepChallengeLength = 16;

    public const string PkcsSignatureType = "application/pkcs7-signature";

    /// <summary>
    /// How long after phase 2 the device may fetch its final profile (phase 3): it enrols with the
    /// SCEP challenge, valid at most this long, and posts again right after.
    /// </summary>
    public static readonly TimeSpan FinalProfileWindow = ScepChallengeLifetime;

    private const string UnknownLink = "This enrolment link is unknown, expired or used, or the device's challenge does not match it; start again at /ota.";

    private static readonly Caller Ota = Caller.System("OTA");

    /// <summary>
    /// Phase 1: the person's one-time code → the signed Profile Service payload. Wrong codes count
    /// against <paramref name="address"/> as SCEP and EST challenges do (<see cref="ChallengeThrottle"/>).
    /// </summary>
    public async Task<OtaOutcome> StartAsync(string? code, System.Net.IPAddress? address, CancellationToken cancellationToken)
    {
        var operation = await settings.GetAsync(cancellationToken);
        if (operation.IosOtaCredentialProfile.Length == 0)
        {
            return OtaOutcome.Refused(StatusCodes.Status404NotFound, "iOS over-the-air enrolment is not enabled on this server.");
        }

        if (await authorities.CaAsync(null, cancellationToken) is not { } ca)
        {
            return OtaOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "The server has no active issuing CA; ask the operator.");
        }

        if (throttle.BlockedUntil(address) is { } until)
        {
            return await RefuseAsync(null, StatusCodes.Status429TooManyRequests,
                $"Too many wrong codes from this address; try again after {until.UtcDateTime:u}.", cancellationToken);
        }

        var found = await enrolment.FindAsync(code ?? "", cancellationToken);
        if (found.Open is not { } mobileId)
        {
            throttle.Failed(address);
            return await RefuseAsync(null, StatusCodes.Status403Forbidden, found.Used is null
                ? "This is not a valid one-time code. Check the code in your message and try again."
                : "This one-time code has been used. Ask for a new request.", cancellationToken);
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var profile = await db.CredentialProfiles.AsNoTracking().Where(p => p.Id == mobileId.ProfileId).Select(p => p.Name).SingleAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (profile != operation.IosOtaCredentialProfile)
        {
            return await RefuseAsync(person, StatusCodes.Status403Forbidden,
                $"This code is for the credential profile '{profile}', which is not enrolled over the air. Use the app your message names.", cancellationToken);
        }

        if (mobileId.CodeExpiresAt <= now)
        {
            return await RefuseAsync(person, StatusCodes.Status403Forbidden, "This one-time code has expired. Ask for a new request.", cancellationToken);
        }

        var token = Tokens.NewUrlSafe(32);
        db.OtaTokens.Add(new OtaToken
        {
            Id = Guid.CreateVersion7(), MobileIdentityId = mobileId.Id, TokenHash = Hash(token), ExpiresAt = now + TokenLifetime, CreatedAt = now,
        });
        audit.Record(Ota, "ota.profile-service", null, AuditTarget.For(person), AuditOutcome.Success, new { mobileId = mobileId.Id, profile });
        // Commit: the OTA token and its audit record together, once, before the profile that carries the token is signed.
        await db.SaveChangesAsync(cancellationToken);
        var url = $"{operation.WebServerExternalAddress.TrimEnd('/')}/ota/profile/{token}";
        var plist = OtaProfiles.ProfileService(Texts(operation), url, token);
        return new OtaOutcome(await signer.SignAsync(Plist.Write(plist), ca.Id, cancellationToken));
    }

    /// <summary>Phase 2: the device's signed attributes for <paramref name="token"/> → the signed configuration profile with the SCEP payload.</summary>
    public async Task<OtaOutcome> AnswerAsync(string token, string? contentType, byte[] body, CancellationToken cancellationToken)
    {
        if (!string.Equals(contentType?.Split(';')[0].Trim(), PkcsSignatureType, StringComparison.OrdinalIgnoreCase))
        {
            return await RefuseAsync(null, StatusCodes.Status415UnsupportedMediaType,
                $"The device's attributes must be sent as {PkcsSignatureType} (CMS SignedData), not '{contentType}'.", cancellationToken);
        }

        if (Attributes(body) is not ({ } attributes, { } signedBy))
        {
            return await RefuseAsync(null, StatusCodes.Status400BadRequest,
                "The body is not a CMS SignedData whose signature verifies over an XML property list.", cancellationToken);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var hash = Hash(token);
        var record = await db.OtaTokens.AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        var matches = record is not null && attributes.Text("CHALLENGE") is { } challenge && CryptographicOperations.FixedTimeEquals(Hash(challenge), hash);
        if (matches && record!.UsedAt is { } used && await enrolment.OursAsync(signedBy, cancellationToken) is { } ours)
        {
            return await FinalAsync(record, used, ours, signedBy, now, cancellationToken);
        }

        if (!matches || record!.UsedAt is not null || record.ExpiresAt <= now)
        {
            return await RefuseAsync(null, StatusCodes.Status403Forbidden, UnknownLink, cancellationToken);
        }

        if ((attributes.Text("SERIAL") ?? attributes.Text("UDID")) is not { } serial)
        {
            return await RefuseAsync(null, StatusCodes.Status400BadRequest, "The device's attributes name neither SERIAL nor UDID.", cancellationToken);
        }

        // Note: the token is spent before anything else changes, so two posts of it cannot both enrol.
        if (await db.OtaTokens.Where(t => t.Id == record.Id && t.UsedAt == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), cancellationToken) == 0)
        {
            return await RefuseAsync(null, StatusCodes.Status403Forbidden, "This enrolment link has been used; start again at /ota.", cancellationToken);
        }

        return await ScepProfileAsync(record.MobileIdentityId, attributes, serial, now, cancellationToken);
    }

    /// <summary>Phase 2, once the token is spent: binds the device to the request and answers with the signed SCEP profile and a fresh challenge.</summary>
    private async Task<OtaOutcome> ScepProfileAsync(Guid mobileIdId, PlistDict attributes, string serial, DateTime now, CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.SingleAsync(m => m.Id == mobileIdId, cancellationToken);
        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        if (mobileId.Status is not (MobileIdStatus.ReadyToCollect or MobileIdStatus.Collecting))
        {
            return await RefuseAsync(person, StatusCodes.Status403Forbidden, $"The request is {mobileId.Status}: it can no longer be enrolled.", cancellationToken);
        }

        var device = new EnrolmentDevice(serial, "ios", attributes.Text("PRODUCT"), attributes.Text("VERSION"));
        var bound = await enrolment.BindDeviceAsync(mobileId, device, EnrolmentProtocol.Ota, cancellationToken);
        if (!bound.IsSuccess)
        {
            return OtaOutcome.Refused(bound.Error!.Status, bound.Error.Detail);
        }

        if (await authorities.CaAsync(null, cancellationToken) is not { } ca)
        {
            return OtaOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "The server has no active issuing CA; ask the operator.");
        }

        var operation = await settings.GetAsync(cancellationToken);
        var expires = now + ScepChallengeLifetime;
        var code = await challenges.ReleaseAsync(db, mobileId, ScepChallengeLength, lookup: true,
            mobileId.CodeExpiresAt is { } limit && limit < expires ? limit : expires, cancellationToken);
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(Ota, "ota.scep-profile", null, AuditTarget.For(person), AuditOutcome.Success, new
        {
            mobileId = mobileId.Id, device = serial, udid = attributes.Text("UDID"), product = device.Model, version = device.OsVersion,
        });
        try
        {
            // Commit: the SCEP challenge, the request's new version and the audit record together; the device binding committed before, in BindDeviceAsync.
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return OtaOutcome.Refused(StatusCodes.Status409Conflict, "The request changed while the device enrolled; start again at /ota.");
        }

        var chain = await issuance.ChainAsync(ca.Id, cancellationToken);
        var plist = OtaProfiles.Enrolment(Texts(operation), new ScepPayloadInput($"{operation.WebServerExternalAddress.TrimEnd('/')}/scep", ca.Name,
            ca.CertificateDer, PersonRules.DisplayName(person), code, chain[^1]));
        return new OtaOutcome(await signer.SignAsync(Plist.Write(plist), ca.Id, cancellationToken));
    }

    /// <summary>
    /// Phase 3: the device posts its attributes again, signed with <paramref name="signedBy"/>, the SCEP
    /// certificate it just got (<paramref name="ours"/>). It must be valid, of the token's mobile ID (now
    /// Issued) and of the device bound in phase 2, within <see cref="FinalProfileWindow"/> of phase 2;
    /// the answer is the signed final profile whose payloads (the root CA) are encrypted to it.
    /// </summary>
    private async Task<OtaOutcome> FinalAsync(OtaToken record, DateTime used, IssuedCertificate ours, X509Certificate2 signedBy, DateTime now,
        CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.AsNoTracking().SingleAsync(m => m.Id == record.MobileIdentityId, cancellationToken);
        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var problem = ours.MobileIdentityId != mobileId.Id || ours.DeviceId is null || ours.DeviceId != mobileId.DeviceId
                ? $"Certificate {ours.SerialHex} was not issued through this enrolment link."
            : ours.Status != CertificateStatus.Valid || ours.NotAfter <= now || ours.NotBefore > now
                ? $"Certificate {ours.SerialHex} is {(ours.Status == CertificateStatus.Valid ? "not valid now" : ours.Status.ToString().ToLowerInvariant())}."
            : mobileId.Status != MobileIdStatus.Issued ? $"The request is {mobileId.Status}: it has no final profile."
            : used + FinalProfileWindow <= now ? "This enrolment link's final profile is no longer available; start again at /ota."
            : null;
        if (problem is not null)
        {
            return await RefuseAsync(person, StatusCodes.Status403Forbidden, problem, cancellationToken);
        }

        if (await authorities.CaAsync(null, cancellationToken) is not { } ca)
        {
            return OtaOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "The server has no active issuing CA; ask the operator.");
        }

        var chain = await issuance.ChainAsync(ca.Id, cancellationToken);
        var plist = OtaProfiles.Final(Texts(await settings.GetAsync(cancellationToken)), [OtaProfiles.RootPayload(ca.Name, chain[^1])], signedBy);
        await audit.RecordNowAsync(Ota, "ota.configured", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, serial = ours.SerialHex, device = ours.DeviceId }, cancellationToken);
        return new OtaOutcome(await signer.SignAsync(Plist.Write(plist), ca.Id, cancellationToken));
    }

    /// <summary>The texts of the iOS OTA settings.</summary>
    public static OtaTexts Texts(OperationSettings operation) =>
        new(operation.IosOtaOrganization, operation.IosOtaDisplayName, operation.IosOtaDescription);

    /// <summary>
    /// The device's attributes and the certificate that signed them when <paramref name="body"/> is an
    /// attached CMS SignedData with one signer whose signature verifies over an XML plist dict; else null.
    /// Only the signature is checked: in phase 2 a device signs with its Apple-issued device identity,
    /// whose chain this server has no anchor for; in phase 3 with its SCEP certificate, which must be ours.
    /// </summary>
    internal static (PlistDict Values, X509Certificate2 Signer)? Attributes(byte[] body)
    {
        try
        {
            var cms = new SignedCms();
            cms.Decode(body);
            if (cms.Detached || cms.SignerInfos.Count != 1 || cms.SignerInfos[0].Certificate is not { } signer)
            {
                return null;
            }

            cms.CheckSignature(verifySignatureOnly: true);
            return (Plist.ReadDict(cms.ContentInfo.Content), signer);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private async Task<OtaOutcome> RefuseAsync(Person? person, int status, string message, CancellationToken cancellationToken)
    {
        await audit.RecordNowAsync(Ota, "enrolment.refused", null, person is null ? null : AuditTarget.For(person), AuditOutcome.Denied,
            new { protocol = EnrolmentProtocol.Ota, status, reason = message }, cancellationToken);
        return OtaOutcome.Refused(status, message);
    }
}
