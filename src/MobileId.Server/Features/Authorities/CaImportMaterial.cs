using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Server.Features.Certificates;

namespace MobileId.Server.Features.Authorities;

/// <summary>An existing CA to import: a PKCS#12 file with its password, or a PEM key and chain.</summary>
/// <param name="Name">The URL name it gets here (<c>/pki/ca/{name}.crt</c>).</param>
/// <param name="Pfx">The PKCS#12 (PFX/P12) file as base64, holding the CA's key, its certificate and its parents'.</param>
/// <param name="Password">The PFX password, or the password of an encrypted PKCS#8 <paramref name="KeyPem"/>.</param>
/// <param name="KeyPem">The CA's key: PEM PKCS#8 (<c>PRIVATE KEY</c>, <c>ENCRYPTED PRIVATE KEY</c>) or traditional (<c>RSA PRIVATE KEY</c>, <c>EC PRIVATE KEY</c>).</param>
/// <param name="ChainPem">PEM certificates: the CA's first, then its parents up to the root.</param>
public sealed record ImportCaRequest(string? Name, string? Pfx, string? Password, string? KeyPem, string? ChainPem);

/// <summary>
/// The key and certificates of a CA to import, read from PKCS#12 or PEM and checked: the key is one
/// MobileId signs with and belongs to the certificate; the certificate is a CA's (RFC 5280 §4.2.1.9
/// basicConstraints, §4.2.1.3 keyCertSign and cRLSign, §4.2.1.2 SKI) and valid now; the chain
/// verifies up to a self-signed root. Problems name the field they come from.
/// </summary>
internal sealed class CaImportMaterial : IDisposable
{
    private const string Algorithms = "MobileId CAs use RSA 2048, 3072 or 4096, or ECDSA P-256 or P-384.";
    private const string EcOid = "1.2.840.10045.2.1";
    private const string RsaOid = "1.2.840.113549.1.1.1";

    private readonly List<X509Certificate2> _sent;
    private readonly List<X509Certificate2> _parents = [];

    private CaImportMaterial(AsymmetricAlgorithm key, KeyAlgorithm algorithm, X509Certificate2 certificate, List<X509Certificate2> sent, bool pfx)
    {
        Key = key;
        Algorithm = algorithm;
        Certificate = certificate;
        _sent = sent;
        KeyField = pfx ? "pfx" : "keyPem";
        ChainField = pfx ? "pfx" : "chainPem";
    }

    public AsymmetricAlgorithm Key { get; }
    public KeyAlgorithm Algorithm { get; }
    public X509Certificate2 Certificate { get; }

    /// <summary>The request field that problems with the key are reported on.</summary>
    public string KeyField { get; }

    /// <summary>The request field that problems with the certificates are reported on.</summary>
    public string ChainField { get; }

    /// <summary>After <see cref="VerifyChain"/>: the CA's issuer, its issuer and so on up to the self-signed root.</summary>
    public IReadOnlyList<X509Certificate2> Parents => _parents;

    /// <summary>Reads the request's key and certificates; checks the key's algorithm and that it belongs to the certificate.</summary>
    public static Result<CaImportMaterial> Read(ImportCaRequest request)
    {
        var pfx = !string.IsNullOrEmpty(request.Pfx);
        if (pfx == (!string.IsNullOrEmpty(request.KeyPem) || !string.IsNullOrEmpty(request.ChainPem)))
        {
            return AppError.Validation("pfx", "Send the CA either as pfx (a base64 PKCS#12 file, with its password) or as keyPem and chainPem.");
        }

        return pfx ? FromPfx(request.Pfx, request.Password) : FromPem(request.KeyPem, request.ChainPem, request.Password);
    }

