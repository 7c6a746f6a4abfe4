using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Authorities;
using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Features.Protocols;

/// <summary>A CA's registration authority: its certificate with the RSA private key, and the CA chain (issuing CA first, root last, DER).</summary>
public sealed record RaCredential(Guid IssuerId, string CaName, X509Certificate2 Certificate, IReadOnlyList<byte[]> CaChain);

/// <summary>
/// The SCEP/EST registration authorities (RFC 8894 §2.1): one per issuing CA, issued through the
/// issuance seam on first use with an RSA-2048 key (SCEP's CMS envelopes need RSA key transport, whatever key the CA has),
/// valid for a year and renewed when a third of that is left. Older RA certificates still
/// decrypt requests made with them until they expire.
/// </summary>
public sealed class RegistrationAuthorities(IServiceScopeFactory scopes, IOptions<PkiOptions> pki, TimeProvider time)
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(365);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<Guid, RaCredential> _current = [];
    private readonly Dictionary<Guid, RaCredential> _byRecord = [];

    /// <summary>
    /// The CA that SCEP GetCACert and EST cacerts serve: the one named (SCEP's CA-IDENT, EST's
    /// label), else the configured issuing CA (<c>MobileId:Pki:IssuingName</c>), else the first active issuing CA.
    /// Null when there is no such active issuing CA with its key on this server.
    /// </summary>
    public async Task<CertificateAuthorityRecord?> CaAsync(string? name, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
        var active = db.CertificateAuthorities.AsNoTracking().Where(c => c.Kind == CaKind.Issuing && c.Status == CaStatus.Active && c.KeyId != "");
        if (!string.IsNullOrWhiteSpace(name))
        {
            return await active.SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        }

        return await active.SingleOrDefaultAsync(c => c.Name == pki.Value.IssuingName, cancellationToken)
            ?? await active.OrderBy(c => c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The current RA of a CA, made or renewed when needed.</summary>
    public async Task<RaCredential> ForAsync(Guid issuerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current.TryGetValue(issuerId, out var cached) && cached.Certificate.NotAfter.ToUniversalTime() - now.UtcDateTime > Validity / 3)
            {
                return cached;
            }

            await using var scope = scopes.CreateAsyncScope();
            var issuer = scope.ServiceProvider.GetRequiredService<ICertificateIssuer>();
            var request = new ServiceCertificateRequest(issuerId, CertificatePurpose.RegistrationAuthority, Validity, pki.Value.Organization);
            var credential = Keep(await issuer.ServiceCertificateAsync(request, cancellationToken));
            _current[issuerId] = credential;
            return credential;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every RA certificate that has not expired, newest first: the candidates to decrypt a request with.</summary>
    public async Task<IReadOnlyList<RaCredential>> ValidAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var issuer = scope.ServiceProvider.GetRequiredService<ICertificateIssuer>();
            var records = await issuer.ServiceCertificatesAsync(CertificatePurpose.RegistrationAuthority, cancellationToken);
            var list = new List<RaCredential>(records.Count);
            foreach (var record in records)
            {
                if (!_byRecord.TryGetValue(record.Id, out var credential))
                {
                    credential = Keep(await issuer.OpenAsync(record, cancellationToken));
                }

                list.Add(credential);
            }

            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>An RA credential from the seam's, kept by its record so it is opened once.</summary>
    private RaCredential Keep(ServiceCredential credential)
    {
        if (_byRecord.TryGetValue(credential.Record.Id, out var known))
        {
            credential.Certificate.Dispose();
            return known;
        }

        var ra = new RaCredential(credential.Record.IssuerId, credential.CaName, credential.Certificate, credential.CaChain);
        _byRecord[credential.Record.Id] = ra;
        return ra;
    }
}
