using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Settings;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Device.Update;

/// <summary>
/// Collect My Updates (PRODUCT.md §5.5) with the session token of the collection. A renewal's
/// successor waits beside its predecessor (its slot empty) until the device confirms it installed
/// it (<see cref="ConfirmUpdate"/>); then it takes the slot, the predecessor is revoked as superseded
/// and the renewal is audited (<see cref="LifecycleActions.Renewed"/>). A retried update returns the
/// successors already issued.
/// </summary>
public sealed class CollectUpdates(MobileIdDbContext db, CertificateIssuance issuance, IKeyStore keys, PackageBuilder packages, SlotIssuer slotIssuer,
    SettingsService settings, DeviceSessions sessions, AuditTrail audit)
{
    /// <summary>The states in which a mobile ID collects and confirms updates.</summary>
    internal static readonly MobileIdStatus[] Updatable = [MobileIdStatus.Issued, MobileIdStatus.Disabled, MobileIdStatus.Cancelled];

    /// <summary>The signed update package: renewals, added and removed certificates, policy, badge and status.</summary>
    public async Task<Result<SignedPackage>> HandleAsync(Guid mobileIdId, string? sessionToken, UpdateRequest request, CancellationToken cancellationToken)
    {
        var session = await sessions.SessionAsync(mobileIdId, sessionToken, Updatable, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error;
        }

        if ((await settings.GetAsync(cancellationToken)).VerifyFingerprintsDuringCardUpdate)
        {
            return Enrolment.BiometricRefusal;
        }

        var (mobileId, person, device) = session.Value;
        var (profile, policies, slots) = await packages.SlotsAsync(mobileId, device, cancellationToken);
        var requests = request.CertificateRequests ?? [];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var sessionKey = Enrolment.ReadSessionKey(request.SessionKey, errors);
        PackageBuilder.UnknownSlots(requests, slots, errors);
        if (errors.Count > 0)
        {
            return AppError.Validation(errors);
        }

        var held = (request.Held ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var caller = Caller.System($"device {device.SerialNumber}");
        var certificates = new List<PackageCertificate>();
        var renew = new List<RenewSlot>();
        var issuedNow = new List<string>();
        if (mobileId.Status == MobileIdStatus.Issued)
        {
            var current = await db.IssuedCertificates.AsNoTracking().Where(c => c.MobileIdentityId == mobileId.Id && c.Status != CertificateStatus.Revoked)
                .ToListAsync(cancellationToken);
            var entries = profile.Certificates.OrderBy(c => c.Order).ToList();
            foreach (var slot in slots.Where(s => s.Skipped is null))
            {
                var policy = entries[slot.Slot].PolicyId is { } policyId ? policies[policyId] : null;
                var live = current.FirstOrDefault(c => c.Slot == slot.Slot);
                var newest = live is null ? null : current.FirstOrDefault(c => c.RenewsId == live.Id) ?? live;
                var delivered = slot.KeyGeneration switch
                {
                    SlotKeySource.Device => await DeviceUpdateAsync(caller, person, mobileId, slot, policy!, live, newest, requests, renew, cancellationToken),
                    SlotKeySource.Server when newest is null => await slotIssuer.ServerKeyAsync(caller, person, mobileId, sessionKey!, slot, policy!, [], null, cancellationToken),
                    SlotKeySource.Server => new List<PackageCertificate> { SlotIssuer.Entry(slot, newest, PendingKeyFor(newest, held, sessionKey!, mobileId.Id, slot.Slot)) },
                    _ => await slotIssuer.RecoveredAsync(caller, person, mobileId, sessionKey!, slot, entries[slot.Slot], held, cancellationToken),
                };
                if (!delivered.IsSuccess)
                {
                    return delivered.Error;
                }

                issuedNow.AddRange(delivered.Value!.Where(c => current.All(k => k.SerialHex != c.SerialNumber) && slot.KeyGeneration != SlotKeySource.Recovered)
                    .Select(c => c.SerialNumber));
                // Note: what the device holds needs no key again.
                certificates.AddRange(delivered.Value!.Select(c => held.Contains(c.SerialNumber) ? c with { Key = null } : c));
            }
        }

        var frame = await packages.FrameAsync(profile, policies, person, mobileId.Id, cancellationToken);
        var content = new UpdateContent(mobileId.Id, mobileId.Status, person.LogonName, profile.Name, frame.Now.UtcDateTime, certificates,
            held.Where(serial => certificates.All(c => !string.Equals(c.SerialNumber, serial, StringComparison.OrdinalIgnoreCase))).Order(StringComparer.Ordinal).ToList(),
            renew, slots.Where(s => s.Skipped is not null).Select(s => new PackageSlotNote(s.Slot, s.Skipped!)).ToList(), frame.Chain, frame.Policy, frame.Badge);
        audit.Record(caller, "mobile-id.update-delivered", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, status = mobileId.Status, certificates = certificates.Select(c => c.SerialNumber), issued = issuedNow, removed = content.Removed,
                renew = renew.Select(r => r.Slot) });
        // Commit: only the audit record; each successor committed when issued, so a retried update finds it and issues nothing twice.
        await db.SaveChangesAsync(cancellationToken);
        return PackageBuilder.Sign(content, frame.Signing);
    }

    /// <summary>
    /// A device-key slot: its newest certificate; with a CSR for a slot that is due (renewal due, or
    /// no certificate yet) the successor is issued; a CSR for the key of the newest certificate is a
    /// retry and issues nothing. A slot that is due without a CSR is asked for one.
    /// </summary>
    private async Task<Result<List<PackageCertificate>>> DeviceUpdateAsync(Caller caller, Person person, MobileIdentity mobileId, CertificateSlot slot,
        CertificatePolicyRecord policy, IssuedCertificate? live, IssuedCertificate? newest, List<SlotRequest> requests, List<RenewSlot> renew,
        CancellationToken cancellationToken)
    {
        var due = live is null || (live.RenewalDueAt is not null && newest == live);
        var csr = requests.FirstOrDefault(r => r.Slot == slot.Slot);
        if (csr is not null)
        {
            var key = CertificateIssuance.ReadCsr(csr.Csr, policy.KeyAlgorithm, out var error);
            if (key is null)
            {
                return AppError.Validation($"certificateRequests[{requests.IndexOf(csr)}].csr", error!);
            }

            if (newest is null || !SameKey(newest, key))
            {
                if (!due)
                {
                    return AppError.Conflict($"Slot {slot.Slot} has a current certificate that is not due for renewal; send no CSR for it.");
                }

                var made = await issuance.IssueForAsync(caller, person, policy, key,
                    new IssueFor(person.Id, policy.Id, null, mobileId.Id, live is null ? slot.Slot : null, RenewsId: live?.Id), cancellationToken);
                if (!made.IsSuccess)
                {
                    return made.Error;
                }

                newest = made.Value.Certificate;
            }
        }
        else if (due)
        {
            renew.Add(new RenewSlot(slot.Slot, policy.KeyAlgorithm.ToString(), live?.SerialHex));
        }

        return newest is null ? new List<PackageCertificate>() : [SlotIssuer.Entry(slot, newest, null)];
    }

    /// <summary>The server-made key still kept for a certificate, encrypted to the session key, when the device does not hold the certificate yet.</summary>
    private EncryptedKey? PendingKeyFor(IssuedCertificate certificate, HashSet<string> held, byte[] sessionKey, Guid mobileId, int slot)
    {
        if (certificate.PendingKey is null || held.Contains(certificate.SerialHex))
        {
            return null;
        }

        var pkcs8 = keys.Unwrap(certificate.PendingKey, CertificateService.PendingKeyContext(certificate.Id));
        try
        {
            return SlotIssuer.Encrypt(sessionKey, mobileId, slot, certificate.SerialHex, pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static bool SameKey(IssuedCertificate certificate, PublicKey key)
    {
        using var loaded = X509CertificateLoader.LoadCertificate(certificate.Der);
        return loaded.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
    }
}
