using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MobileId.Server.Infrastructure;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>Host options under <c>MobileId</c>; see docs/configuration.md.</summary>
public sealed class MobileIdOptions
{
    public const string Section = "MobileId";

    /// <summary>Where the SQLite file, keys and mail pickup folder live; relative to the working directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    public DatabaseOptions Database { get; set; } = new();

    public string DataPath => Path.GetFullPath(DataDirectory);
}

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for PostgreSQL; for SQLite the default is <c>Data Source={DataDirectory}/mobileid.db</c>.</summary>
    public string? ConnectionString { get; set; }
}

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

/// <summary>Request limits of the REST API, under <c>MobileId:Api</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "MobileId:Api";

    /// <summary>Largest JSON body accepted (bytes).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest upload (photo, CSV) accepted (bytes).</summary>
    [Range(1024, 512 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 200;
}

internal sealed class MobileIdOptionsValidator : IValidateOptions<MobileIdOptions>
{
    public ValidateOptionsResult Validate(string? name, MobileIdOptions options)
    {
        if (!Enum.IsDefined(options.Database.Provider))
        {
            return ValidateOptionsResult.Fail("MobileId:Database:Provider must be Sqlite or PostgreSql.");
        }

        if (options.Database.Provider == DatabaseProvider.PostgreSql && string.IsNullOrWhiteSpace(options.Database.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                "MobileId:Database:ConnectionString is required when MobileId:Database:Provider is PostgreSql " +
                "(for example Host=db;Database=mobileid;Username=mobileid;Password=…).");
        }

        return ValidateOptionsResult.Success;
    }
}
