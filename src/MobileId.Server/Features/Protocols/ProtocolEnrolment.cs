using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Protocols;

/// <summary>The enrolment protocols that issue through <see cref="ProtocolEnrolment"/>.</summary>
public enum EnrolmentProtocol
{
    Scep,
    Est,
    Ota,
}

/// <summary>Why an enrolment was refused; each protocol maps it to its own error form (SCEP failInfo, EST HTTP status).</summary>
public enum EnrolmentFailure
{
    /// <summary>SCEP badRequest; EST 400. The request is not acceptable (used challenge, wrong profile, CA retired …).</summary>
    BadRequest,

    /// <summary>SCEP badAlg; EST 400. The key type is not the policy's.</summary>
    BadAlg,

    /// <summary>SCEP badCertId; EST 404. No certificate of ours matches.</summary>
    BadCertId,

    /// <summary>SCEP badTime; EST 400. The certificate to renew has expired.</summary>
    BadTime,

    /// <summary>SCEP badMessageCheck; EST 401. The challenge or certificate does not authenticate the request.</summary>
    Unauthorized,
}

/// <summary>What a device tells about itself (iOS OTA attributes, or what a CSR names).</summary>
public sealed record EnrolmentDevice(string SerialNumber, string? Platform = null, string? Model = null, string? OsVersion = null);

/// <summary>An issued certificate, its CA chain (issuing CA first) and, for server-made keys, the PKCS#8 private key (the caller zeroes it).</summary>
public sealed record Enrolled(IssuedCertificate Certificate, IReadOnlyList<byte[]> Chain, byte[]? PrivateKey = null);

/// <summary>An enrolment's outcome: <see cref="Value"/>, or <see cref="Failure"/> with a message for the client.</summary>
public sealed record EnrolmentResult(Enrolled? Value, EnrolmentFailure Failure = EnrolmentFailure.BadRequest, string? Message = null)
{
    public bool IsSuccess => Value is not null;

    public static EnrolmentResult Refused(EnrolmentFailure failure, string message) => new(null, failure, message);
}

/// <summary>How a challenge enrolment runs.</summary>
/// <param name="User">EST HTTP Basic user name: must be the request's person's logon name.</param>
/// <param name="ServerKey">EST serverkeygen: the server makes the key (of the policy's algorithm); the CSR only names the request.</param>
/// <param name="Device">What the device says about itself; otherwise the device is named by the CSR (subject serialNumber, else CN).</param>
public sealed record EnrolmentOptions(string? User = null, bool ServerKey = false, EnrolmentDevice? Device = null);

