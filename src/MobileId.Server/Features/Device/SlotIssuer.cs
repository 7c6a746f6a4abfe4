using System.Security.Cryptography;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Profiles;

namespace MobileId.Server.Features.Device;

/// <summary>
/// The slots a collection and an update fill alike: a key made here for a slot (issued once, kept
/// wrapped until confirmation) and recovered or uploaded keys, each key encrypted to the device's
/// session key. Issuance commits each certificate as it is made (the issuance kernel saves it).
/// </summary>
public sealed class SlotIssuer(MobileIdDbContext db, CertificateIssuance issuance, KeyArchive archive, IKeyStore keys)
{
    /// <summary>A key made here for the slot: kept wrapped until confirmation, so a retry sends the same key and certificate.</summary>
    public async Task<Result<List<PackageCertificate>>> ServerKeyAsync(Caller caller, Person person, MobileIdentity mobileId, byte[] sessionKey,
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
    public async Task<Result<List<PackageCertificate>>> RecoveredAsync(Caller caller, Person person, MobileIdentity mobileId, byte[] sessionKey,
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

    /// <summary>The package entry of an issued certificate in a slot, with its key when one is sent.</summary>
    public static PackageCertificate Entry(CertificateSlot slot, IssuedCertificate certificate, EncryptedKey? key) =>
        new(slot.Slot, slot.Container, slot.Mode, certificate.SerialHex, Convert.ToBase64String(certificate.Der), key);

    /// <summary>A private key encrypted to the device's session key, bound to the mobile ID, slot and serial.</summary>
    public static EncryptedKey Encrypt(byte[] sessionKey, Guid mobileId, int slot, string serial, byte[] pkcs8) =>
        KeyDelivery.Encrypt(sessionKey, pkcs8, KeyDelivery.PackageContext(mobileId, slot, serial));
}
