using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MobileId.Pki.Keys;

/// <summary>
/// Subject key pairs made on the server (for policies whose keys are not made on the device) and
/// the PKCS#12 files that carry such a key with its certificate.
/// </summary>
public static class KeyPackages
{
    /// <summary>PBKDF2 iterations for the PKCS#12 key bag, certificate bag and MAC: three of these stay under .NET's default load limit of 600,000.</summary>
    public const int Pkcs12Iterations = 100_000;

    /// <summary>The shortest password accepted for a PKCS#12 file that carries a private key (the server's and the agent's rule).</summary>
    public const int MinimumPkcs12PasswordLength = 12;

    /// <summary>Makes a new subject key pair.</summary>
    /// <param name="algorithm">The algorithm and size the policy asks for.</param>
    /// <returns>The key; the caller disposes it.</returns>
    public static AsymmetricAlgorithm Generate(KeyAlgorithm algorithm) =>
        algorithm.IsEcdsa() ? ECDsa.Create(algorithm.Curve()) : RSA.Create(algorithm.RsaBits());

    /// <summary>Loads a PKCS#8 private key (RSA or EC).</summary>
    /// <param name="pkcs8">The key.</param>
    /// <returns>The key; the caller disposes it.</returns>
    /// <exception cref="CryptographicException">The bytes are not an RSA or EC PKCS#8 key.</exception>
    public static AsymmetricAlgorithm FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        // PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm AlgorithmIdentifier, privateKey, ... } (RFC 5208 §5).
        string algorithm;
        try
        {
            var info = new AsnReader(pkcs8.ToArray(), AsnEncodingRules.BER).ReadSequence();
            info.ReadInteger();
            algorithm = info.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException("The key is not a PKCS#8 private key.", ex);
        }

        AsymmetricAlgorithm key = algorithm switch
        {
            "1.2.840.10045.2.1" => ECDsa.Create(),
            "1.2.840.113549.1.1.1" => RSA.Create(),
            var other => throw new CryptographicException($"The archived key's algorithm {other} is neither RSA nor EC."),
        };
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return key;
    }

    /// <summary>Why a password does not protect a PKCS#12 file that carries a private key, or null when it does.</summary>
    /// <param name="password">The password, or null when none was given.</param>
    /// <returns>The message to show, or null.</returns>
    public static string? Pkcs12PasswordProblem(string? password) => password is null || password.Length < MinimumPkcs12PasswordLength
        ? $"A password of at least {MinimumPkcs12PasswordLength} characters is required: it protects the PKCS#12 file that carries the private key."
        : null;

    /// <summary>
    /// A PKCS#12 file with the certificate, its private key and the issuer chain, encrypted with
    /// AES-256-CBC under PBKDF2-HMAC-SHA256 (PBES2, RFC 8018) and protected by an HMAC-SHA256 MAC.
    /// </summary>
    /// <param name="certificateDer">The certificate.</param>
    /// <param name="key">Its private key.</param>
    /// <param name="chain">The issuing CA and its parents, nearest first.</param>
    /// <param name="password">The file's password.</param>
    /// <returns>The PKCS#12 bytes.</returns>
    public static byte[] Pkcs12(byte[] certificateDer, AsymmetricAlgorithm key, IEnumerable<byte[]> chain, string password)
    {
        using var certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        using var withKey = key switch
        {
            ECDsa ec when IsKeyAgreementOnly(certificate) => WithEcdhKey(certificate, ec),
            ECDsa ec => certificate.CopyWithPrivateKey(ec),
            RSA rsa => certificate.CopyWithPrivateKey(rsa),
            _ => throw new CryptographicException("Only RSA and ECDSA keys are packaged."),
        };
        var collection = new X509Certificate2Collection(withKey);
        foreach (var der in chain)
        {
            collection.Add(X509CertificateLoader.LoadCertificate(der));
        }

        try
        {
            return collection.ExportPkcs12(new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Pkcs12Iterations), password);
        }
        finally
        {
            foreach (var item in collection.Skip(1))
            {
                item.Dispose();
            }
        }
    }

    /// <summary>An EC certificate for key agreement only: .NET pairs it with an ECDH key, not an ECDSA one.</summary>
    private static bool IsKeyAgreementOnly(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509KeyUsageExtension>().SingleOrDefault() is { } usage
        && (usage.KeyUsages & X509KeyUsageFlags.KeyAgreement) != 0
        && (usage.KeyUsages & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) == 0;

    private static X509Certificate2 WithEcdhKey(X509Certificate2 certificate, ECDsa key)
    {
        var parameters = key.ExportParameters(includePrivateParameters: true);
        try
        {
            using var ecdh = ECDiffieHellman.Create(parameters);
            return certificate.CopyWithPrivateKey(ecdh);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }
}
