using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Certificates;

/// <summary>How a credential profile's certificate reuses archived keys (PRODUCT.md §3).</summary>
public enum RecoveryMode
{
    /// <summary><i>Use existing</i>: the person's current certificate of the policy, with its key.</summary>
    UseExisting,

    /// <summary><i>Historic Only</i>: every archived certificate of the policy with its key, so old mail can still be read.</summary>
    HistoricOnly,
}

/// <summary>A certificate with its recovered private key (PKCS#8). Disposing it wipes the key bytes.</summary>
public sealed class RecoveredKey(IssuedCertificate certificate, byte[]? pkcs8) : IDisposable
{
    public IssuedCertificate Certificate { get; } = certificate;

    /// <summary>The private key (PKCS#8); null when the device already holds it, so it was not recovered.</summary>
    public byte[]? Pkcs8 { get; } = pkcs8;

    public void Dispose()
    {
        if (Pkcs8 is not null)
        {
            CryptographicOperations.ZeroMemory(Pkcs8);
        }
    }
}

/// <summary>
/// Archived private keys of server-made certificates (PRODUCT.md §4): wrapped under the key
/// store's KEK when issued, and recovered — each recovery audited — for an operator, or for a
/// device whose credential profile delivers the policy as <i>Use existing</i> or <i>Historic Only</i>.
/// </summary>
public sealed class KeyArchive(MobileIdDbContext db, IKeyStore keys, AuditTrail audit, TimeProvider time)
{
    /// <summary>The archive record for a new certificate's key; it is saved with the certificate.</summary>
    public ArchivedKey Wrap(Guid certificateId, byte[] pkcs8) => new()
    {
        CertificateId = certificateId,
        WrappedKey = keys.Wrap(pkcs8, Context(certificateId)),
        KeyStore = keys.Kind,
        ArchivedAt = time.GetUtcNow().UtcDateTime,
    };

    /// <summary>Recovers one certificate's key. The caller has been authorised for the certificate's holder.</summary>
    public async Task<Result<RecoveredKey>> RecoverAsync(Caller caller, Guid certificateId, CancellationToken cancellationToken)
    {
        var certificate = await db.IssuedCertificates.AsNoTracking().SingleOrDefaultAsync(c => c.Id == certificateId, cancellationToken);
        if (certificate is null)
        {
            return AppError.NotFound("That certificate");
        }

        var archived = await db.ArchivedKeys.SingleOrDefaultAsync(a => a.CertificateId == certificateId, cancellationToken);
        if (archived is null)
        {
            return AppError.Conflict(
                $"Certificate {certificate.SerialHex} has no archived key: its key was made on the device, or its policy does not archive keys.");
        }

        var recovered = Unwrap(certificate, archived);
        if (!recovered.IsSuccess)
        {
            return recovered.Error;
        }

        Audited(caller, archived, certificate, "operator");
        // Commit: the recovery count and its audit record together, once, before the key is handed out.
        await db.SaveChangesAsync(cancellationToken);
        return recovered;
    }

    /// <summary>
    /// The archived certificates and keys of a person under a policy, as a credential profile
    /// delivers them: <see cref="RecoveryMode.UseExisting"/> gives the newest valid one (or none),
    /// <see cref="RecoveryMode.HistoricOnly"/> all of them, oldest first, except those revoked
    /// because their key was compromised. Each recovered key is audited.
    /// </summary>
    /// <param name="held">Serial numbers the device already holds with their keys: those certificates come back without a key, and nothing is recovered or audited for them.</param>
    public async Task<Result<IReadOnlyList<RecoveredKey>>> ForDeliveryAsync(Caller caller, Guid personId, Guid policyId, RecoveryMode mode,
        IReadOnlySet<string> held, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var query = db.IssuedCertificates.AsNoTracking()
            .Where(c => c.PersonId == personId && c.PolicyId == policyId && db.ArchivedKeys.Any(a => a.CertificateId == c.Id));
        query = mode == RecoveryMode.UseExisting
            ? query.Where(c => c.Status == CertificateStatus.Valid && c.NotAfter > now)
            : query.Where(c => c.RevocationReason != (int)X509RevocationReason.KeyCompromise);
        var certificates = (await query.ToListAsync(cancellationToken)).OrderByDescending(c => c.NotBefore).ThenByDescending(c => c.Id).ToList();
        if (mode == RecoveryMode.UseExisting)
        {
            certificates = certificates.Take(1).ToList();
        }
        else
        {
            certificates.Reverse();
        }

        var ids = certificates.Select(c => c.Id).ToList();
        var archived = await db.ArchivedKeys.Where(a => ids.Contains(a.CertificateId)).ToDictionaryAsync(a => a.CertificateId, cancellationToken);
        var result = new List<RecoveredKey>(certificates.Count);
        foreach (var certificate in certificates)
        {
            if (held.Contains(certificate.SerialHex))
            {
                result.Add(new RecoveredKey(certificate, null));
                continue;
            }

            var recovered = Unwrap(certificate, archived[certificate.Id]);
            if (!recovered.IsSuccess)
            {
                result.ForEach(r => r.Dispose());
                return recovered.Error;
            }

            result.Add(recovered.Value);
            Audited(caller, archived[certificate.Id], certificate, mode == RecoveryMode.UseExisting ? "use-existing" : "historic");
        }

        // Commit: the recovery counts and their audit records together, once for all the keys delivered.
        await db.SaveChangesAsync(cancellationToken);
        return result;
    }

    private Result<RecoveredKey> Unwrap(IssuedCertificate certificate, ArchivedKey archived)
    {
        if (archived.KeyStore != keys.Kind)
        {
            return AppError.Conflict(
                $"The key of certificate {certificate.SerialHex} was archived under the {archived.KeyStore} key store's KEK, but this server uses the {keys.Kind} key store.");
        }

        try
        {
            return new RecoveredKey(certificate, keys.Unwrap(archived.WrappedKey, Context(certificate.Id)));
        }
        catch (KeyStoreException ex)
        {
            return AppError.Conflict($"The archived key of certificate {certificate.SerialHex} cannot be decrypted: {ex.Message}");
        }
    }

    private void Audited(Caller caller, ArchivedKey archived, IssuedCertificate certificate, string purpose)
    {
        archived.Recoveries++;
        audit.Record(caller, "key.recovered", null, new AuditTarget("certificate", certificate.SerialHex, certificate.Subject, certificate.PersonId),
            AuditOutcome.Success, new { serial = certificate.SerialHex, purpose, recoveries = archived.Recoveries });
    }

    /// <summary>Binds the wrapped key to its certificate: a blob moved to another row does not decrypt.</summary>
    private static string Context(Guid certificateId) => "archive:" + certificateId.ToString("D");
}
