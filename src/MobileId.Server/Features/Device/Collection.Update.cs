using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Webhooks;

namespace MobileId.Server.Features.Device;

/// <summary>
/// Collect My Updates (PRODUCT.md §5.5) with the session token of the collection. A renewal's
/// successor waits beside its predecessor (its slot empty) until the device confirms it installed
/// it; then it takes the slot, the predecessor is revoked as superseded and the renewal is audited
/// (<see cref="LifecycleActions.Renewed"/>). A retried update returns the successors already issued.
/// </summary>
public sealed partial class Collection
{
    private static readonly MobileIdStatus[] Updatable = [MobileIdStatus.Issued, MobileIdStatus.Disabled, MobileIdStatus.Cancelled];

    public async Task<Result<SignedPackage>> UpdateAsync(Guid mobileIdId, string? sessionToken, UpdateRequest request, CancellationToken cancellationToken)
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
        var (profile, policies, slots) = await SlotsAsync(mobileId, device, cancellationToken);
        var requests = request.CertificateRequests ?? [];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var sessionKey = Enrolment.ReadSessionKey(request.SessionKey, errors);
        UnknownSlots(requests, slots, errors);
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
                    SlotKeySource.Server when newest is null => await ServerKeyAsync(caller, person, mobileId, sessionKey!, slot, policy!, [], null, cancellationToken),
                    SlotKeySource.Server => new List<PackageCertificate> { Entry(slot, newest, PendingKeyFor(newest, held, sessionKey!, mobileId.Id, slot.Slot)) },
                    _ => await RecoveredAsync(caller, person, mobileId, sessionKey!, slot, entries[slot.Slot], held, cancellationToken),
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

        var frame = await FrameAsync(profile, policies, person, mobileId.Id, cancellationToken);
        var content = new UpdateContent(mobileId.Id, mobileId.Status, person.LogonName, profile.Name, frame.Now.UtcDateTime, certificates,
            held.Where(serial => certificates.All(c => !string.Equals(c.SerialNumber, serial, StringComparison.OrdinalIgnoreCase))).Order(StringComparer.Ordinal).ToList(),
            renew, slots.Where(s => s.Skipped is not null).Select(s => new PackageSlotNote(s.Slot, s.Skipped!)).ToList(), frame.Chain, frame.Policy, frame.Badge);
        audit.Record(caller, "mobile-id.update-delivered", null, AuditTarget.For(person), AuditOutcome.Success,
            new { mobileId = mobileId.Id, status = mobileId.Status, certificates = certificates.Select(c => c.SerialNumber), issued = issuedNow, removed = content.Removed,
                renew = renew.Select(r => r.Slot) });
        await db.SaveChangesAsync(cancellationToken);
        return Sign(content, frame.Signing);
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

        return newest is null ? new List<PackageCertificate>() : [Entry(slot, newest, null)];
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
            return Encrypt(sessionKey, mobileId, slot, certificate.SerialHex, pkcs8);
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

    /// <summary>
    /// The device installed an update package: the server-made keys kept for these certificates are
    /// dropped, and each installed successor takes its predecessor's slot, the predecessor being
    /// revoked as superseded (audited as <see cref="LifecycleActions.Renewed"/>). Confirming again changes nothing.
    /// </summary>
    public async Task<Result<UpdateConfirmResponse>> ConfirmUpdateAsync(Guid mobileIdId, string? sessionToken, UpdateConfirmRequest request,
        CancellationToken cancellationToken)
    {
        var session = await sessions.SessionAsync(mobileIdId, sessionToken, Updatable, cancellationToken);
        if (!session.IsSuccess)
        {
            return session.Error;
        }

        var (mobileId, person, device) = session.Value;
        var installed = request.Installed ?? [];
        var mine = await db.IssuedCertificates.Where(c => c.MobileIdentityId == mobileId.Id && installed.Contains(c.SerialHex)).ToListAsync(cancellationToken);
        var unknown = installed.Where(serial => mine.All(c => c.SerialHex != serial)).ToList();
        if (unknown.Count > 0)
        {
            return AppError.Validation("installed", $"Not certificates of this mobile ID: {string.Join(", ", unknown)}.");
        }

        var superseded = new List<string>();
        if (mobileId.Status != MobileIdStatus.Issued)
        {
            return new UpdateConfirmResponse(mobileId.Id, mobileId.Status, superseded);
        }

        var caller = Caller.System($"device {device.SerialNumber}");
        foreach (var certificate in mine.Where(c => c.Status != CertificateStatus.Revoked))
        {
            certificate.PendingKey = null;
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var successor in mine.Where(c => c.RenewsId is not null && c.Status != CertificateStatus.Revoked))
        {
            var predecessor = await db.IssuedCertificates.SingleAsync(c => c.Id == successor.RenewsId, cancellationToken);
            var revoked = await certificates.SupersedeAsync(caller, predecessor, successor, slot => audit.Record(caller, LifecycleActions.Renewed, null,
                AuditTarget.For(person), AuditOutcome.Success,
                new { mobileId = mobileId.Id, slot, serial = successor.SerialHex, renews = predecessor.SerialHex, notAfter = successor.NotAfter }), cancellationToken);
            if (!revoked.IsSuccess)
            {
                return revoked.Error;
            }

            if (revoked.Value)
            {
                superseded.Add(predecessor.SerialHex);
            }
        }

        return new UpdateConfirmResponse(mobileId.Id, mobileId.Status, superseded);
    }
}
