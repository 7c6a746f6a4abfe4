using System.Security.Cryptography;
using System.Text.Json;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Layouts;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Device;

/// <summary>The signer, chain, policy and badge that every package carries, and the time it is made.</summary>
public sealed record PackageFrame(ContentSigningKey Signing, IReadOnlyList<string> Chain, AgentPolicy Policy, Badge? Badge, DateTimeOffset Now);

/// <summary>
/// What a collection package and an update package share: the profile's slots on the device, the
/// frame every package carries (content signer, chain, Identity Agent Policy, badge) and the
/// signature over the package's JSON. Reads only; the handlers own their units of work.
/// </summary>
public sealed class PackageBuilder(MobileIdDbContext db, CertificateIssuance issuance, ContentSigner signer, Badges badges, CardDataModels models,
    SettingsService settings, TimeProvider time)
{
    /// <summary>The mobile ID's profile, the certificate policies and the profile's slots on this device.</summary>
    public async Task<(CredentialProfile Profile, Dictionary<Guid, CertificatePolicyRecord> Policies, List<CertificateSlot> Slots)> SlotsAsync(
        MobileIdentity mobileId, Data.Device device, CancellationToken cancellationToken)
    {
        var profile = await db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
        var policies = await db.CertificatePolicies.AsNoTracking().ToDictionaryAsync(p => p.Id, cancellationToken);
        return (profile, policies, Enrolment.SlotsFor(profile, policies, device.KeyStores.Split(',', StringSplitOptions.RemoveEmptyEntries), models));
    }

    /// <summary>Adds an error for each request of a slot whose key the device does not make.</summary>
    public static void UnknownSlots(List<SlotRequest> requests, List<CertificateSlot> slots, Dictionary<string, string[]> errors)
    {
        foreach (var unknown in requests.Where(r => slots.All(s => s.Slot != r.Slot || s.KeyGeneration != SlotKeySource.Device || s.Skipped is not null)))
        {
            errors[$"certificateRequests[{requests.IndexOf(unknown)}].slot"] = [$"Slot {unknown.Slot} takes no certificate request from the device."];
        }
    }

    /// <summary>
    /// What every package carries besides its certificates: the chain of every CA the profile's
    /// policies issue from (the first one's content signer signs it), the Identity Agent Policy and the badge.
    /// </summary>
    public async Task<PackageFrame> FrameAsync(CredentialProfile profile, Dictionary<Guid, CertificatePolicyRecord> policies, Person person, Guid mobileId,
        CancellationToken cancellationToken)
    {
        var issuers = profile.Certificates.OrderBy(c => c.Order).Select(c => c.PolicyId).OfType<Guid>().Select(id => policies[id].IssuerId).Distinct().ToList();
        if (issuers.Count == 0)
        {
            issuers.Add(await db.CertificateAuthorities.AsNoTracking().Where(c => c.Kind == CaKind.Issuing && c.Status == CaStatus.Active)
                .OrderBy(c => c.CreatedAt).Select(c => c.Id).FirstAsync(cancellationToken));
        }

        var signing = await signer.ForAsync(issuers[0], cancellationToken);
        var chain = new List<byte[]>(signing.Chain.Skip(1));
        foreach (var other in issuers.Skip(1))
        {
            chain.AddRange((await issuance.ChainAsync(other, cancellationToken)).Where(der => !chain.Any(known => known.AsSpan().SequenceEqual(der))));
        }

        var operation = await settings.GetAsync(cancellationToken);
        var now = time.GetUtcNow();
        var badge = await badges.ForAsync(profile, person, mobileId, signing.Key, signing.Chain, operation.WebServerExternalAddress, now,
            await BadgeExpiryAsync(mobileId, now, cancellationToken), cancellationToken);
        return new PackageFrame(signing, chain.Select(Convert.ToBase64String).ToList(), Enrolment.PolicyOf(operation), badge, now);
    }

    /// <summary>Signs a package's JSON bytes with the content signing key (ECDSA-SHA256).</summary>
    public static SignedPackage Sign<T>(T content, ContentSigningKey signing)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(content, DeviceProtocolJson.Default.Options);
        var signature = signing.Key.SignData(bytes, HashAlgorithmName.SHA256);
        return new SignedPackage(Convert.ToBase64String(bytes), Convert.ToBase64String(signature), "ecdsa-with-SHA256",
            signing.Chain.Select(Convert.ToBase64String).ToList());
    }

    /// <summary>A badge's identity token lives as long as the mobile ID's longest certificate, or a year when it has none.</summary>
    private async Task<DateTimeOffset> BadgeExpiryAsync(Guid mobileId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.IssuedCertificates.AsNoTracking().Where(c => c.MobileIdentityId == mobileId && c.Status == CertificateStatus.Valid)
            .MaxAsync(c => (DateTime?)c.NotAfter, cancellationToken) is { } end
            ? new DateTimeOffset(end, TimeSpan.Zero)
            : now.AddYears(1);
}
