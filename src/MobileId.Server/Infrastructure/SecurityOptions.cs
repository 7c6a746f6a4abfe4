using System.ComponentModel.DataAnnotations;

namespace MobileId.Server.Infrastructure;

/// <summary>Sign-in and API security, under <c>MobileId:Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "MobileId:Security";

    /// <summary>PBKDF2-HMAC-SHA256 iterations for new password hashes (OWASP 2023: 600,000).</summary>
    [Range(100_000, 10_000_000)]
    public int PasswordIterations { get; set; } = 600_000;

    [Range(12, 128)]
    public int MinimumPasswordLength { get; set; } = 12;

    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>A console session ends after this many minutes without a request.</summary>
    [Range(1, 1440)]
    public int SessionIdleMinutes { get; set; } = 20;

    /// <summary>
    /// Sign-in with a client certificate (smart card, derived credential) on HTTPS: the server asks
    /// browsers for an optional certificate in the TLS handshake and the sign-in page offers it. Off by default.
    /// </summary>
    public bool ClientCertificateSignIn { get; set; }
}
