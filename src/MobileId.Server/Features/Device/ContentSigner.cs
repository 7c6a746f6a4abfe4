using System.Security.Cryptography.X509Certificates;
using MobileId.Pki;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Authorities;
using MobileId.Server.Features.Certificates;
using MobileId.Server.Features.Settings;

namespace MobileId.Server.Features.Device;

/// <summary>A CA's content signing key with its certificate chain (signer first, root last, DER).</summary>
public sealed record ContentSigningKey(ISigningKey Key, IReadOnlyList<byte[]> Chain);

/// <summary>
/// The content signing certificates (PRODUCT.md §5.4): one per issuing CA, made on first use with a
/// key in the key store (keyUsage digitalSignature, EKU id-kp-documentSigning of RFC 9336), kept
/// for 30 days and renewed when a third of that is left. They sign the packages devices collect.
/// </summary>
public sealed class ContentSigner(IServiceScopeFactory scopes, IKeyStore keys, TimeProvider time)
{
    public const string DocumentSigningOid = "1.3.6.1.5.5.7.3.36";

    private static readonly TimeSpan Validity = TimeSpan.FromDays(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<Guid, (ContentSigningKey Signer, DateTimeOffset RenewAfter)> _signers = [];

    public async Task<ContentSigningKey> ForAsync(Guid issuerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_signers.TryGetValue(issuerId, out var cached) && cached.RenewAfter > now)
            {
                return cached.Signer;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
            var record = await db.ContentSigners.Where(r => r.IssuerId == issuerId).OrderByDescending(r => r.NotAfter).FirstOrDefaultAsync(cancellationToken);
            if (record is null || record.NotAfter - now.UtcDateTime < Validity / 3)
            {
                var ca = await db.CertificateAuthorities.AsNoTracking().SingleAsync(c => c.Id == issuerId, cancellationToken);
                var external = (await scope.ServiceProvider.GetRequiredService<SettingsService>().GetAsync(cancellationToken)).WebServerExternalAddress;
                using var caKey = keys.Open(ca.KeyId);
                using var caCertificate = X509CertificateLoader.LoadCertificate(ca.CertificateDer);
                using var signingKey = keys.Generate($"{ca.Name}-content", KeyAlgorithm.EcdsaP256);
                var subject = new X500DistinguishedNameBuilder();
                subject.AddCommonName($"{ca.Name} Content Signing");
                var profile = new LeafProfile(subject.Build(), X509KeyUsageFlags.DigitalSignature, [DocumentSigningOid], null, [], Validity);
                using var certificate = CertificateFactory.IssueLeaf(caCertificate, caKey, signingKey.PublicKey, profile, now.AddMinutes(-5),
                    CertificateAuthorities.UrlsFor(external, ca.Name), SerialNumbers.Create());
                record = new ContentSignerRecord
                {
                    Id = Guid.CreateVersion7(), IssuerId = issuerId, KeyId = signingKey.KeyId, CertificateDer = certificate.RawData,
                    NotAfter = certificate.NotAfter.ToUniversalTime(), CreatedAt = now.UtcDateTime,
                };
                db.ContentSigners.Add(record);
                await db.SaveChangesAsync(cancellationToken);
            }

            List<byte[]> chain = [record.CertificateDer, .. await scope.ServiceProvider.GetRequiredService<CertificateIssuance>().ChainAsync(issuerId, cancellationToken)];
            var signer = new ContentSigningKey(keys.Open(record.KeyId), chain);
            _signers[issuerId] = (signer, new DateTimeOffset(record.NotAfter, TimeSpan.Zero) - Validity / 3);
            return signer;
        }
        finally
        {
            _gate.Release();
        }
    }
}
