using System.ComponentModel.DataAnnotations;

namespace MobileId.Server.Infrastructure;

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
