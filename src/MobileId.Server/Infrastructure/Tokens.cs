using System.Security.Cryptography;

namespace MobileId.Server.Infrastructure;

/// <summary>Random tokens for URLs and bearer use.</summary>
public static class Tokens
{
    /// <summary>A new token of <paramref name="bytes"/> random bytes as unpadded base64url.</summary>
    public static string NewUrlSafe(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
