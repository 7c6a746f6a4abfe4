using System.Security.Cryptography;
using MobileId.Server.Features.MobileIds;

namespace MobileId.Server.Features.Profiles;

/// <summary>A profile's static SCEP/EST challenge (PBKDF2-HMAC-SHA256, as one-time codes are kept).</summary>
public static class StaticChallenges
{
    /// <summary>The shortest static challenge: it is long-lived and shared with an MDM, so it must not be guessable.</summary>
    public const int MinimumLength = 16;

    public static (byte[] Hash, byte[] Salt) Hash(string challenge)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return (Derive(challenge, salt), salt);
    }

    public static bool Matches(string challenge, byte[] hash, byte[] salt) => CryptographicOperations.FixedTimeEquals(Derive(challenge, salt), hash);

    private static byte[] Derive(string challenge, byte[] salt) =>
        Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(challenge), salt, OneTimeCodes.HashIterations, HashAlgorithmName.SHA256, 32);
}
