using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Protocols;

namespace MobileId.Server.Features.Ota;

/// <summary>iOS over-the-air enrolment options, under <c>MobileId:Ota</c>; see docs/configuration.md.</summary>
public sealed class OtaOptions
{
    public const string Section = "MobileId:Ota";

    /// <summary>
    /// A plain-text file whose text the enrol page shows above the steps (escaped; blank lines
    /// separate paragraphs). Read on each request, so it can be edited while the server runs.
    /// </summary>
    public string? IntroductionFile { get; set; }

    /// <summary>
    /// The certificate that signs the profiles: a PKCS#12 file (.pfx/.p12) or a PEM file with the
    /// certificate, its chain and its private key. Without it the CA's registration authority signs.
    /// </summary>
    public string? SigningCertificate { get; set; }

    /// <summary>The password of the PKCS#12 file, or of an encrypted PEM private key.</summary>
    public string? SigningCertificatePassword { get; set; }
}
