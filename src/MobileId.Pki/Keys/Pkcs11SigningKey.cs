using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace MobileId.Pki.Keys;

/// <summary>A key inside the token; signing goes to the token, the key never leaves it.</summary>
internal sealed class Pkcs11SigningKey(Pkcs11KeyStore store, string keyId, KeyAlgorithm algorithm, PublicKey publicKey,
    IObjectHandle privateKey) : ISigningKey
{
    public string KeyId { get; } = keyId;
    public KeyAlgorithm Algorithm { get; } = algorithm;
    public PublicKey PublicKey { get; } = publicKey;

    /// <summary>The token's handle of the private key (valid for every session of this process).</summary>
    internal IObjectHandle PrivateKey { get; } = privateKey;

    /// <remarks>
    /// Note: the hash is computed here and only the digest goes to the token (CKM_ECDSA, or
    /// CKM_RSA_PKCS over a DigestInfo, RFC 8017 §9.2), so a large CRL is not streamed to the HSM.
    /// </remarks>
    public byte[] SignData(ReadOnlySpan<byte> data, HashAlgorithmName hash)
    {
        var digest = Pkcs11Encoding.Hash(data, hash);
        if (Algorithm.IsEcdsa())
        {
            var raw = store.Run($"signing with key {KeyId}", session =>
            {
                using var ecdsa = Pkcs11Connection.Factories.MechanismFactory.Create(CKM.CKM_ECDSA);
                return session.Sign(ecdsa, PrivateKey, digest);
            });
            return Pkcs11Encoding.P1363ToDer(raw, Algorithm);
        }

        var digestInfo = Pkcs11Encoding.DigestInfo(digest, hash);
        return store.Run($"signing with key {KeyId}", session =>
        {
            using var rsa = Pkcs11Connection.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS);
            return session.Sign(rsa, PrivateKey, digestInfo);
        });
    }

    /// <summary>Nothing to release: the key stays in the token and the store owns the sessions.</summary>
    public void Dispose()
    {
    }
}
