using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Issuance;

namespace MobileId.Server.Features.Ocsp;

/// <summary>OCSP answers under <c>MobileId:Ocsp</c>.</summary>
public sealed class OcspOptions
{
    public const string Section = "MobileId:Ocsp";

    /// <summary>nextUpdate − thisUpdate of each answer.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1440)]
    public int ResponseValidityMinutes { get; set; } = 60;

    /// <summary>Cache-Control max-age of GET answers (RFC 5019 §6.2); kept short so HTTP caches follow revocations.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 86400)]
    public int MaxAgeSeconds { get; set; } = 60;

    /// <summary>Lifetime of the delegated responder certificate; it is renewed when less than a third is left.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 90)]
    public int ResponderValidityDays { get; set; } = 7;
}
