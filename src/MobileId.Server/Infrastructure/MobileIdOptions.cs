using System.ComponentModel.DataAnnotations;

namespace MobileId.Server.Infrastructure;

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
