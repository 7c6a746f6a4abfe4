using System.Security.Cryptography;
using System.Text.Json;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Layouts;
using MobileId.Server.Features.Profiles;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Device;

/// <summary>The signer, chain, policy and badge that every package carries, and the time it is made.</summary>
public sealed record PackageFrame(ContentSigningKey Signing, IReadOnlyList<string> Chain, AgentPolicy Policy, Badge? Badge, DateTimeOffset Now);

/// <summary>
/// The collection steps after enrol: the device sends a CSR for each slot whose key it makes and
/// receives the signed package; then it confirms installation and the mobile ID is <i>Issued</i>.
/// Every call is authenticated by the session token. A retried collection returns the
/// certificates already issued for the same slots: nothing is issued twice.
/// </summary>
public sealed partial class Collection(MobileIdDbContext db, CertificateIssuance issuance, CertificateService certificates, KeyArchive archive, IKeyStore keys,
    ContentSigner signer, Badges badges, CardDataModels models, SettingsService settings, DeviceSessions sessions, AuditTrail audit, TimeProvider time)
{
    /// <summary>At collection the device holds nothing yet.</summary>
    private static readonly IReadOnlySet<string> NothingHeld = new HashSet<string>();

    public async Task<Result<SignedPackage>> CollectAsync(Guid mobileIdId, string? sessionToken, CollectRequest request, CancellationToken cancellationToken)
    {
        var session = await sessions.SessionAsync(mobileIdId, sessionToken, DeviceSessions.Collecting, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error;
        }

        var (mobileId, person, device) = session.Value;
        var (profile, policies, slots) = await SlotsAsync(mobileId, device, cancellationToken);
        var requests = request.CertificateRequests ?? [];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        UnknownSlots(requests, slots, errors);
        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        var issued = await db.IssuedCertificates.AsNoTracking().Where(c => c.MobileIdentityId == mobileId.Id && c.Status != CertificateStatus.Revoked)
            .ToDictionaryAsync(c => c.Slot ?? -1, cancellationToken);
        if (mobileId.SessionKey is null)
        {
            return AppError.Conflict("This collection session has no session key; enrol again.");
        }

        var caller = Caller.System($"device {device.SerialNumber}");
        var sharedEnd = await SharedExpiryAsync(device, profile, slots, policies, issued, cancellationToken);
        var certificates = new List<PackageCertificate>();
        var pending = new List<PackageSlotNote>();
        // Note: each slot's certificate commits as it is issued (the issuance kernel saves it), not at
        // the end: an interrupted collection resumes from the slots already issued (`issued` above),
        // so a retry gets the same certificates and nothing is issued twice. The save below commits
        // the collection's own audit record.
        foreach (var slot in slots.Where(s => s.Skipped is null))
        {
            var entry = profile.Certificates.OrderBy(c => c.Order).ElementAt(slot.Slot);
            var policy = entry.PolicyId is { } policyId ? policies[policyId] : null;
            var delivered = slot.KeyGeneration switch
            {
                SlotKeySource.Device => await DeviceKeyAsync(caller, person, mobileId, slot, policy!, requests, issued, Aligned(slot, sharedEnd), cancellationToken),
                SlotKeySource.Server => await ServerKeyAsync(caller, person, mobileId, mobileId.SessionKey, slot, policy!, issued, Aligned(slot, sharedEnd), cancellationToken),
                _ => await RecoveredAsync(caller, person, mobileId, mobileId.SessionKey, slot, entry, NothingHeld, cancellationToken),
            };
            if (!delivered.IsSuccess)
            {
                return delivered.Error;
            }

            if (delivered.Value!.Count == 0)
            {
                pending.Add(new PackageSlotNote(slot.Slot, slot.Mode == CertificateMode.UseExisting
                    ? "There is no valid archived certificate of this policy to recover."
                    : "There is nothing of this kind to deliver."));
            }

            certificates.AddRange(delivered.Value);
        }

        var frame = await FrameAsync(profile, policies, person, mobileId.Id, cancellationToken);
        var content = new PackageContent(mobileId.Id, person.LogonName, profile.Name, frame.Now.UtcDateTime, certificates,
            slots.Where(s => s.Skipped is not null).Select(s => new PackageSlotNote(s.Slot, s.Skipped!)).ToList(), pending, frame.Chain, frame.Policy, frame.Badge);
        audit.Record(caller, "mobile-id.collected", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, certificates = certificates.Select(c => c.SerialNumber), skipped = content.Skipped, pending });
        await db.SaveChangesAsync(cancellationToken);
        return Sign(content, frame.Signing);
    }

    /// <summary>The mobile ID's profile, the certificate policies and the profile's slots on this device.</summary>
    private async Task<(CredentialProfile Profile, Dictionary<Guid, CertificatePolicyRecord> Policies, List<CertificateSlot> Slots)> SlotsAsync(
        MobileIdentity mobileId, Data.Device device, CancellationToken cancellationToken)
    {
        var profile = await db.CredentialProfiles.AsNoTracking().Include(p => p.Certificates).SingleAsync(p => p.Id == mobileId.ProfileId, cancellationToken);
        var policies = await db.CertificatePolicies.AsNoTracking().ToDictionaryAsync(p => p.Id, cancellationToken);
        return (profile, policies, Enrolment.SlotsFor(profile, policies, device.KeyStores.Split(',', StringSplitOptions.RemoveEmptyEntries), models));
    }

    /// <summary>Adds an error for each request of a slot whose key the device does not make.</summary>
    private static void UnknownSlots(List<SlotRequest> requests, List<CertificateSlot> slots, Dictionary<string, string[]> errors)
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
    private async Task<PackageFrame> FrameAsync(CredentialProfile profile, Dictionary<Guid, CertificatePolicyRecord> policies, Person person, Guid mobileId,
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
    private static SignedPackage Sign<T>(T content, ContentSigningKey signing)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(content, DeviceProtocolJson.Default.Options);
        var signature = signing.Key.SignData(bytes, HashAlgorithmName.SHA256);
        return new SignedPackage(Convert.ToBase64String(bytes), Convert.ToBase64String(signature), "ecdsa-with-SHA256",
            signing.Chain.Select(Convert.ToBase64String).ToList());
    }

    private async Task<Result<List<PackageCertificate>>> DeviceKeyAsync(Caller caller, Person person, MobileIdentity mobileId, CertificateSlot slot,
        CertificatePolicyRecord policy, List<SlotRequest> requests, Dictionary<int, IssuedCertificate> issued, DateTimeOffset? notAfter,
        CancellationToken cancellationToken)
    {
        if (!issued.TryGetValue(slot.Slot, out var certificate))
        {
            var key = CertificateIssuance.ReadCsr(requests.FirstOrDefault(r => r.Slot == slot.Slot)?.Csr, policy.KeyAlgorithm, out var error);
            if (key is null)
            {
                return AppError.Validation($"certificateRequests[slot {slot.Slot}].csr", error!);
            }

            var made = await issuance.IssueForAsync(caller, person, policy, key, new IssueFor(person.Id, policy.Id, null, mobileId.Id, slot.Slot, NotAfter: notAfter), cancellationToken);
            if (!made.IsSuccess)
            {
                return made.Error;
            }

            certificate = made.Value.Certificate;
        }

        return new List<PackageCertificate> { Entry(slot, certificate, null) };
    }

    /// <summary>A key made here for the slot: kept wrapped until confirmation, so a retry sends the same key and certificate.</summary>
    private async Task<Result<List<PackageCertificate>>> ServerKeyAsync(Caller caller, Person person, MobileIdentity mobileId, byte[] sessionKey,
        CertificateSlot slot, CertificatePolicyRecord policy, Dictionary<int, IssuedCertificate> issued, DateTimeOffset? notAfter, CancellationToken cancellationToken)
    {
        byte[] pkcs8;
        IssuedCertificate certificate;
        if (issued.TryGetValue(slot.Slot, out var existing))
        {
            if (existing.PendingKey is null)
            {
                return AppError.Conflict($"The key of slot {slot.Slot} was already delivered and confirmed; it cannot be sent again.");
            }

            certificate = existing;
            pkcs8 = keys.Unwrap(existing.PendingKey, CertificateService.PendingKeyContext(existing.Id));
        }
        else
        {
            using var key = KeyPackages.Generate(policy.KeyAlgorithm);
            pkcs8 = key.ExportPkcs8PrivateKey();
            var made = await issuance.IssueForAsync(caller, person, policy, new System.Security.Cryptography.X509Certificates.PublicKey(key),
                new IssueFor(person.Id, policy.Id, policy.Archive ? pkcs8 : null, mobileId.Id, slot.Slot, pkcs8, notAfter), cancellationToken);
            if (!made.IsSuccess)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
                return made.Error;
            }

            certificate = made.Value.Certificate;
        }

        try
        {
            return new List<PackageCertificate> { Entry(slot, certificate, Encrypt(sessionKey, mobileId.Id, slot.Slot, certificate.SerialHex, pkcs8)) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Use existing and Historic Only recover archived keys; Unmanaged sends the person's PFX uploads.</summary>
    /// <param name="held">Serials the device already holds with their keys (on update): sent without their keys, and not recovered again.</param>
    private async Task<Result<List<PackageCertificate>>> RecoveredAsync(Caller caller, Person person, MobileIdentity mobileId, byte[] sessionKey,
        CertificateSlot slot, ProfileCertificate entry, IReadOnlySet<string> held, CancellationToken cancellationToken)
    {
        var list = new List<PackageCertificate>();
        if (entry.Mode == CertificateMode.Unmanaged)
        {
            foreach (var pfx in await db.UnmanagedCertificates.AsNoTracking().Where(u => u.PersonId == person.Id).OrderBy(u => u.CreatedAt).ToListAsync(cancellationToken))
            {
                if (pfx.WrappedKey is null || held.Contains(pfx.SerialHex))
                {
                    list.Add(new PackageCertificate(slot.Slot, slot.Container, slot.Mode, pfx.SerialHex, Convert.ToBase64String(pfx.Der), null));
                    continue;
                }

                var pkcs8 = keys.Unwrap(pfx.WrappedKey, "pfx:" + pfx.Id.ToString("D"));
                try
                {
                    list.Add(new PackageCertificate(slot.Slot, slot.Container, slot.Mode, pfx.SerialHex, Convert.ToBase64String(pfx.Der),
                        Encrypt(sessionKey, mobileId.Id, slot.Slot, pfx.SerialHex, pkcs8)));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }

            return list;
        }

        var mode = entry.Mode == CertificateMode.UseExisting ? RecoveryMode.UseExisting : RecoveryMode.HistoricOnly;
        var recovered = await archive.ForDeliveryAsync(caller, person.Id, entry.PolicyId!.Value, mode, held, cancellationToken);
        if (!recovered.IsSuccess)
        {
            return recovered.Error;
        }

        foreach (var key in recovered.Value)
        {
            using (key)
            {
                list.Add(Entry(slot, key.Certificate, key.Pkcs8 is null ? null : Encrypt(sessionKey, mobileId.Id, slot.Slot, key.Certificate.SerialHex, key.Pkcs8)));
            }
        }

        return list;
    }

    /// <summary>
    /// iOS keeps the system-store certificates of one profile as one identity, so they must expire
    /// together: the earliest end any of them would have (policy validity, clipped to its CA), or the
    /// end of one already issued in this collection when it is resumed. Null when nothing is aligned.
    /// </summary>
    private async Task<(HashSet<int> Slots, DateTimeOffset End)?> SharedExpiryAsync(Data.Device device, CredentialProfile profile, List<CertificateSlot> slots,
        Dictionary<Guid, CertificatePolicyRecord> policies, Dictionary<int, IssuedCertificate> issued, CancellationToken cancellationToken)
    {
        var systemStore = ProfilesService.BuiltInContainers[CardFormat.Mobile];
        var aligned = slots.Where(s => s.Skipped is null && s.KeyGeneration != SlotKeySource.Recovered && string.Equals(s.Container, systemStore, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (device.Platform != "ios" || aligned.Count < 2)
        {
            return null;
        }

        var numbers = aligned.Select(s => s.Slot).ToHashSet();
        if (issued.Where(i => numbers.Contains(i.Key)).Select(i => (DateTime?)i.Value.NotAfter).Min() is { } already)
        {
            return (numbers, new DateTimeOffset(already, TimeSpan.Zero));
        }

        var entries = profile.Certificates.OrderBy(c => c.Order).ToList();
        var issuers = await db.CertificateAuthorities.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.NotAfter, cancellationToken);
        var notBefore = time.GetUtcNow().AddMinutes(-5);
        var end = aligned.Select(s => policies[entries[s.Slot].PolicyId!.Value]).Min(p =>
        {
            var own = notBefore.AddDays(p.ValidityDays);
            var ca = new DateTimeOffset(issuers[p.IssuerId], TimeSpan.Zero);
            return own < ca ? own : ca;
        });
        return (numbers, new DateTimeOffset(end.Ticks - (end.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero));
    }

    /// <summary>A badge's identity token lives as long as the mobile ID's longest certificate, or a year when it has none.</summary>
    private async Task<DateTimeOffset> BadgeExpiryAsync(Guid mobileId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.IssuedCertificates.AsNoTracking().Where(c => c.MobileIdentityId == mobileId && c.Status == CertificateStatus.Valid)
            .MaxAsync(c => (DateTime?)c.NotAfter, cancellationToken) is { } end
            ? new DateTimeOffset(end, TimeSpan.Zero)
            : now.AddYears(1);

    private static DateTimeOffset? Aligned(CertificateSlot slot, (HashSet<int> Slots, DateTimeOffset End)? shared) =>
        shared is { } s && s.Slots.Contains(slot.Slot) ? s.End : null;

    private static PackageCertificate Entry(CertificateSlot slot, IssuedCertificate certificate, EncryptedKey? key) =>
        new(slot.Slot, slot.Container, slot.Mode, certificate.SerialHex, Convert.ToBase64String(certificate.Der), key);

    private static EncryptedKey Encrypt(byte[] sessionKey, Guid mobileId, int slot, string serial, byte[] pkcs8) =>
        KeyDelivery.Encrypt(sessionKey, pkcs8, KeyDelivery.PackageContext(mobileId, slot, serial));

}
