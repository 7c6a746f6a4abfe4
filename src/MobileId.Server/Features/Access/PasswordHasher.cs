using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Features.Access;

/// <summary>
/// Password hashes with PBKDF2-HMAC-SHA256 (NIST SP 800-132), stored as
/// <c>pbkdf2-sha256$iterations$salt$hash</c> so that the iteration count can rise over time.
/// </summary>
public sealed class PasswordHasher(IOptions<SecurityOptions> options)
{
    private const string Prefix = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public string Hash(string password)
    {
        var iterations = options.Value.PasswordIterations;
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Prefix, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    public bool Verify(string? stored, string password)
    {
        if (stored is null)
        {
            // Note: still spend the time of one hash so that unknown logons are not faster to reject.
            Rfc2898DeriveBytes.Pbkdf2(password, new byte[SaltBytes], options.Value.PasswordIterations, HashAlgorithmName.SHA256, HashBytes);
            return false;
        }

        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Prefix || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations))
        {
            return false;
        }

        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A random password for a new account: 20 characters from an unambiguous alphabet (~110 bits).</summary>
    public static string Generate()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }
}

/// <summary>
/// API client bearer secrets: <c>mid_{client id}_{43 characters of base64url}</c>. The server keeps
/// only the SHA-256 of the random part.
/// </summary>
public static class ApiClientSecrets
{
    private const string Prefix = "mid_";

    public static (string Token, byte[] Hash) Create(Guid clientId)
    {
        var secret = Tokens.NewUrlSafe(32);
        return ($"{Prefix}{clientId:N}_{secret}", SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(secret)));
    }

    public static bool TryParse(string token, out Guid clientId, out byte[] secretHash)
    {
        clientId = Guid.Empty;
        secretHash = [];
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length != Prefix.Length + 32 + 1 + 43 || token[Prefix.Length + 32] != '_')
        {
            return false;
        }

        if (!Guid.TryParseExact(token.AsSpan(Prefix.Length, 32), "N", out clientId))
        {
            return false;
        }

        secretHash = SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token[(Prefix.Length + 33)..]));
        return true;
    }
}
