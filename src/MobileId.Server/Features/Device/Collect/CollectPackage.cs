using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.MobileIds;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Features.Device.Collect;

/// <summary>
/// Collect (device protocol), after enrol: the device sends a CSR for each slot whose key it makes
/// and receives the signed package; it then confirms installation. Authenticated by the session
/// token. A retried collection returns the certificates already issued for the same slots: nothing
/// is issued twice.
/// </summary>
public sealed class CollectPackage(MobileIdDbContext db, CertificateIssuance issuance, PackageBuilder packages, SlotIssuer slotIssuer, DeviceSessions sessions,
    AuditTrail audit, TimeProvider time)
{
    /// <summary>At collection the device holds nothing yet.</summary>
    private static readonly IReadOnlySet<string> NothingHeld = new HashSet<string>();

    /// <summary>Issues (or, on a retry, finds) the certificate of every slot and returns the signed package.</summary>
    public async Task<Result<SignedPackage>> HandleAsync(Guid mobileIdId, string? sessionToken, CollectRequest request, CancellationToken cancellationToken)
    {
        var session = await sessions.SessionAsync(mobileIdId, sessionToken, DeviceSessions.Collecting, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error;
        }

        var (mobileId, person, device) = session.Value;
        var (profile, policies, slots) = await packages.SlotsAsync(mobileId, device, cancellationToken);
        var requests = request.CertificateRequests ?? [];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        PackageBuilder.UnknownSlots(requests, slots, errors);
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
        foreach (var slot in slots.Where(s => s.Skipped is null))
        {
            var entry = profile.Certificates.OrderBy(c => c.Order).ElementAt(slot.Slot);
            var policy = entry.PolicyId is { } policyId ? policies[policyId] : null;
            var delivered = slot.KeyGeneration switch
            {
                SlotKeySource.Device => await DeviceKeyAsync(caller, person, mobileId, slot, policy!, requests, issued, Aligned(slot, sharedEnd), cancellationToken),
                SlotKeySource.Server => await slotIssuer.ServerKeyAsync(caller, person, mobileId, mobileId.SessionKey, slot, policy!, issued, Aligned(slot, sharedEnd),
                    cancellationToken),
                _ => await slotIssuer.RecoveredAsync(caller, person, mobileId, mobileId.SessionKey, slot, entry, NothingHeld, cancellationToken),
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

        var frame = await packages.FrameAsync(profile, policies, person, mobileId.Id, cancellationToken);
        var content = new PackageContent(mobileId.Id, person.LogonName, profile.Name, frame.Now.UtcDateTime, certificates,
            slots.Where(s => s.Skipped is not null).Select(s => new PackageSlotNote(s.Slot, s.Skipped!)).ToList(), pending, frame.Chain, frame.Policy, frame.Badge);
        audit.Record(caller, "mobile-id.collected", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, certificates = certificates.Select(c => c.SerialNumber), skipped = content.Skipped, pending });
        // Commit: only the audit record; each slot's certificate committed when issued, so a resumed collection issues nothing twice.
        await db.SaveChangesAsync(cancellationToken);
        return PackageBuilder.Sign(content, frame.Signing);
    }

    /// <summary>A key the device made: its CSR is issued once; a retry finds the certificate already issued for the slot.</summary>
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

        return new List<PackageCertificate> { SlotIssuer.Entry(slot, certificate, null) };
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

    private static DateTimeOffset? Aligned(CertificateSlot slot, (HashSet<int> Slots, DateTimeOffset End)? shared) =>
        shared is { } s && s.Slots.Contains(slot.Slot) ? s.End : null;
}
