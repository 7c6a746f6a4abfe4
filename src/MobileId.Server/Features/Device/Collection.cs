using System.Security.Cryptography;
using System.Text.Json;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Device;

public sealed record SlotRequest(int Slot, string? Csr);

public sealed record CollectRequest(List<SlotRequest>? CertificateRequests);

/// <summary>A certificate in a package: DER, base64.</summary>
public sealed record PackageCertificate(int Slot, string Container, CertificateMode Mode, string SerialNumber, string Certificate);

public sealed record PackageSlotNote(int Slot, string Reason);

/// <summary>What a device collects (PRODUCT.md §5.4); its JSON bytes are what the content signing key signs.</summary>
public sealed record PackageContent(Guid MobileId, string Holder, string Profile, DateTime CreatedAt, IReadOnlyList<PackageCertificate> Certificates,
    IReadOnlyList<PackageSlotNote> Skipped, IReadOnlyList<PackageSlotNote> Pending, IReadOnlyList<string> Chain, AgentPolicy Policy);

/// <summary>The signed package: <see cref="Package"/> is the base64 of the JSON bytes, signed with ECDSA-SHA256 by the first certificate of <see cref="Signer"/>.</summary>
public sealed record SignedPackage(string Package, string Signature, string SignatureAlgorithm, IReadOnlyList<string> Signer);

public sealed record ConfirmResponse(Guid MobileId, MobileIdStatus Status, DateTime? IssuedAt);