/// <summary>
/// Issues certificates for SCEP, EST and iOS OTA (PRODUCT.md §9), as normal MobileId certificates:
/// audited, on the person and the device, revocable and renewable. A first enrolment is
/// authenticated by a one-time code released for a request of a <i>Device Identity (Only)</i>
/// profile with <b>Require Challenge</b> (single use, expiring, issued to that request's person),
/// or by a profile's static challenge; a renewal by a valid certificate of ours.
/// A retried enrolment (same key) gets the certificate already issued: nothing is issued twice.
/// </summary>
public sealed class ProtocolEnrolment(MobileIdDbContext db, ChallengeCodes challenges, ChallengeThrottle throttle, IHttpContextAccessor http,
    CodeRedemption redemption, CertificateIssuance issuance, CertificateService certificates, AuditTrail audit, TimeProvider time)
{
    private static readonly MobileIdStatus[] Open = [MobileIdStatus.ReadyToCollect, MobileIdStatus.Collecting];

    /// <summary>A first enrolment with a challenge (one-time code or static).</summary>
    public async Task<EnrolmentResult> EnrolAsync(EnrolmentProtocol protocol, string? challenge, CertificateRequest csr, EnrolmentOptions options,
        CancellationToken cancellationToken)
    {
        var caller = Caller.System(protocol.ToString().ToUpperInvariant());
        if (string.IsNullOrEmpty(challenge))
        {
            return await RefuseAsync(caller, null, protocol, EnrolmentFailure.Unauthorized,
                "The request has no challenge password; ask the operator for a one-time code.", cancellationToken);
        }

        var address = http.HttpContext?.Connection.RemoteIpAddress;
        if (throttle.BlockedUntil(address) is { } until)
        {
            return await RefuseAsync(caller, null, protocol, EnrolmentFailure.Unauthorized,
                $"Too many wrong challenges from this address; try again after {until.UtcDateTime:u}.", cancellationToken);
        }

        if (await StaticProfileAsync(challenge, cancellationToken) is { } staticProfile)
        {
            return await StaticAsync(caller, protocol, staticProfile, csr, options, cancellationToken);
        }

        var found = await FindAsync(challenge, cancellationToken);
        if (found.Open is null)
        {
            if (found.Used is { } used && !options.ServerKey && await RetriedAsync(used.Id, csr.PublicKey, cancellationToken) is { } retried)
            {
                return retried;
            }

            throttle.Failed(address);
            return await RefuseAsync(caller, null, protocol, found.Used is null ? EnrolmentFailure.Unauthorized : EnrolmentFailure.BadRequest,
                found.Used is null ? "The challenge password is not a valid one-time code." : "This one-time code has been used; ask for a new request.",
                cancellationToken);
        }

        var mobileId = found.Open;
        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (mobileId.CodeExpiresAt <= now)
        {
            await redemption.ExpireAsync(caller, mobileId, person, new { id = mobileId.Id, protocol }, cancellationToken);
            return EnrolmentResult.Refused(EnrolmentFailure.BadRequest, "The one-time code has expired; ask for a new request.");
        }

        if (options.User is { } user && !string.Equals(user, person.LogonName, StringComparison.OrdinalIgnoreCase))
        {
            return await RefuseAsync(caller, person, protocol, EnrolmentFailure.Unauthorized,
                "The user name is not the one the one-time code was issued to.", cancellationToken);
        }

        var profile = await db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
        if (!profile.RequireChallenge || profile.CardEncoding != CardEncoding.DeviceIdentityOnly)
        {
            return await RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                $"The credential profile '{profile.Name}' is not a Device Identity (Only) profile with Require Challenge.", cancellationToken);
        }

        var choice = await SlotAsync(profile, csr.PublicKey, options.ServerKey, cancellationToken);
        if (choice.Policy is null)
        {
            return await RefuseAsync(caller, person, protocol, EnrolmentFailure.BadAlg, choice.Problem!, cancellationToken);
        }

        var device = await DeviceAsync(mobileId, person, profile, options.Device ?? DeviceFromCsr(csr), caller, protocol, cancellationToken);
        if (device.Refusal is { } deviceRefusal)
        {
            return deviceRefusal;
        }

        mobileId.Transition(MobileIdEvent.ProtocolEnrol);
        mobileId.CodeRedeemedAt ??= now;
        mobileId.CodeFailures = 0;
        mobileId.IssuedAt = now;
        mobileId.DeviceId = device.Record!.Id;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(caller, LifecycleActions.Issued, null, AuditTarget.For(person), AuditOutcome.Success,
            new { id = mobileId.Id, profile = profile.Name, protocol, device = device.Record.SerialNumber });
        return await IssueAsync(caller, person, choice.Policy, csr.PublicKey, options.ServerKey,
            new IssueFor(person.Id, choice.Policy.Id, MobileIdentityId: mobileId.Id, Slot: choice.Slot, DeviceId: device.Record.Id), cancellationToken);
    }

    /// <summary>
    /// A renewal (SCEP RenewalReq, EST simplereenroll): authenticated by <paramref name="current"/>, a
    /// certificate of ours that is valid now. The new certificate takes the old one's place (same
    /// person, policy, mobile ID slot and device) and the old one is revoked as superseded.
    /// </summary>
    public async Task<EnrolmentResult> RenewAsync(EnrolmentProtocol protocol, X509Certificate2 current, CertificateRequest csr, bool serverKey,
        CancellationToken cancellationToken)
    {
        var caller = Caller.System(protocol.ToString().ToUpperInvariant());
        var old = await OursAsync(current, cancellationToken);
        if (old is null)
        {
            return await RefuseAsync(caller, null, protocol, EnrolmentFailure.BadCertId,
                "The certificate that signed the renewal was not issued by this server.", cancellationToken);
        }

        var person = old.PersonId is { } personId ? await db.People.AsNoTracking().SingleAsync(p => p.Id == personId, cancellationToken) : null;
        var successor = await db.IssuedCertificates.AsNoTracking().SingleOrDefaultAsync(c => c.RenewsId == old.Id, cancellationToken);
        if (successor is not null)
        {
            return !serverKey && successor.KeyHash is { } hash && hash.AsSpan().SequenceEqual(CertificateService.KeyHashOf(csr.PublicKey))
                ? new EnrolmentResult(new Enrolled(successor, await issuance.ChainAsync(successor.IssuerId, cancellationToken)))
                : await RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                    $"Certificate {old.SerialHex} has already been renewed (by {successor.SerialHex}); renew that one.", cancellationToken);
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (old.Status != CertificateStatus.Valid)
        {
            return await RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                $"Certificate {old.SerialHex} is {old.Status.ToString().ToLowerInvariant()}: it cannot renew itself.", cancellationToken);
        }

        if (old.NotAfter <= now)
        {
            return await RefuseAsync(caller, person, protocol, EnrolmentFailure.BadTime,
                $"Certificate {old.SerialHex} expired at {old.NotAfter:u}; enrol again with a new challenge.", cancellationToken);
        }

        var policy = old.PolicyId is { } policyId ? await db.CertificatePolicies.AsNoTracking().SingleAsync(p => p.Id == policyId, cancellationToken) : null;
        if (policy is null)
        {
            return await RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                $"Certificate {old.SerialHex} was not issued under a certificate policy, so it cannot be renewed here.", cancellationToken);
        }

        if (old.MobileIdentityId is { } mobileIdId
            && await db.MobileIdentities.AsNoTracking().Where(m => m.Id == mobileIdId).Select(m => m.Status).SingleAsync(cancellationToken) is var status
            && status != MobileIdStatus.Issued)
        {
            return await RefuseAsync(caller, person, protocol, EnrolmentFailure.BadRequest,
                $"The mobile ID of certificate {old.SerialHex} is {status}: it cannot be renewed.", cancellationToken);
        }

        if (!serverKey && KeyProblem(csr.PublicKey, policy.KeyAlgorithm) is { } keyProblem)
        {
            return await RefuseAsync(caller, person, protocol, EnrolmentFailure.BadAlg, keyProblem, cancellationToken);
        }

        var target = new IssueFor(old.PersonId, policy.Id, MobileIdentityId: old.MobileIdentityId, RenewsId: old.Id, DeviceId: old.DeviceId);
        var issued = person is null
            ? await IssueFromCsrAsync(caller, policy, X509CertificateLoader.LoadCertificate(old.Der), csr.PublicKey, serverKey, target, cancellationToken)
            : await IssueAsync(caller, person, policy, csr.PublicKey, serverKey, target, cancellationToken);
        if (!issued.IsSuccess)
        {
            return issued;
        }

        var tracked = await db.IssuedCertificates.SingleAsync(c => c.Id == old.Id, cancellationToken);
        var fresh = await db.IssuedCertificates.SingleAsync(c => c.Id == issued.Value!.Certificate.Id, cancellationToken);
        var superseded = await certificates.SupersedeAsync(caller, tracked, fresh, slot => audit.Record(caller, LifecycleActions.Renewed, null,
            person is null ? null : AuditTarget.For(person), AuditOutcome.Success,
            new { protocol, mobileId = old.MobileIdentityId, slot, serial = fresh.SerialHex, renews = old.SerialHex, notAfter = fresh.NotAfter }), cancellationToken);
        return superseded.IsSuccess
            ? issued with { Value = issued.Value! with { Certificate = fresh } }
            : EnrolmentResult.Refused(EnrolmentFailure.BadRequest, superseded.Error!.Detail);
    }

    /// <summary>The newest certificate of ours for this public key (SCEP CertPoll), with its chain; null when there is none.</summary>
    public async Task<Enrolled?> FindByKeyAsync(PublicKey key, CancellationToken cancellationToken)
    {
        var hash = CertificateService.KeyHashOf(key);
        var found = await db.IssuedCertificates.AsNoTracking().Where(c => c.KeyHash == hash).OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        return found is null ? null : new Enrolled(found, await issuance.ChainAsync(found.IssuerId, cancellationToken));
    }

    /// <summary>
    /// The open request (ready to collect or collecting) whose one-time code this is, tracked, or
    /// the request that already used it (<see cref="ChallengeMatch.Used"/>). The code is checked
    /// against its PBKDF2 hash too.
    /// </summary>
    public async Task<ChallengeMatch> FindAsync(string challenge, CancellationToken cancellationToken)
    {
        var code = OneTimeCodes.Normalize(challenge);
        if (code is null)
        {
            return new ChallengeMatch(null, null);
        }

        var lookup = await challenges.LookupAsync(code, cancellationToken);
        var candidates = await db.MobileIdentities.Where(m => m.CodeLookup == lookup).OrderByDescending(m => m.RequestedAt).ToListAsync(cancellationToken);
        var matching = candidates.Where(m => m.CodeHash is not null && OneTimeCodes.Matches(code, m.CodeHash, m.CodeSalt!)).ToList();
        return new ChallengeMatch(matching.FirstOrDefault(m => Open.Contains(m.Status)), matching.FirstOrDefault(m => m.Status == MobileIdStatus.Issued));
    }

    /// <summary>The outcome of <see cref="FindAsync"/>.</summary>
    public sealed record ChallengeMatch(MobileIdentity? Open, MobileIdentity? Used);

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
        await db.SaveChangesAsync(cancellationToken);
        return bound.Record;
    }

    private async Task<CredentialProfile?> StaticProfileAsync(string challenge, CancellationToken cancellationToken)
    {
        var profiles = await db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).Where(p => p.StaticChallengeHash != null).ToListAsync(cancellationToken);
        return profiles.FirstOrDefault(p => StaticChallenges.Matches(challenge, p.StaticChallengeHash!, p.StaticChallengeSalt!));
    }

    /// <summary>A static-challenge enrolment: for no person, subject and SAN from the CSR, the device named by the CSR.</summary>
    private async Task<EnrolmentResult> StaticAsync(Caller caller, EnrolmentProtocol protocol, CredentialProfile profile, CertificateRequest csr,
        EnrolmentOptions options, CancellationToken cancellationToken)
    {
        if (profile.CardEncoding != CardEncoding.DeviceIdentityOnly)
        {
            return await RefuseAsync(caller, null, protocol, EnrolmentFailure.BadRequest,
                $"The credential profile '{profile.Name}' is not a Device Identity (Only) profile.", cancellationToken);
        }

        if (csr.SubjectName.RawData.Length <= 2)
        {
            return await RefuseAsync(caller, null, protocol, EnrolmentFailure.BadRequest,
                "With a static challenge the certificate's subject comes from the request, and this request names none.", cancellationToken);
        }

        var choice = await SlotAsync(profile, csr.PublicKey, options.ServerKey, cancellationToken);
        if (choice.Policy is null)
        {
            return await RefuseAsync(caller, null, protocol, EnrolmentFailure.BadAlg, choice.Problem!, cancellationToken);
        }

        if (!options.ServerKey && await RetriedAsync(null, csr.PublicKey, cancellationToken) is { } retried)
        {
            return retried;
        }

        var named = options.Device ?? DeviceFromCsr(csr);
        var device = await db.Devices.SingleOrDefaultAsync(d => d.SerialNumber == named.SerialNumber, cancellationToken);
        if (device is { Status: DeviceStatus.Cancelled })
        {
            return await RefuseAsync(caller, null, protocol, EnrolmentFailure.BadRequest, $"Device {named.SerialNumber} has been cancelled.", cancellationToken);
        }

        device = Upsert(device, named);
        audit.Record(caller, "device.enrolled", null, DeviceTarget(device), AuditOutcome.Success,
            new { protocol, profile = profile.Name, serial = device.SerialNumber, staticChallenge = true });
        return await IssueFromCsrAsync(caller, choice.Policy, csr, csr.PublicKey, options.ServerKey,
            new IssueFor(null, choice.Policy.Id, DeviceId: device.Id), cancellationToken);
    }

    /// <summary>The certificate already issued for this key on this mobile ID (or, for null, without a person): a retried enrolment.</summary>
    private async Task<EnrolmentResult?> RetriedAsync(Guid? mobileIdId, PublicKey key, CancellationToken cancellationToken)
    {
        var hash = CertificateService.KeyHashOf(key);
        var found = await db.IssuedCertificates.AsNoTracking()
            .Where(c => c.KeyHash == hash && c.MobileIdentityId == mobileIdId && c.Status != CertificateStatus.Revoked)
            .OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        return found is null ? null : new EnrolmentResult(new Enrolled(found, await issuance.ChainAsync(found.IssuerId, cancellationToken)));
    }

    private sealed record SlotChoice(CertificatePolicyRecord? Policy, int Slot, string? Problem);

    /// <summary>The profile's first certificate whose policy takes this key (or, for a server-made key, the first), and its slot.</summary>
    private async Task<SlotChoice> SlotAsync(CredentialProfile profile, PublicKey key, bool serverKey, CancellationToken cancellationToken)
    {
        var ids = profile.Certificates.Where(c => c.PolicyId is not null).Select(c => c.PolicyId!.Value).ToList();
        var policies = await db.CertificatePolicies.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, cancellationToken);
        var entries = profile.Certificates.OrderBy(c => c.Order).Select((c, i) => (Entry: c, Slot: i))
            .Where(e => e.Entry.PolicyId is { } id && policies.ContainsKey(id)).ToList();
        foreach (var (entry, slot) in entries)
        {
            var policy = policies[entry.PolicyId!.Value];
            if (serverKey || KeyProblem(key, policy.KeyAlgorithm) is null)
            {
                return new SlotChoice(policy, slot, null);
            }
        }

        return new SlotChoice(null, 0, entries.Count == 0
            ? $"The credential profile '{profile.Name}' has no certificate policy to issue under."
            : $"The request's key is {Describe(key)}; the credential profile '{profile.Name}' issues for {string.Join(" or ", entries.Select(e => policies[e.Entry.PolicyId!.Value].KeyAlgorithm).Distinct())}.");
    }

    private async Task<(Data.Device? Record, EnrolmentResult? Refusal)> DeviceAsync(MobileIdentity mobileId, Person person, CredentialProfile profile,
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

    private Data.Device Upsert(Data.Device? record, EnrolmentDevice named)
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

    private async Task<EnrolmentResult> IssueAsync(Caller caller, Person person, CertificatePolicyRecord policy, PublicKey requested, bool serverKey,
        IssueFor target, CancellationToken cancellationToken)
    {
        using var made = serverKey ? KeyPackages.Generate(policy.KeyAlgorithm) : null;
        var pkcs8 = made?.ExportPkcs8PrivateKey();
        try
        {
            var key = made is null ? requested : new PublicKey(made);
            var issued = await issuance.IssueForAsync(caller, person, policy, key, target with { ArchivePkcs8 = policy.Archive ? pkcs8 : null }, cancellationToken);
            return issued.IsSuccess
                ? new EnrolmentResult(new Enrolled(issued.Value.Certificate, await issuance.ChainAsync(issued.Value.Certificate.IssuerId, cancellationToken),
                    pkcs8 is null ? null : (byte[])pkcs8.Clone()))
                : Undo(issued.Error!.Detail);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return EnrolmentResult.Refused(EnrolmentFailure.BadRequest, "The request changed while this enrolment ran (the code was used at the same time); try again.");
        }
        finally
        {
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
    }

    /// <summary>Issues for no person: the subject and SAN come from <paramref name="named"/> (a CSR, or the certificate being renewed).</summary>
    private async Task<EnrolmentResult> IssueFromCsrAsync(Caller caller, CertificatePolicyRecord policy, object named, PublicKey requested, bool serverKey,
        IssueFor target, CancellationToken cancellationToken)
    {
        var (subject, extensions) = named switch
        {
            CertificateRequest csr => (csr.SubjectName, (IEnumerable<X509Extension>)csr.CertificateExtensions),
            X509Certificate2 certificate => (certificate.SubjectName, certificate.Extensions.Cast<X509Extension>()),
            _ => throw new ArgumentException("A CSR or a certificate names the subject.", nameof(named)),
        };
        var san = extensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        var definition = PoliciesService.Definition(policy);
        var profile = new LeafProfile(subject, definition.KeyUsage, definition.ExtendedKeyUsages, san is null ? null : new X509Extension(san, critical: false),
            definition.PolicyOids, TimeSpan.FromDays(definition.ValidityDays));
        var ca = await db.CertificateAuthorities.AsNoTracking().Where(c => c.Id == policy.IssuerId).Select(c => c.Name).SingleAsync(cancellationToken);
        using var made = serverKey ? KeyPackages.Generate(policy.KeyAlgorithm) : null;
        var pkcs8 = made?.ExportPkcs8PrivateKey();
        try
        {
            var issued = await certificates.IssueAsync(caller, ca, made is null ? requested : new PublicKey(made),
                profile, target with { ArchivePkcs8 = policy.Archive ? pkcs8 : null }, cancellationToken);
            return issued.IsSuccess
                ? new EnrolmentResult(new Enrolled(issued.Value!, await issuance.ChainAsync(issued.Value!.IssuerId, cancellationToken),
                    pkcs8 is null ? null : (byte[])pkcs8.Clone()))
                : Undo(issued.Error!.Detail);
        }
        finally
        {
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
    }

    /// <summary>Nothing was issued: the request and device changes made for it are dropped, not saved with a later audit record.</summary>
    private EnrolmentResult Undo(string message)
    {
        db.ChangeTracker.Clear();
        return EnrolmentResult.Refused(EnrolmentFailure.BadRequest, message);
    }

    /// <summary>The issued record of a certificate presented to us: same issuer and serial, byte for byte the same; else null.</summary>
    public async Task<IssuedCertificate?> OursAsync(X509Certificate2 presented, CancellationToken cancellationToken)
    {
        var serial = presented.SerialNumber.TrimStart('0');
        var found = await db.IssuedCertificates.AsNoTracking().Where(c => c.SerialHex == presented.SerialNumber || c.SerialHex == serial).ToListAsync(cancellationToken);
        return found.FirstOrDefault(c => c.Der.AsSpan().SequenceEqual(presented.RawData));
    }

    private async Task<EnrolmentResult> RefuseAsync(Caller caller, Person? person, EnrolmentProtocol protocol, EnrolmentFailure failure, string message,
        CancellationToken cancellationToken)
    {
        await audit.RecordNowAsync(caller, "enrolment.refused", null, person is null ? null : AuditTarget.For(person), AuditOutcome.Denied,
            new { protocol, failure, reason = message }, cancellationToken);
        return EnrolmentResult.Refused(failure, message);
    }

    /// <summary>Why a key does not suit a policy's algorithm, or null.</summary>
    internal static string? KeyProblem(PublicKey key, KeyAlgorithm expected)
    {
        var actual = KeyAlgorithms.Of(key);
        return actual == expected ? null : $"The request's key is {Describe(key)}, but the policy asks for {expected}.";
    }

    private static string Describe(PublicKey key) => KeyAlgorithms.Of(key)?.ToString() ?? "of an unsupported type";

    private static AuditTarget DeviceTarget(Data.Device device) => new("device", device.Id.ToString("D"), device.SerialNumber);

    private static string? Trim(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim().Length > max ? value.Trim()[..max] : value.Trim();
}
