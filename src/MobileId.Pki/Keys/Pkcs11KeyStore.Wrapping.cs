using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace MobileId.Pki.Keys;

// Wrapping with AES-256-GCM under the token's key-encryption key (KEK), found or generated in the token.
public sealed partial class Pkcs11KeyStore
{
    private const string Magic = "MIDP1";
    private const int KekBytes = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <inheritdoc />
    /// <remarks>
    /// The blob is <c>MIDP1 | len | KEK CKA_ID | nonce(12) | ciphertext | tag(16)</c>; the header and
    /// the context are the GCM additional data, so both are authenticated (NIST SP 800-38D §5.2.1).
    /// </remarks>
    public byte[] Wrap(ReadOnlySpan<byte> plaintext, string context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = plaintext.ToArray();
        try
        {
            return Run<byte[]>("wrapping data", session =>
            {
                var (kekId, kek) = Kek(session);
                var header = Header(kekId);
                var nonce = RandomNumberGenerator.GetBytes(NonceSize);
                using var parameters = Pkcs11Connection.Factories.MechanismParamsFactory.CreateCkGcmParams(nonce, NonceSize * 8, Aad(header, context), TagSize * 8);
                using var gcm = Pkcs11Connection.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
                var sealedData = session.Encrypt(gcm, kek, data);
                return [.. header, .. nonce, .. sealedData];
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <inheritdoc />
    public byte[] Unwrap(ReadOnlySpan<byte> blob, string context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var magic = Encoding.ASCII.GetBytes(Magic);
        if (blob.Length < magic.Length + 1 || !blob[..magic.Length].SequenceEqual(magic)
            || blob.Length < magic.Length + 1 + blob[magic.Length] + NonceSize + TagSize)
        {
            throw new KeyStoreException("The data is not a MobileId PKCS#11 key-store blob.");
        }

        var kekId = blob.Slice(magic.Length + 1, blob[magic.Length]).ToArray();
        var header = blob[..(magic.Length + 1 + kekId.Length)].ToArray();
        var nonce = blob.Slice(header.Length, NonceSize).ToArray();
        var sealedData = blob[(header.Length + NonceSize)..].ToArray();
        return Run("unwrapping data", session =>
        {
            var kek = KekById(session, kekId);
            using var parameters = Pkcs11Connection.Factories.MechanismParamsFactory.CreateCkGcmParams(nonce, NonceSize * 8, Aad(header, context), TagSize * 8);
            using var gcm = Pkcs11Connection.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
            try
            {
                return session.Decrypt(gcm, kek, sealedData);
            }
            catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE or CKR.CKR_DATA_INVALID
                or CKR.CKR_GENERAL_ERROR)
            {
                // Note: PKCS#11 v2.40 reports a GCM tag mismatch as CKR_ENCRYPTED_DATA_INVALID;
                // SoftHSM2 2.6.1 answers CKR_GENERAL_ERROR instead.
                throw new KeyStoreException("The wrapped data does not decrypt: it was altered or is used out of context.", ex);
            }
        });
    }

    /// <summary>The key-encryption key, found by label or generated inside the token on first use.</summary>
    /// <remarks>
    /// Note: two servers sharing an HSM may both create one at the same moment; each blob names its
    /// KEK, and all servers pick the KEK with the lowest CKA_ID, so both keys keep working.
    /// </remarks>
    private (byte[] Id, IObjectHandle Handle) Kek(ISession session)
    {
        lock (_gate)
        {
            if (_kek is { } cached)
            {
                return cached;
            }

            var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
            var found = session.FindAllObjects([f.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), f.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
                    f.Create(CKA.CKA_LABEL, _options.KekLabel)])
                .Select(handle => (Id: session.GetAttributeValue(handle, [CKA.CKA_ID])[0].GetValueAsByteArray() ?? [], Handle: handle))
                .OrderBy(k => Convert.ToHexString(k.Id), StringComparer.Ordinal)
                .ToList();
            if (found.Count > 0)
            {
                _kek = found[0];
                return found[0];
            }

            var id = RandomNumberGenerator.GetBytes(16);
            using var generate = Pkcs11Connection.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
            var handle = session.GenerateKey(generate,
            [
                f.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                f.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
                f.Create(CKA.CKA_VALUE_LEN, (ulong)KekBytes),
                f.Create(CKA.CKA_TOKEN, true),
                f.Create(CKA.CKA_PRIVATE, true),
                f.Create(CKA.CKA_SENSITIVE, true),
                f.Create(CKA.CKA_EXTRACTABLE, false),
                f.Create(CKA.CKA_ENCRYPT, true),
                f.Create(CKA.CKA_DECRYPT, true),
                f.Create(CKA.CKA_WRAP, false),
                f.Create(CKA.CKA_UNWRAP, false),
                f.Create(CKA.CKA_SIGN, false),
                f.Create(CKA.CKA_LABEL, _options.KekLabel),
                f.Create(CKA.CKA_ID, id),
            ]);
            _kek = (id, handle);
            return (id, handle);
        }
    }

    private IObjectHandle KekById(ISession session, byte[] kekId)
    {
        lock (_gate)
        {
            if (_kek is { } cached && cached.Id.AsSpan().SequenceEqual(kekId))
            {
                return cached.Handle;
            }
        }

        var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
        var found = session.FindAllObjects([f.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), f.Create(CKA.CKA_ID, kekId)]);
        return found.Count == 1
            ? found[0]
            : throw new KeyStoreException($"The data was wrapped under key-encryption key {Convert.ToHexStringLower(kekId)}, which is not on PKCS#11 token {_options.TokenDescription}.");
    }

    private static byte[] Header(byte[] kekId) => [.. Encoding.ASCII.GetBytes(Magic), (byte)kekId.Length, .. kekId];

    private static byte[] Aad(byte[] header, string context) => [.. header, .. Encoding.UTF8.GetBytes("wrap:" + context)];
}
