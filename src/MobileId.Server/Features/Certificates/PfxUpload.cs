using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Access;
using MobileId.Server.Features.Audit;

namespace MobileId.Server.Features.Certificates;

public sealed record PfxUploadRequest(string? Pfx, string? Password);

public sealed record UnmanagedCertificateView(Guid Id, Guid PersonId, string Subject, string Issuer, string SerialNumber, string Sha256Thumbprint,
    bool HasPrivateKey, DateTime NotBefore, DateTime NotAfter);

/// <summary>
/// Upload PFX Certificates: imports a PKCS#12 file with its password as an Unmanaged certificate of a
/// person. A file that is not PKCS#12 and a wrong password get different, clear messages.
/// </summary>
public sealed class PfxUpload(MobileIdDbContext db, AccessPolicy access, IKeyStore keys, AuditTrail audit, TimeProvider time)
{
    /// <summary>The person's uploaded certificates, oldest first, for a caller whose <paramref name="workflow"/> covers the person.</summary>
    public async Task<Result<IReadOnlyList<UnmanagedCertificateView>>> ListAsync(Caller caller, Guid personId, Workflow workflow, CancellationToken cancellationToken)
    {
        var found = await PersonAsync(caller, personId, workflow, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var records = await db.UnmanagedCertificates.AsNoTracking().Where(u => u.PersonId == personId).OrderBy(u => u.CreatedAt).ToListAsync(cancellationToken);
        return records.Select(View).ToList();
    }

    public async Task<Result<UnmanagedCertificateView>> ImportAsync(Caller caller, Guid personId, PfxUploadRequest request, CancellationToken cancellationToken)
    {
        var found = await PersonAsync(caller, personId, Workflow.UploadPfxCertificates, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var person = found.Value;
        var loaded = Pkcs12Files.Load(request.Pfx, request.Password);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }

        var collection = loaded.Value;
        try
        {
            var certificate = collection.FirstOrDefault(c => c.HasPrivateKey) ?? collection.FirstOrDefault();
            if (certificate is null)
            {
                return AppError.Validation("pfx", "The PFX file holds no certificate.");
            }

            var thumbprint = Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
            if (await db.UnmanagedCertificates.AnyAsync(u => u.PersonId == personId && u.Sha256Thumbprint == thumbprint, cancellationToken))
            {
                return AppError.Conflict($"'{person.LogonName}' already has this certificate ({certificate.Subject}).");
            }

            var id = Guid.CreateVersion7();
            byte[]? wrapped = null;
            if (certificate.HasPrivateKey)
            {
                using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey();
                if (key is null)
                {
                    return AppError.Validation("pfx", "The PFX key is neither RSA nor ECDSA.");
                }

                var pkcs8 = key.ExportPkcs8PrivateKey();
                wrapped = keys.Wrap(pkcs8, "pfx:" + id.ToString("D"));
                CryptographicOperations.ZeroMemory(pkcs8);
            }

            var record = new UnmanagedCertificate
            {
                Id = id, PersonId = personId, Subject = certificate.Subject, Issuer = certificate.Issuer,
                SerialHex = SerialNumbers.ToHex(certificate.SerialNumberBytes.Span), Sha256Thumbprint = thumbprint, Der = certificate.RawData,
                WrappedKey = wrapped, KeyStore = keys.Kind, NotBefore = certificate.NotBefore.ToUniversalTime(), NotAfter = certificate.NotAfter.ToUniversalTime(),
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.UnmanagedCertificates.Add(record);
            audit.Record(caller, "pfx.imported", Workflow.UploadPfxCertificates, AuditTarget.For(person), AuditOutcome.Success,
                new { record.Subject, record.Issuer, serial = record.SerialHex, privateKey = wrapped is not null });
            // Commit: the uploaded certificate, its wrapped key and its audit record together, once.
            await db.SaveChangesAsync(cancellationToken);
            return View(record);
        }
        finally
        {
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>The person, when <paramref name="caller"/>'s <paramref name="workflow"/> covers them.</summary>
    private async Task<Result<Person>> PersonAsync(Caller caller, Guid personId, Workflow workflow, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().SingleOrDefaultAsync(p => p.Id == personId, cancellationToken);
        if (person is null)
        {
            return AppError.NotFound("That person");
        }

        return await access.CheckAsync(caller, workflow, person, cancellationToken) is { } denied ? denied : person;
    }

    private static UnmanagedCertificateView View(UnmanagedCertificate u) =>
        new(u.Id, u.PersonId, u.Subject, u.Issuer, u.SerialHex, u.Sha256Thumbprint, u.WrappedKey is not null, u.NotBefore, u.NotAfter);
}
