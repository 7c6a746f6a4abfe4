using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Pki.Revocation;
using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Features.Ocsp;

/// <summary>A signed answer and the times an HTTP cache needs.</summary>
public sealed record OcspAnswer(byte[] Der, DateTimeOffset? ThisUpdate, DateTimeOffset? NextUpdate)
{
    /// <summary>The malformedRequest error (RFC 6960 §2.3): unsigned, the same bytes every time.</summary>
    public static readonly OcspAnswer Malformed = new(OcspResponseBuilder.Error(OcspResponseStatus.MalformedRequest), null, null);

    private OcspHttpCache? _httpCache;

    /// <summary>
    /// Last-Modified, Expires and ETag of a signed answer (RFC 5019 §6.2), null for an error. Made on
    /// first use and kept: a cached answer is served many times and its headers do not change.
    /// </summary>
    public OcspHttpCache? HttpCache => ThisUpdate is not { } thisUpdate || NextUpdate is not { } nextUpdate
        ? null
        : _httpCache ??= new OcspHttpCache(
            thisUpdate.ToString("R", CultureInfo.InvariantCulture),
            nextUpdate.ToString("R", CultureInfo.InvariantCulture),
            "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Der)) + "\"");
}

/// <summary>HTTP cache headers of a signed OCSP answer.</summary>
public sealed record OcspHttpCache(string LastModified, string Expires, string ETag);

