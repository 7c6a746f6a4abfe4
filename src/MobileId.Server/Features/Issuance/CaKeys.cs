using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Authority;
using MobileId.Pki.Keys;

namespace MobileId.Server.Features.Issuance;

/// <summary>A new CA's certificate and its key in the key store.</summary>
public sealed record NewCa(X509Certificate2 Certificate, ISigningKey Key) : IDisposable
{
    public void Dispose()
    {
        Certificate.Dispose();
        Key.Dispose();
    }
}

/// <summary>
/// Makes the built-in CAs: a root (self-signed) and issuing CAs under a root whose key is here. Part
/// of the built-in CA: it makes the CA keys and opens a parent's key to sign.
/// </summary>
public sealed class CaKeys(IKeyStore keys)
{
    /// <summary>The key store's kind (<c>software</c> or <c>pkcs11</c>), recorded with each CA.</summary>
    public string KeyStore => keys.Kind;

    /// <summary>A new root CA with a new key labelled <paramref name="name"/>.</summary>
    public NewCa CreateRoot(string name, KeyAlgorithm algorithm, X500DistinguishedName subject, DateTimeOffset notBefore, TimeSpan validity)
    {
        var key = keys.Generate(name, algorithm);
        return new NewCa(CertificateFactory.CreateRoot(key, subject, notBefore, validity), key);
    }

    /// <summary>A new issuing CA under <paramref name="parent"/> (its certificate and key), with a new key labelled <paramref name="name"/>.</summary>
    public NewCa CreateIssuing(X509Certificate2 parent, string parentKeyId, string name, KeyAlgorithm algorithm, X500DistinguishedName subject,
        DateTimeOffset notBefore, TimeSpan validity, CaUrls parentUrls)
    {
        using var parentKey = keys.Open(parentKeyId);
        var key = keys.Generate(name, algorithm);
        return new NewCa(CertificateFactory.CreateIssuing(parent, parentKey, key, subject, notBefore, validity, parentUrls), key);
    }

    /// <summary>Imports an existing CA's private key (PKCS#8) into the key store under <paramref name="name"/>.</summary>
    public ISigningKey Import(string name, ReadOnlySpan<byte> pkcs8) => keys.Import(name, pkcs8);
}
