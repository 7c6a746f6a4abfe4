using System.Security.Cryptography;
using System.Text;
using MobileId.Pki.Keys;

namespace MobileId.Server.Features.MobileIds;

/// <summary>
/// Finds the request of a SCEP/EST challenge. A protocol client sends the one-time code alone, so
/// each code released for a profile with <b>Require Challenge</b> also gets a lookup value:
/// HMAC-SHA256 under a server secret (kept wrapped under the KEK), which is useless for guessing
/// codes offline without the key store. The PBKDF2 hash stays the check of the code itself.
/// </summary>
public sealed class ChallengeCodes(IServiceScopeFactory scopes, IKeyStore keys, TimeProvider time)
{
    private const string SecretName = "challenge-lookup";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    /// <summary>The lookup value of a code (digits only, as <see cref="OneTimeCodes.Normalize"/> gives).</summary>
    public async Task<byte[]> LookupAsync(string code, CancellationToken cancellationToken) =>
        HMACSHA256.HashData(await KeyAsync(cancellationToken), Encoding.ASCII.GetBytes(code));

    /// <summary>
    /// Puts a new one-time code on a request (hash, salt, expiry; and for <paramref name="lookup"/>,
    /// a lookup value no other open request has) and returns it; the caller saves.
    /// </summary>
    public async Task<string> ReleaseAsync(MobileIdDbContext db, MobileIdentity mobileId, int length, bool lookup, DateTime expiresAt,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var code = OneTimeCodes.Generate(length);
            if (lookup)
            {
                var value = await LookupAsync(code, cancellationToken);
                if (await db.MobileIdentities.AnyAsync(m => m.CodeLookup == value && m.Id != mobileId.Id
                        && (m.Status == MobileIdStatus.ReadyToCollect || m.Status == MobileIdStatus.Collecting || m.Status == MobileIdStatus.AwaitingValidation),
                        cancellationToken))
                {
                    continue;
                }

                mobileId.CodeLookup = value;
            }

            (mobileId.CodeHash, mobileId.CodeSalt) = OneTimeCodes.Hash(code);
            mobileId.CodeExpiresAt = expiresAt;
            mobileId.CodeFailures = 0;
            return code;
        }
    }

    private async Task<byte[]> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_key is null)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MobileIdDbContext>();
                var record = await db.ServerSecrets.AsNoTracking().SingleOrDefaultAsync(s => s.Name == SecretName, cancellationToken);
                if (record is null)
                {
                    var secret = RandomNumberGenerator.GetBytes(32);
                    db.ServerSecrets.Add(new ServerSecret { Name = SecretName, Wrapped = keys.Wrap(secret, Context), CreatedAt = time.GetUtcNow().UtcDateTime });
                    try
                    {
                        // Commit: the new wrapped secret on its own (its own scope); the unique name makes a second node's insert fail, and that node reads ours.
                        await db.SaveChangesAsync(cancellationToken);
                        _key = secret;
                        return secret;
                    }
                    catch (DbUpdateException)
                    {
                        // Note: another node made it first; use theirs.
                        db.ChangeTracker.Clear();
                        record = await db.ServerSecrets.AsNoTracking().SingleAsync(s => s.Name == SecretName, cancellationToken);
                    }
                }

                _key = keys.Unwrap(record.Wrapped, Context);
            }

            return _key;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string Context => "secret:" + SecretName;
}
