using MobileId.Pki.Keys;
using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Features.Device;

/// <summary>A CA's content signing key with its certificate chain (signer first, root last, DER).</summary>
public sealed record ContentSigningKey(ISigningKey Key, IReadOnlyList<byte[]> Chain);

/// <summary>
/// The content signing certificates (PRODUCT.md §5.4): one per issuing CA, issued through the
/// issuance seam on first use with a key in the key store (keyUsage digitalSignature, EKU
/// id-kp-documentSigning of RFC 9336), kept for 30 days and renewed when a third of that is left.
/// They sign the packages devices collect.
/// </summary>
public sealed class ContentSigner(IServiceScopeFactory scopes, TimeProvider time)
{
    public const string DocumentSigningOid = BuiltInCertificateIssuer.DocumentSigningOid;

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
            var issuer = scope.ServiceProvider.GetRequiredService<ICertificateIssuer>();
            var credential = await issuer.ServiceCertificateAsync(new ServiceCertificateRequest(issuerId, CertificatePurpose.ContentSigner, Validity), cancellationToken);
            credential.Certificate.Dispose();
            var signer = new ContentSigningKey(credential.Key!, [credential.Record.Der, .. credential.CaChain]);
            _signers[issuerId] = (signer, new DateTimeOffset(credential.Record.NotAfter, TimeSpan.Zero) - Validity / 3);
            return signer;
        }
        finally
        {
            _gate.Release();
        }
    }
}
