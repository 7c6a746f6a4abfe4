using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Features.Crl;

/// <summary>CRL publication under <c>MobileId:Crl</c>.</summary>
public sealed class CrlOptions
{
    public const string Section = "MobileId:Crl";

    /// <summary>A new full CRL at least this often; nextUpdate is twice this after thisUpdate.</summary>
    [System.ComponentModel.DataAnnotations.Range(5, 10080)]
    public int FullIntervalMinutes { get; set; } = 1440;

    /// <summary>A new delta CRL at least this often; nextUpdate is twice this after thisUpdate.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1440)]
    public int DeltaIntervalMinutes { get; set; } = 60;

    /// <summary>After a revocation, new CRLs are published within this many seconds (changes in between are coalesced).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 3600)]
    public int CoalesceSeconds { get; set; } = 5;
}