/// <summary>
/// The collection steps after enrol: the device sends a CSR for each slot whose key it makes and
/// receives the signed package; then it confirms installation and the mobile ID is <i>Issued</i>.
/// Every call is authenticated by the session token. A retried collection returns the
/// certificates already issued for the same slots: nothing is issued twice.
/// </summary>
public sealed class Collection(MobileIdDbContext db, CertificateIssuance issuance, ContentSigner signer, CardDataModels models, SettingsService settings,
    AuditTrail audit, TimeProvider time)
{
    private static readonly JsonSerializerOptions PackageJson = new(JsonSerializerDefaults.Web);

    public async Task<Result<SignedPackage>> CollectAsync(Guid mobileIdId, string? sessionToken, CollectRequest request, CancellationToken cancellationToken)
    {
        var session = await SessionAsync(mobileIdId, sessionToken, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error!;
        }

        var (mobileId, person, device) = session.Value;
        var profile = await db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
        var policies = await db.CertificatePolicies.AsNoTracking().ToDictionaryAsync(p => p.Id, cancellationToken);
        var slots = Enrolment.SlotsFor(profile, policies, device.KeyStores.Split(',', StringSplitOptions.RemoveEmptyEntries), models);
        var requests = request.CertificateRequests ?? [];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var unknown in requests.Where(r => slots.All(s => s.Slot != r.Slot || s.KeyGeneration != "device" || s.Skipped is not null)))
        {
            errors[$"certificateRequests[{requests.IndexOf(unknown)}].slot"] = [$"Slot {unknown.Slot} takes no certificate request from the device."];
        }

        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        var issued = await db.IssuedCertificates.AsNoTracking().Where(c => c.MobileIdentityId == mobileId.Id).ToDictionaryAsync(c => c.Slot ?? -1, cancellationToken);
        var caller = Caller.System($"device {device.SerialNumber}");
        var certificates = new List<PackageCertificate>();
        var pending = new List<PackageSlotNote>();
        foreach (var slot in slots.Where(s => s.Skipped is null))
        {
            var entry = profile.Certificates.OrderBy(c => c.Order).ElementAt(slot.Slot);
            if (slot.KeyGeneration != "device")
            {
                // Note: server-made and recovered keys travel encrypted to the session key; that step is not built yet.
                pending.Add(new PackageSlotNote(slot.Slot, "Server-made and recovered keys are not delivered by this server version yet."));
                continue;
            }

            if (!issued.TryGetValue(slot.Slot, out var certificate))
            {
                var policy = policies[entry.PolicyId!.Value];
                var csr = requests.FirstOrDefault(r => r.Slot == slot.Slot)?.Csr;
                var key = CertificateIssuance.ReadCsr(csr, policy.KeyAlgorithm, out var error);
                if (key is null)
                {
                    return AppError.Validation($"certificateRequests[slot {slot.Slot}].csr", error!);
                }

                var made = await issuance.IssueForAsync(caller, person, policy, key, new IssueFor(person.Id, policy.Id, null, mobileId.Id, slot.Slot), cancellationToken);
                if (!made.IsSuccess)
                {
                    return made.Error!;
                }

                certificate = made.Value.Certificate;
            }

            certificates.Add(new PackageCertificate(slot.Slot, slot.Container, slot.Mode, certificate.SerialHex, Convert.ToBase64String(certificate.Der)));
        }

        var issuer = profile.Certificates.Select(c => c.PolicyId).OfType<Guid>().Select(id => policies[id].IssuerId).FirstOrDefault();
        if (issuer == Guid.Empty)
        {
            issuer = await db.CertificateAuthorities.AsNoTracking().Where(c => c.Kind == CaKind.Issuing && c.Status == CaStatus.Active)
                .OrderBy(c => c.CreatedAt).Select(c => c.Id).FirstAsync(cancellationToken);
        }

        var signing = await signer.ForAsync(issuer, cancellationToken);
        var content = new PackageContent(mobileId.Id, person.LogonName, profile.Name, time.GetUtcNow().UtcDateTime, certificates,
            slots.Where(s => s.Skipped is not null).Select(s => new PackageSlotNote(s.Slot, s.Skipped!)).ToList(), pending,
            signing.Chain.Skip(1).Select(Convert.ToBase64String).ToList(), Enrolment.PolicyOf(await settings.GetAsync(cancellationToken)));
        var bytes = JsonSerializer.SerializeToUtf8Bytes(content, PackageJson);
        var signature = signing.Key.SignData(bytes, HashAlgorithmName.SHA256);
        audit.Record(caller, "mobile-id.collected", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, certificates = certificates.Select(c => c.SerialNumber), skipped = content.Skipped.Count, pending = pending.Count });
        await db.SaveChangesAsync(cancellationToken);
        return new SignedPackage(Convert.ToBase64String(bytes), Convert.ToBase64String(signature), "ecdsa-with-SHA256",
            signing.Chain.Select(Convert.ToBase64String).ToList());
    }

    /// <summary>The device installed the package: the mobile ID is Issued. Confirming again changes nothing.</summary>
    public async Task<Result<ConfirmResponse>> ConfirmAsync(Guid mobileIdId, string? sessionToken, CancellationToken cancellationToken)
    {
        var existing = await db.MobileIdentities.AsNoTracking().SingleOrDefaultAsync(m => m.Id == mobileIdId, cancellationToken);
        if (existing is { Status: MobileIdStatus.Issued } && TokenMatches(existing, sessionToken))
        {
            return new ConfirmResponse(existing.Id, existing.Status, existing.IssuedAt);
        }

        var session = await SessionAsync(mobileIdId, sessionToken, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error!;
        }

        var (mobileId, person, device) = session.Value;
        if (!await db.IssuedCertificates.AnyAsync(c => c.MobileIdentityId == mobileId.Id, cancellationToken)
            && await db.ProfileCertificates.AnyAsync(c => c.ProfileId == mobileId.ProfileId, cancellationToken))
        {
            return AppError.Conflict("Collect the package before confirming: no certificate of this mobile ID has been issued yet.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        mobileId.Status = MobileIdStatus.Issued;
        mobileId.IssuedAt = now;
        mobileId.UpdatedAt = now;
        mobileId.Version++;
        audit.Record(Caller.System($"device {device.SerialNumber}"), "mobile-id.issued", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, device = device.SerialNumber });
        await db.SaveChangesAsync(cancellationToken);
        return new ConfirmResponse(mobileId.Id, mobileId.Status, mobileId.IssuedAt);
    }

    private async Task<Result<(MobileIdentity MobileId, Person Person, Data.Device Device)>> SessionAsync(Guid id, string? token, CancellationToken cancellationToken)
    {
        var mobileId = await db.MobileIdentities.SingleOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (mobileId is null || !TokenMatches(mobileId, token))
        {
            return new AppError(StatusCodes.Status401Unauthorized, ErrorCodes.SessionInvalid, "Session not valid",
                "The collection session token is missing or not valid for this mobile ID; enrol again with the link and code.");
        }

        if (mobileId.Status != MobileIdStatus.Collecting)
        {
            return AppError.Conflict($"This mobile ID is {mobileId.Status}, not being collected.");
        }

        var person = await db.People.AsNoTracking().SingleAsync(p => p.Id == mobileId.PersonId, cancellationToken);
        var device = await db.Devices.AsNoTracking().SingleAsync(d => d.Id == mobileId.DeviceId, cancellationToken);
        return (mobileId, person, device);
    }

    private static bool TokenMatches(MobileIdentity mobileId, string? token) =>
        token is { Length: > 0 } && mobileId.SessionTokenHash is { } hash
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token)), hash);
}
