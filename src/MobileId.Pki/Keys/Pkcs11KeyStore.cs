using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace MobileId.Pki.Keys;

/// <summary>
/// Private keys inside a PKCS#11 token (an HSM, or SoftHSM2 for tests). Keys are generated in the
/// token as sensitive, non-extractable token objects and are only ever used through C_Sign;
/// archived keys are wrapped with AES-256-GCM under a non-extractable key in the same token.
/// </summary>
/// <remarks>
/// The store connects on first use and tries again after a failed attempt, so that a server can
/// start before its HSM answers; <see cref="Check"/> reports what is wrong meanwhile. A PIN the
/// token rejected is not tried again by the same instance.
/// It is safe to use from many threads.
/// </remarks>
public sealed partial class Pkcs11KeyStore : IKeyStore, IDisposable
{
    private readonly Pkcs11KeyStoreOptions _options;
    private readonly string _pin;
    private readonly Lock _gate = new();
    private Pkcs11Connection? _connection;
    private (byte[] Id, IObjectHandle Handle)? _kek;
    private KeyStoreException? _pinFailure;
    private bool _disposed;

    /// <summary>Prepares a store; nothing is loaded until the first operation or <see cref="Check"/>.</summary>
    /// <param name="options">The module and token.</param>
    /// <param name="userPin">The token's user PIN (not the SO PIN).</param>
    /// <exception cref="KeyStoreException">An option is missing.</exception>
    public Pkcs11KeyStore(Pkcs11KeyStoreOptions options, string userPin)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.LibraryPath))
        {
            throw new KeyStoreException("No PKCS#11 library is configured: set LibraryPath to the module's full path, e.g. /usr/lib/softhsm/libsofthsm2.so.");
        }

        if (string.IsNullOrEmpty(options.TokenLabel) && options.SlotId is null)
        {
            throw new KeyStoreException("No PKCS#11 token is configured: set TokenLabel (or SlotId).");
        }

        if (string.IsNullOrEmpty(userPin))
        {
            throw new KeyStoreException($"No user PIN is configured for PKCS#11 token {options.TokenDescription}.");
        }

        if (string.IsNullOrEmpty(options.KekLabel))
        {
            throw new KeyStoreException("KekLabel must not be empty.");
        }

        _options = options;
        _pin = userPin;
    }

    /// <inheritdoc />
    public string Kind => "pkcs11";

    /// <inheritdoc />
    /// <exception cref="KeyStoreException">The token cannot be reached or refused to generate the key.</exception>
    public ISigningKey Generate(string label, KeyAlgorithm algorithm)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        var id = RandomNumberGenerator.GetBytes(16);
        var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
        var (publicTemplate, privateTemplate) = KeyPairTemplates(label, id);
        CKM mechanism;
        if (algorithm.IsEcdsa())
        {
            mechanism = CKM.CKM_EC_KEY_PAIR_GEN;
            publicTemplate.Add(f.Create(CKA.CKA_EC_PARAMS, Pkcs11Encoding.CurveParameters(algorithm)));
        }
        else
        {
            mechanism = CKM.CKM_RSA_PKCS_KEY_PAIR_GEN;
            publicTemplate.Add(f.Create(CKA.CKA_MODULUS_BITS, (ulong)algorithm.RsaBits()));
            publicTemplate.Add(f.Create(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 0x01, 0x00, 0x01 }));
        }

        return Run($"generating a {algorithm} key", session =>
        {
            using var generate = Pkcs11Connection.Factories.MechanismFactory.Create(mechanism);
            session.GenerateKeyPair(generate, publicTemplate, privateTemplate, out var publicHandle, out var privateHandle);
            var publicKey = Pkcs11Encoding.ReadPublicKey(session, publicHandle, algorithm);
            return new Pkcs11SigningKey(this, Convert.ToHexStringLower(id), algorithm, publicKey, privateHandle);
        });
    }

    /// <inheritdoc />
    /// <remarks>
    /// The private key becomes a token object like a generated one (CKA_SENSITIVE, not
    /// CKA_EXTRACTABLE, sign only), next to a public key object with the same CKA_ID and label,
    /// which is how <see cref="Open"/> finds the pair again. CKA_LOCAL and CKA_ALWAYS_SENSITIVE are
    /// false, as the token knows the key came from outside (PKCS#11 v2.40 base specification, key objects).
    /// </remarks>
    public ISigningKey Import(string label, ReadOnlySpan<byte> pkcs8)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        using var key = Pkcs8Key.Load(pkcs8, out var algorithm);
        var id = RandomNumberGenerator.GetBytes(16);
        var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
        var secrets = new List<byte[]>();
        var (publicTemplate, privateTemplate) = KeyPairTemplates(label, id);
        publicTemplate.Add(f.Create(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY));
        privateTemplate.Add(f.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY));
        try
        {
            var (publicValues, privateValues) = Pkcs11Encoding.KeyValues(key, algorithm, secrets);
            publicTemplate.AddRange(publicValues);
            privateTemplate.AddRange(privateValues);
            return Run($"importing a {algorithm} key", session =>
            {
                var privateHandle = session.CreateObject(privateTemplate);
                IObjectHandle publicHandle;
                try
                {
                    publicHandle = session.CreateObject(publicTemplate);
                }
                catch (Pkcs11Exception)
                {
                    // Note: a private key without its public key object could never be opened again.
                    session.DestroyObject(privateHandle);
                    throw;
                }

                var publicKey = Pkcs11Encoding.ReadPublicKey(session, publicHandle, algorithm);
                return new Pkcs11SigningKey(this, Convert.ToHexStringLower(id), algorithm, publicKey, privateHandle);
            });
        }
        finally
        {
            foreach (var secret in secrets)
            {
                CryptographicOperations.ZeroMemory(secret);
            }

            // Note: the attributes hold their own unmanaged copies of the values, which disposing frees.
            foreach (var attribute in privateTemplate.Concat(publicTemplate))
            {
                attribute.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public ISigningKey Open(string keyId)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (keyId.Length is 0 or > 128 || keyId.Length % 2 != 0 || !keyId.All(char.IsAsciiHexDigit))
        {
            throw new KeyStoreException($"'{keyId}' is not a PKCS#11 key identifier (the hex of a CKA_ID).");
        }

        var id = Convert.FromHexString(keyId);
        return Run($"opening key {keyId}", session =>
        {
            var privateHandle = FindOne(session, CKO.CKO_PRIVATE_KEY, id, keyId);
            var publicHandle = FindOne(session, CKO.CKO_PUBLIC_KEY, id, keyId);
            var algorithm = Pkcs11Encoding.ReadAlgorithm(session, publicHandle);
            var publicKey = Pkcs11Encoding.ReadPublicKey(session, publicHandle, algorithm);
            return new Pkcs11SigningKey(this, Convert.ToHexStringLower(id), algorithm, publicKey, privateHandle);
        });
    }

    /// <inheritdoc />
    public string? Check()
    {
        try
        {
            return Connection().Check();
        }
        catch (KeyStoreException ex)
        {
            return ex.Message;
        }
        catch (Pkcs11Exception ex)
        {
            return $"The PKCS#11 token {_options.TokenDescription} does not answer ({ex.Method}: {ex.RV}).";
        }
    }

    /// <summary>Closes the sessions and, when no other store uses it, finalises the module.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _connection?.Dispose();
            _connection = null;
            _kek = null;
        }
    }

    /// <summary>Runs an operation on a logged-in session of its own; PKCS#11 errors become <see cref="KeyStoreException"/>.</summary>
    internal T Run<T>(string what, Func<ISession, T> operation)
    {
        try
        {
            return Connection().Run(operation);
        }
        catch (Pkcs11Exception ex)
        {
            throw new KeyStoreException($"PKCS#11 token {_options.TokenDescription} failed {what} ({ex.Method}: {ex.RV}).", ex);
        }
    }

    private Pkcs11Connection Connection()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is not null)
            {
                return _connection;
            }

            if (_pinFailure is not null)
            {
                throw new KeyStoreException(_pinFailure.Message, _pinFailure.InnerException);
            }

            try
            {
                return _connection = Pkcs11Connection.Open(_options, _pin);
            }
            catch (KeyStoreException ex) when (ex.InnerException is Pkcs11Exception
            {
                RV: CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_USER_PIN_NOT_INITIALIZED,
            })
            {
                // Note: a missing module or token is retried on the next call, but a rejected PIN is
                // not: health checks would otherwise keep logging in with it until the HSM locks the PIN.
                _pinFailure = ex;
                throw;
            }
        }
    }

    /// <summary>
    /// What every key pair of this store is: a public key object that only verifies, and a private key
    /// that only signs, sensitive and not extractable; both token objects with the label and CKA_ID.
    /// </summary>
    private static (List<IObjectAttribute> Public, List<IObjectAttribute> Private) KeyPairTemplates(string label, byte[] id)
    {
        var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
        List<IObjectAttribute> publicTemplate =
        [
            f.Create(CKA.CKA_TOKEN, true),
            f.Create(CKA.CKA_PRIVATE, false),
            f.Create(CKA.CKA_VERIFY, true),
            f.Create(CKA.CKA_ENCRYPT, false),
            f.Create(CKA.CKA_WRAP, false),
            f.Create(CKA.CKA_LABEL, label),
            f.Create(CKA.CKA_ID, id),
        ];
        List<IObjectAttribute> privateTemplate =
        [
            f.Create(CKA.CKA_TOKEN, true),
            f.Create(CKA.CKA_PRIVATE, true),
            f.Create(CKA.CKA_SENSITIVE, true),
            f.Create(CKA.CKA_EXTRACTABLE, false),
            f.Create(CKA.CKA_SIGN, true),
            f.Create(CKA.CKA_DECRYPT, false),
            f.Create(CKA.CKA_UNWRAP, false),
            f.Create(CKA.CKA_DERIVE, false),
            f.Create(CKA.CKA_LABEL, label),
            f.Create(CKA.CKA_ID, id),
        ];
        return (publicTemplate, privateTemplate);
    }

    private static IObjectHandle FindOne(ISession session, CKO objectClass, byte[] id, string keyId)
    {
        var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
        var found = session.FindAllObjects([f.Create(CKA.CKA_CLASS, objectClass), f.Create(CKA.CKA_ID, id)]);
        var what = objectClass == CKO.CKO_PRIVATE_KEY ? "private" : "public";
        return found.Count switch
        {
            1 => found[0],
            0 => throw new KeyStoreException($"The {what} key {keyId} is not on the PKCS#11 token."),
            var n => throw new KeyStoreException($"The PKCS#11 token holds {n} {what} keys with CKA_ID {keyId}; key identifiers must be unique."),
        };
    }
}