    /// <summary>Checks that the certificate is a CA's that may sign certificates and CRLs, and that it is valid now.</summary>
    public AppError? CheckCertificate(DateTimeOffset now)
    {
        var subject = Certificate.Subject;
        var usage = Certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages ?? X509KeyUsageFlags.None;
        var problem = true switch
        {
            _ when Certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true } =>
                $"'{subject}' is not a CA certificate: its basicConstraints do not say cA=TRUE (RFC 5280 §4.2.1.9).",
            _ when !usage.HasFlag(X509KeyUsageFlags.KeyCertSign) =>
                $"'{subject}' may not sign certificates: its keyUsage lacks keyCertSign (RFC 5280 §4.2.1.3).",
            _ when !usage.HasFlag(X509KeyUsageFlags.CrlSign) =>
                $"'{subject}' may not sign CRLs: its keyUsage lacks cRLSign, and this server publishes the CRLs of the CAs whose keys it holds.",
            _ when !Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any() =>
                $"'{subject}' has no subjectKeyIdentifier, which RFC 5280 §4.2.1.2 requires of a CA; the authorityKeyIdentifier of what it signs is made from it.",
            _ when now.UtcDateTime < Certificate.NotBefore.ToUniversalTime() => $"'{subject}' is not valid until {Certificate.NotBefore.ToUniversalTime():u}.",
            _ when now.UtcDateTime > Certificate.NotAfter.ToUniversalTime() => $"'{subject}' expired on {Certificate.NotAfter.ToUniversalTime():u}.",
            _ => null,
        };
        return problem is null ? null : AppError.Validation(ChainField, problem);
    }

    /// <summary>
    /// Verifies the chain from the certificate up to a self-signed root, with the certificates sent
    /// along and those this server has; fills <see cref="Parents"/>. Revocation is not checked (the
    /// parents' CRLs need not be reachable from here), nor is anything fetched.
    /// </summary>
    public AppError? VerifyChain(IEnumerable<X509Certificate2> serverCertificates, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        foreach (var certificate in _sent.Concat(serverCertificates).Append(Certificate))
        {
            (IsSelfIssued(certificate) ? policy.CustomTrustStore : policy.ExtraStore).Add(certificate);
        }

        var built = chain.Build(Certificate);
        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        string? problem = null;
        if (!built)
        {
            problem = chain.ChainElements
                .SelectMany(e => e.ChainElementStatus.Select(s => Describe(e.Certificate, s)))
                .FirstOrDefault(p => p is not null)
                ?? "The chain does not verify: " + string.Join(" ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
        }

        foreach (var (element, index) in elements.Select((e, i) => (e, i)))
        {
            if (problem is null && index > 0)
            {
                _parents.Add(element);
            }
            else
            {
                element.Dispose();
            }
        }

        return problem is null ? null : AppError.Validation(ChainField, problem);
    }

    /// <summary>Subject and issuer are the same name: a root (whose signature the chain does not need).</summary>
    public static bool IsSelfIssued(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    public void Dispose()
    {
        Key.Dispose();
        Certificate.Dispose();
        foreach (var certificate in _sent.Concat(_parents))
        {
            certificate.Dispose();
        }
    }

    private static string? Describe(X509Certificate2 certificate, X509ChainStatus status) => status.Status switch
    {
        X509ChainStatusFlags.NoError => null,
        X509ChainStatusFlags.PartialChain or X509ChainStatusFlags.UntrustedRoot =>
            $"The chain stops at '{certificate.Subject}' and does not reach a self-signed root: send the CA certificate first, then each parent up to the root.",
        X509ChainStatusFlags.NotTimeValid =>
            $"'{certificate.Subject}' in the chain is not valid now (from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}).",
        X509ChainStatusFlags.NotSignatureValid => $"The signature on '{certificate.Subject}' does not verify with its issuer's key.",
        X509ChainStatusFlags.InvalidBasicConstraints => $"'{certificate.Subject}' may not act as a CA in this chain (basicConstraints, RFC 5280 §4.2.1.9).",
        _ => $"'{certificate.Subject}': {status.StatusInformation.Trim()}",
    };

    private static Result<CaImportMaterial> FromPfx(string? pfx, string? password)
    {
        var loaded = Pkcs12Files.Load(pfx, password);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }

        var all = loaded.Value.ToList();
        var withKey = all.Where(c => c.HasPrivateKey).ToList();
        AsymmetricAlgorithm? key = withKey.Count == 1 ? (AsymmetricAlgorithm?)withKey[0].GetECDsaPrivateKey() ?? withKey[0].GetRSAPrivateKey() : null;
        if (key is null)
        {
            all.ForEach(c => c.Dispose());
            return AppError.Validation("pfx", withKey.Count switch
            {
                0 => "The PFX file holds no private key; a CA is imported with its key.",
                1 => "The PFX file's key is neither RSA nor ECDSA. " + Algorithms,
                var n => $"The PFX file holds {n} private keys; export the CA's key with its chain alone.",
            });
        }

        return Checked(key, withKey[0], all.Where(c => c != withKey[0]).ToList(), pfx: true);
    }

    private static Result<CaImportMaterial> FromPem(string? keyPem, string? chainPem, string? password)
    {
        if (string.IsNullOrWhiteSpace(keyPem))
        {
            return AppError.Validation("keyPem", "Send the CA's private key as PEM in keyPem, with its certificates in chainPem.");
        }

        if (string.IsNullOrWhiteSpace(chainPem))
        {
            return AppError.Validation("chainPem", "Send the CA certificate and its parents as PEM in chainPem, with the key in keyPem.");
        }

        var certificates = new List<X509Certificate2>();
        foreach (var (label, der) in PemBlocks(chainPem).Where(b => b.Label == "CERTIFICATE"))
        {
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(der));
            }
            catch (CryptographicException)
            {
                certificates.ForEach(c => c.Dispose());
                return AppError.Validation("chainPem", $"Certificate {certificates.Count + 1} in chainPem is not an X.509 certificate.");
            }
        }

        if (certificates.Count == 0)
        {
            return AppError.Validation("chainPem", "chainPem holds no certificate: send the CA certificate first, then its parents, as PEM CERTIFICATE blocks.");
        }

        var key = ReadKey(keyPem, password);
        if (!key.IsSuccess)
        {
            certificates.ForEach(c => c.Dispose());
            return key.Error;
        }

        return Checked(key.Value, certificates[0], certificates.Skip(1).ToList(), pfx: false);
    }

    private static Result<CaImportMaterial> Checked(AsymmetricAlgorithm key, X509Certificate2 certificate, List<X509Certificate2> sent, bool pfx)
    {
        var field = pfx ? "pfx" : "keyPem";
        string? problem = null;
        var algorithm = KeyAlgorithms.Of(key);
        if (algorithm is null)
        {
            problem = $"The CA key is {KeyAlgorithms.Describe(key)}. {Algorithms}";
        }
        else if (!BelongsTo(key, certificate))
        {
            problem = $"The private key does not belong to the certificate '{certificate.Subject}'.";
        }

        if (problem is not null)
        {
            key.Dispose();
            certificate.Dispose();
            sent.ForEach(c => c.Dispose());
            return AppError.Validation(field, problem);
        }

        return new CaImportMaterial(key, algorithm!.Value, certificate, sent, pfx);
    }

    private static bool BelongsTo(AsymmetricAlgorithm key, X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm? certificateKey = key is ECDsa ? certificate.GetECDsaPublicKey() : certificate.GetRSAPublicKey();
        return certificateKey is not null && certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The first private key in the PEM text, in any of the forms OpenSSL writes (except its legacy encryption).</summary>
    private static Result<AsymmetricAlgorithm> ReadKey(string pem, string? password)
    {
        if (pem.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            return AppError.Validation("keyPem",
                "The key is encrypted the legacy OpenSSL way (Proc-Type: 4,ENCRYPTED), which MobileId does not read; convert it to encrypted PKCS#8 with: openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem");
        }

        foreach (var (label, der) in PemBlocks(pem))
        {
            try
            {
                switch (label)
                {
                    case "PRIVATE KEY":
                        return FromPkcs8(der, password: null);
                    case "ENCRYPTED PRIVATE KEY" when string.IsNullOrEmpty(password):
                        return AppError.Validation("password", "The key is encrypted; send its password.");
                    case "ENCRYPTED PRIVATE KEY":
                        return FromPkcs8(der, password);
                    case "RSA PRIVATE KEY":
                        var rsa = RSA.Create();
                        return Import(rsa, () => rsa.ImportRSAPrivateKey(der, out _), "The RSA PRIVATE KEY is not a PKCS#1 RSA key.");
                    case "EC PRIVATE KEY":
                        var ec = ECDsa.Create();
                        return Import(ec, () => ec.ImportECPrivateKey(der, out _), "The EC PRIVATE KEY is not an SEC 1 EC key on a curve MobileId knows. " + Algorithms);
                    default:
                        // Note: "openssl ecparam -genkey" writes EC PARAMETERS before the key; other blocks are skipped too.
                        continue;
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(der);
            }
        }

        return AppError.Validation("keyPem", "keyPem holds no private key: send a PEM PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY.");
    }

    /// <summary>A PKCS#8 key (RFC 5208), encrypted (RFC 5958 §3) when a password is given.</summary>
    private static Result<AsymmetricAlgorithm> FromPkcs8(byte[] der, string? password)
    {
        var ec = ECDsa.Create();
        if (TryImportPkcs8(ec, der, password))
        {
            return ec;
        }

        ec.Dispose();
        var rsa = RSA.Create();
        if (TryImportPkcs8(rsa, der, password))
        {
            return rsa;
        }

        rsa.Dispose();
        if (password is not null)
        {
            // Note: without System.Security.Cryptography.Pkcs a wrong password cannot be told from a
            // key of another algorithm behind a right one; the password is by far the likelier cause.
            return AppError.Validation("password", "The password does not decrypt the key.");
        }

        return AppError.Validation("keyPem", Pkcs8Algorithm(der) switch
        {
            null => "The PRIVATE KEY is not a PKCS#8 key.",
            EcOid => "The EC key is on a curve MobileId does not know. " + Algorithms,
            var oid => $"The key's algorithm is {new Oid(oid).FriendlyName ?? oid}. {Algorithms}",
        });
    }

    private static bool TryImportPkcs8(AsymmetricAlgorithm key, byte[] der, string? password)
    {
        try
        {
            if (password is null)
            {
                key.ImportPkcs8PrivateKey(der, out _);
            }
            else
            {
                key.ImportEncryptedPkcs8PrivateKey(password, der, out _);
            }

            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm AlgorithmIdentifier, privateKey, … } (RFC 5208 §5).</summary>
    private static string? Pkcs8Algorithm(byte[] der)
    {
        try
        {
            var info = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
            info.ReadInteger();
            return info.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static Result<AsymmetricAlgorithm> Import(AsymmetricAlgorithm key, Action import, string problem)
    {
        try
        {
            import();
            return key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
            return AppError.Validation("keyPem", problem);
        }
    }

    private static IEnumerable<(string Label, byte[] Der)> PemBlocks(string pem)
    {
        var rest = pem;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            yield return (rest[fields.Label], Convert.FromBase64String(rest[fields.Base64Data]));
            rest = rest[fields.Location.End..];
        }
    }
}