/// <summary>
/// The OCSP responder (RFC 6960, RFC 5019 profile): answers for every CA of this server with a
/// delegated responder certificate per CA (renewed automatically). Answers to requests without a
/// nonce are signed once and cached until the revocation epoch moves or they near nextUpdate.
/// </summary>
public sealed class OcspResponder(
    IServiceScopeFactory scopes, RevocationEpochWatcher epoch, TimeProvider time, IOptions<OcspOptions> options)
{
    private readonly ConcurrentDictionary<string, (long Epoch, OcspAnswer Answer)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(Guid CaId, string SerialHex), (long Epoch, CertificateState State)> _states = new();
    private readonly SemaphoreSlim _setup = new(1, 1);
    private volatile IReadOnlyList<Signer>? _signers;
    private long _loadedAtTicks;

    /// <summary>How long a request about an unknown issuer waits before it makes the signers load again.</summary>
    private static readonly TimeSpan ReloadAfter = TimeSpan.FromSeconds(5);

    /// <summary>Cache-Control of GET answers (RFC 5019 §6.2).</summary>
    public string CacheControl { get; } = $"max-age={options.Value.MaxAgeSeconds}, public, no-transform, must-revalidate";

    private sealed record CertificateState(CertificateStatus Status, DateTime? RevokedAt, int? RevocationReason);

    private sealed record Signer(Guid CaId, OcspIssuerId Issuer, OcspResponseBuilder Builder, DateTimeOffset RenewAfter);

    public async Task<OcspAnswer> RespondAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var parsed = OcspRequestParser.Parse(request.Span);
        if (!parsed.Succeeded)
        {
            return new OcspAnswer(OcspResponseBuilder.Error(parsed.Status), null, null);
        }

        var certIds = parsed.Request!.CertIds;
        var signers = await SignersAsync(cancellationToken);
        var (signer, status) = Pick(signers, certIds);
        if (status == OcspResponseStatus.Unauthorized && time.GetUtcNow().UtcTicks - Volatile.Read(ref _loadedAtTicks) > ReloadAfter.Ticks)
        {
            // Note: a CA made or imported on another node since the signers were loaded is not in the
            // list yet; look again, at most once per ReloadAfter, so that foreign requests cost nothing.
            _signers = null;
            (signer, status) = Pick(await SignersAsync(cancellationToken), certIds);
        }

        if (signer is null)
        {
            return new OcspAnswer(OcspResponseBuilder.Error(status), null, null);
        }

        var cacheable = parsed.Request.Nonce is null && certIds.Count == 1;
        var key = cacheable ? Convert.ToBase64String(certIds[0].Encoded.Span) : null;
        var currentEpoch = epoch.Current;
        var now = time.GetUtcNow();
        if (key is not null && currentEpoch >= 0 && _cache.TryGetValue(key, out var cached) && cached.Epoch == currentEpoch &&
            cached.Answer.NextUpdate - now > TimeSpan.FromMinutes(options.Value.ResponseValidityMinutes) / 2)
        {
            return cached.Answer;
        }

        var singles = await StatusesAsync(signer, certIds, currentEpoch, now, cancellationToken);
        var der = signer.Builder.Build(singles, now, parsed.Request.Nonce);
        var answer = new OcspAnswer(der, now, now.AddMinutes(options.Value.ResponseValidityMinutes));
        if (key is not null && currentEpoch >= 0)
        {
            _cache[key] = (currentEpoch, answer);
        }

        return answer;
    }

    /// <summary>
    /// Drops the list of signers, so that the next request loads the CAs again: called on this node
    /// after a CA was created or imported.
    /// </summary>
    public void AuthoritiesChanged() => _signers = null;

    /// <summary>The CA that answers for all of the request's certificates.</summary>
    private static (Signer? Signer, OcspResponseStatus Status) Pick(IReadOnlyList<Signer> signers, IReadOnlyList<OcspCertId> certIds)
    {
        Signer? signer = null;
        foreach (var certId in certIds)
        {
            var match = signers.FirstOrDefault(s => s.Issuer.Match(certId) == OcspIssuerMatch.Ours);
            if (match is null && signers.Any(s => s.Issuer.Match(certId) == OcspIssuerMatch.UnsupportedHash))
            {
                continue;
            }

            if (match is null || (signer is not null && match.CaId != signer.CaId))
            {
                // Note: one response has one signer; a request about another issuer's certificates
                // (or about two of our CAs at once) is not ours to answer (RFC 6960 §2.3).
                return (null, OcspResponseStatus.Unauthorized);
            }

            signer = match;
        }

        signer ??= signers.FirstOrDefault();
        return signer is null ? (null, OcspResponseStatus.TryLater) : (signer, OcspResponseStatus.Successful);
    }

    private async Task<List<OcspSingleResponse>> StatusesAsync(
        Signer signer, IReadOnlyList<OcspCertId> certIds, long currentEpoch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Note: the states of our certificates are kept per revocation epoch like the answers, so a
        // request with a nonce (signed for every request) costs a signature but no database query.
        // Serials that are not ours are not kept: the database is asked about them every time, and
        // the memory this takes stays bounded by the certificates this server issued.
        var found = new Dictionary<string, CertificateState>(certIds.Count, StringComparer.Ordinal);
        HashSet<string>? misses = null;
        foreach (var certId in certIds)
        {
            var serial = certId.SerialNumberHex;
            if (currentEpoch >= 0 && _states.TryGetValue((signer.CaId, serial), out var known) && known.Epoch == currentEpoch)
            {
                found[serial] = known.State;
            }
            else
            {
                (misses ??= new HashSet<string>(StringComparer.Ordinal)).Add(serial);
            }
        }

        if (misses is not null)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
            var rows = await db.IssuedCertificates.AsNoTracking()
                .Where(c => c.IssuerId == signer.CaId && misses.Contains(c.SerialHex))
                .Select(c => new { c.SerialHex, c.Status, c.RevokedAt, c.RevocationReason })
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                var state = new CertificateState(row.Status, row.RevokedAt, row.RevocationReason);
                found[row.SerialHex] = state;
                if (currentEpoch >= 0)
                {
                    _states[(signer.CaId, row.SerialHex)] = (currentEpoch, state);
                }
            }
        }

        var next = now.AddMinutes(options.Value.ResponseValidityMinutes);
        var singles = new List<OcspSingleResponse>(certIds.Count);
        foreach (var certId in certIds)
        {
            if (signer.Issuer.Match(certId) != OcspIssuerMatch.Ours || !found.TryGetValue(certId.SerialNumberHex, out var certificate))
            {
                // Documented choice (docs/pki.md): serials we never issued are "unknown" (RFC 6960 §2.2).
                singles.Add(OcspSingleResponse.Unknown(certId, now, next));
            }
            else if (certificate.Status == CertificateStatus.Valid)
            {
                singles.Add(OcspSingleResponse.Good(certId, now, next));
            }
            else
            {
                var reason = certificate.Status == CertificateStatus.OnHold
                    ? X509RevocationReason.CertificateHold
                    : (X509RevocationReason)(certificate.RevocationReason ?? 0);
                singles.Add(OcspSingleResponse.Revoked(certId, new DateTimeOffset(certificate.RevokedAt ?? now.UtcDateTime, TimeSpan.Zero), reason, now, next));
            }
        }

        return singles;
    }

    private async Task<IReadOnlyList<Signer>> SignersAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = _signers;
        if (current is not null && current.All(s => s.RenewAfter > now))
        {
            return current;
        }

        await _setup.WaitAsync(cancellationToken);
        try
        {
            current = _signers;
            if (current is not null && current.All(s => s.RenewAfter > now))
            {
                return current;
            }

            _signers = current = await LoadSignersAsync(now, cancellationToken);
            Volatile.Write(ref _loadedAtTicks, now.UtcTicks);
            return current;
        }
        finally
        {
            _setup.Release();
        }
    }

    /// <summary>
    /// The signer of each CA that publishes revocation information: its delegated responder
    /// certificate and key from the issuance seam, which issues a new one when less than a third is left.
    /// </summary>
    private async Task<IReadOnlyList<Signer>> LoadSignersAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
        var issuer = scope.ServiceProvider.GetRequiredService<ICertificateIssuer>();
        var validity = TimeSpan.FromDays(options.Value.ResponderValidityDays);
        var signers = new List<Signer>();
        foreach (var ca in await CaDirectory.PublishingRevocation(db, now).ToListAsync(cancellationToken))
        {
            var caCertificate = X509CertificateLoader.LoadCertificate(ca.CertificateDer);
            var responder = await issuer.ServiceCertificateAsync(new ServiceCertificateRequest(ca.Id, CertificatePurpose.OcspResponder, validity), cancellationToken);
            var builder = new OcspResponseBuilder(responder.Key!, responder.Certificate);
            var renewAfter = new DateTimeOffset(responder.Record.NotAfter, TimeSpan.Zero) - validity / 3;
            signers.Add(new Signer(ca.Id, OcspIssuerId.Create(caCertificate), builder, renewAfter));
        }

        return signers;
    }
}
