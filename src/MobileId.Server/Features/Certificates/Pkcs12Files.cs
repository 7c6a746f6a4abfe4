using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Server.Features.Certificates;

/// <summary>
/// Reads a PKCS#12 (PFX/P12) file sent as base64 with its password, within .NET's limits for
/// untrusted files (STANDARDS.md §9). A file that is not PKCS#12 and a wrong password get
/// different, clear messages, on the fields <c>pfx</c> and <c>password</c>.
/// </summary>
internal static class Pkcs12Files
{
    /// <summary>Loads every certificate of the file, with its private key where it has one (exportable, never persisted).</summary>
    /// <returns>The certificates (the caller disposes them), or the problem.</returns>
    public static Result<X509Certificate2Collection> Load(string? base64, string? password)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64 ?? "");
        }
        catch (FormatException)
        {
            return AppError.Validation("pfx", "The PFX file must be sent as base64.");
        }

        if (!LooksLikePkcs12(bytes))
        {
            return AppError.Validation("pfx", "The file is not a PKCS#12 (PFX/P12) file.");
        }

        try
        {
            return X509CertificateLoader.LoadPkcs12Collection(bytes, password ?? "", X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Pkcs12LoadLimitExceededException)
        {
            return AppError.Validation("pfx", "The PFX file uses more key-derivation iterations than MobileId accepts; export it again with standard settings.");
        }
        catch (CryptographicException)
        {
            return AppError.Validation("password", "The password does not open this PFX file.");
        }
    }

    /// <summary>PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (data or signedData), macData OPTIONAL } (RFC 7292 §4).</summary>
    internal static bool LooksLikePkcs12(byte[] bytes)
    {
        try
        {
            var pfx = new AsnReader(bytes, AsnEncodingRules.BER).ReadSequence();
            if (!pfx.TryReadInt32(out var version) || version != 3)
            {
                return false;
            }

            var contentType = pfx.ReadSequence().ReadObjectIdentifier();
            return contentType is "1.2.840.113549.1.7.1" or "1.2.840.113549.1.7.2";
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
