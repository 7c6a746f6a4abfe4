using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MobileId.Server.Features.Protocols;

namespace MobileId.Server.Features.Ota;

/// <summary>The profile signing certificate (with its private key) and the certificates to send with it.</summary>
public sealed record OtaSigningCredential(X509Certificate2 Certificate, X509Certificate2Collection Chain);

/// <summary>
/// Signs iOS configuration profiles as attached CMS SignedData with the signer's chain (Apple:
/// an unsigned or chainless profile shows as "Unverified"). The signer is the operator's
/// certificate (<see cref="OtaOptions.SigningCertificate"/>) or else the registration authority
/// of the CA that SCEP serves: an RSA certificate issued by that CA, so a device that trusts the
/// CA's root shows the profile as Verified.
/// </summary>
public sealed class OtaSigner(IOptions<OtaOptions> options, RegistrationAuthorities authorities, TimeProvider time)
{
    private readonly Lazy<OtaSigningCredential?> _configured = new(() => Load(options.Value));

    /// <summary>Signs <paramref name="content"/> with the operator's certificate, or with the RA of <paramref name="issuerId"/>.</summary>
    public async Task<byte[]> SignAsync(byte[] content, Guid issuerId, CancellationToken cancellationToken)
    {
        var credential = _configured.Value;
        if (credential is null)
        {
            var ra = await authorities.ForAsync(issuerId, cancellationToken);
            credential = new OtaSigningCredential(ra.Certificate, [.. ra.CaChain.Select(X509CertificateLoader.LoadCertificate)]);
        }

        var cms = new SignedCms(new ContentInfo(content), detached: false);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, credential.Certificate)
        {
            IncludeOption = X509IncludeOption.EndCertOnly,
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"),
        };
        signer.Certificates.AddRange(credential.Chain);
        signer.SignedAttributes.Add(new Pkcs9SigningTime(time.GetUtcNow().UtcDateTime));
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
    }

    /// <summary>Loads the operator's signing certificate; null when none is configured. Throws a message that names the option when it cannot be used.</summary>
    internal static OtaSigningCredential? Load(OtaOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.SigningCertificate))
        {
            return null;
        }

        var path = options.SigningCertificate;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"MobileId:Ota:SigningCertificate names {path}, which does not exist.");
        }

        try
        {
            X509Certificate2Collection all;
            if (File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal))
            {
                all = [];
                all.ImportFromPemFile(path);
                var withKey = string.IsNullOrEmpty(options.SigningCertificatePassword)
                    ? X509Certificate2.CreateFromPemFile(path)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, options.SigningCertificatePassword);
                all[0] = withKey;
            }
            else
            {
                all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, options.SigningCertificatePassword);
            }

            var certificate = all.FirstOrDefault(c => c.HasPrivateKey)
                ?? throw new InvalidOperationException($"MobileId:Ota:SigningCertificate ({path}) holds no private key for its certificate.");
            X509Certificate2Collection chain = [.. all.Where(c => !ReferenceEquals(c, certificate))];
            return new OtaSigningCredential(certificate, chain);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"MobileId:Ota:SigningCertificate ({path}) cannot be read: {e.Message} (is MobileId:Ota:SigningCertificatePassword right?)", e);
        }
    }
}
