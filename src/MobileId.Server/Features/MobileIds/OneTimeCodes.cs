using System.Security.Cryptography;
using System.Text;

namespace MobileId.Server.Features.MobileIds;

/// <summary>
/// The single-use numeric codes that secure a collection (PRODUCT.md §5.2): cryptographically
/// random, shown in groups of four (<c>1234 5678</c>), typed with or without spaces, and kept only
/// as a salted PBKDF2 hash.
/// </summary>
public static class OneTimeCodes
{
    /// <summary>
    /// PBKDF2-HMAC-SHA256 iterations of the stored hash (about 7 ms per check): with 10^8 possible
    /// 8-digit codes, guessing one from a stolen database costs days of CPU, while the code expires
    /// and locks after a few wrong tries online.
    /// </summary>
    public const int HashIterations = 20_000;

    /// <summary>A new code of the given number of digits.</summary>
    public static string Generate(int length)
    {
        var digits = new char[length];
        for (var i = 0; i < length; i++)
        {
            digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        }

        return new string(digits);
    }

    /// <summary>The code as shown: groups of four digits separated by a space.</summary>
    public static string Grouped(string code)
    {
        var builder = new StringBuilder(code.Length + (code.Length / 4));
        for (var i = 0; i < code.Length; i++)
        {
            if (i > 0 && i % 4 == 0)
            {
                builder.Append(' ');
            }

            builder.Append(code[i]);
        }

        return builder.ToString();
    }

    /// <summary>What the person typed without spaces and dashes; null when anything else than digits remains.</summary>
    public static string? Normalize(string? typed)
    {
        if (typed is null)
        {
            return null;
        }

        var digits = new string(typed.Where(c => c is not (' ' or '-' or '\u00A0')).ToArray());
        return digits.Length is > 0 and <= 32 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    public static (byte[] Hash, byte[] Salt) Hash(string code)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return (Derive(code, salt, HashIterations), salt);
    }

    public static bool Matches(string code, byte[] hash, byte[] salt) =>
        CryptographicOperations.FixedTimeEquals(Derive(code, salt, HashIterations), hash);

    private static byte[] Derive(string code, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.ASCII.GetBytes(code), salt, iterations, HashAlgorithmName.SHA256, 32);
}
