using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace MobileId.Pki.Keys;

/// <summary>Conversions between PKCS#11 attribute and mechanism formats and the .NET/X.509 ones.</summary>
internal static class Pkcs11Encoding
{
    private const string P256 = KeyAlgorithms.P256Oid;
    private const string P384 = KeyAlgorithms.P384Oid;

    /// <summary>CKA_EC_PARAMS for a curve: the DER OID of the named curve (PKCS#11 v2.40 mechanisms, EC keys; RFC 5480 §2.1.1.1).</summary>
    public static byte[] CurveParameters(KeyAlgorithm algorithm)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(algorithm switch
        {
            KeyAlgorithm.EcdsaP256 => P256,
            KeyAlgorithm.EcdsaP384 => P384,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not an ECDSA algorithm."),
        });
        return writer.Encode();
    }

    /// <summary>
    /// The attributes that make a key pair of an existing key with C_CreateObject: CKA_KEY_TYPE and
    /// CKA_EC_PARAMS with CKA_EC_POINT / CKA_VALUE, or the RSA modulus, exponents, primes and CRT values
    /// (PKCS#11 v2.40 mechanisms, EC and RSA private key objects).
    /// </summary>
    /// <param name="key">An ECDSA or RSA private key.</param>
    /// <param name="algorithm">Its algorithm.</param>
    /// <param name="secrets">Receives the arrays that hold private values, for the caller to zero.</param>
    public static (List<IObjectAttribute> Public, List<IObjectAttribute> Private) KeyValues(AsymmetricAlgorithm key, KeyAlgorithm algorithm, List<byte[]> secrets)
    {
        var f = Pkcs11Connection.Factories.ObjectAttributeFactory;
        if (key is ECDsa ec)
        {
            var parameters = ec.ExportParameters(includePrivateParameters: true);
            secrets.Add(parameters.D!);
            var curve = CurveParameters(algorithm);
            var point = new AsnWriter(AsnEncodingRules.DER);
            point.WriteOctetString([0x04, .. parameters.Q.X!, .. parameters.Q.Y!]);
            return ([f.Create(CKA.CKA_KEY_TYPE, CKK.CKK_EC), f.Create(CKA.CKA_EC_PARAMS, curve), f.Create(CKA.CKA_EC_POINT, point.Encode())],
                [f.Create(CKA.CKA_KEY_TYPE, CKK.CKK_EC), f.Create(CKA.CKA_EC_PARAMS, curve), f.Create(CKA.CKA_VALUE, parameters.D)]);
        }

        var rsa = ((RSA)key).ExportParameters(includePrivateParameters: true);
        secrets.AddRange([rsa.D!, rsa.P!, rsa.Q!, rsa.DP!, rsa.DQ!, rsa.InverseQ!]);
        return ([f.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA), f.Create(CKA.CKA_MODULUS, rsa.Modulus), f.Create(CKA.CKA_PUBLIC_EXPONENT, rsa.Exponent)],
            [
                f.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA), f.Create(CKA.CKA_MODULUS, rsa.Modulus), f.Create(CKA.CKA_PUBLIC_EXPONENT, rsa.Exponent),
                f.Create(CKA.CKA_PRIVATE_EXPONENT, rsa.D), f.Create(CKA.CKA_PRIME_1, rsa.P), f.Create(CKA.CKA_PRIME_2, rsa.Q),
                f.Create(CKA.CKA_EXPONENT_1, rsa.DP), f.Create(CKA.CKA_EXPONENT_2, rsa.DQ), f.Create(CKA.CKA_COEFFICIENT, rsa.InverseQ),
            ]);
    }

    /// <summary>Works out a key's algorithm from its public key object.</summary>
    public static KeyAlgorithm ReadAlgorithm(ISession session, IObjectHandle publicKey)
    {
        var keyType = (CKK)session.GetAttributeValue(publicKey, [CKA.CKA_KEY_TYPE])[0].GetValueAsUlong();
        if (keyType == CKK.CKK_EC)
        {
            var parameters = session.GetAttributeValue(publicKey, [CKA.CKA_EC_PARAMS])[0].GetValueAsByteArray();
            string oid;
            try
            {
                oid = AsnDecoder.ReadObjectIdentifier(parameters, AsnEncodingRules.DER, out _);
            }
            catch (AsnContentException ex)
            {
                throw new KeyStoreException("The token's EC key is not on a named curve; MobileId uses P-256 and P-384.", ex);
            }

            return KeyAlgorithms.OfCurve(oid) ?? throw new KeyStoreException($"The token's EC key is on curve {oid}; MobileId uses P-256 and P-384.");
        }

        if (keyType == CKK.CKK_RSA)
        {
            var modulus = session.GetAttributeValue(publicKey, [CKA.CKA_MODULUS])[0].GetValueAsByteArray();
            var bits = modulus.AsSpan().TrimStart((byte)0).Length * 8;
            return KeyAlgorithms.OfRsaBits(bits) ?? throw new KeyStoreException($"The token's RSA key has {bits} bits; MobileId uses 2048, 3072 and 4096.");
        }

        throw new KeyStoreException($"The token's key is of type {keyType}; MobileId uses RSA and EC keys.");
    }

    /// <summary>Builds the public key from the token's public key object.</summary>
    public static PublicKey ReadPublicKey(ISession session, IObjectHandle publicKey, KeyAlgorithm algorithm)
    {
        if (algorithm.IsEcdsa())
        {
            var point = session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray();
            var coordinate = algorithm == KeyAlgorithm.EcdsaP256 ? 32 : 48;
            var q = UncompressedPoint(point, coordinate);
            using var ec = ECDsa.Create(new ECParameters
            {
                Curve = algorithm.Curve(),
                Q = new ECPoint { X = q[1..(1 + coordinate)], Y = q[(1 + coordinate)..] },
            });
            return PublicKey.CreateFromSubjectPublicKeyInfo(ec.ExportSubjectPublicKeyInfo(), out _);
        }

        var values = session.GetAttributeValue(publicKey, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = values[0].GetValueAsByteArray().AsSpan().TrimStart((byte)0).ToArray(),
            Exponent = values[1].GetValueAsByteArray().AsSpan().TrimStart((byte)0).ToArray(),
        });
        return PublicKey.CreateFromSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo(), out _);
    }

    /// <summary>
    /// The uncompressed point <c>04 | X | Y</c> from CKA_EC_POINT, which PKCS#11 v2.40 defines
    /// as the DER OCTET STRING of the point; some older modules return the bare point, which is accepted too.
    /// </summary>
    public static byte[] UncompressedPoint(byte[] value, int coordinate)
    {
        var length = 1 + (2 * coordinate);
        if (value.Length == length && value[0] == 0x04)
        {
            return value;
        }

        byte[] point;
        try
        {
            point = AsnDecoder.ReadOctetString(value, AsnEncodingRules.DER, out var consumed);
            if (consumed != value.Length)
            {
                throw new KeyStoreException("CKA_EC_POINT has trailing data.");
            }
        }
        catch (AsnContentException ex)
        {
            throw new KeyStoreException("CKA_EC_POINT is neither a DER OCTET STRING nor an uncompressed point.", ex);
        }

        return point.Length == length && point[0] == 0x04
            ? point
            : throw new KeyStoreException($"CKA_EC_POINT is not an uncompressed point of {length} bytes.");
    }

    /// <summary>Hashes data for signing.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data, HashAlgorithmName hash) => hash.Name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw new CryptographicException($"Signing with {hash.Name} is not supported; use SHA-256, SHA-384 or SHA-512."),
    };

    /// <summary>The DigestInfo that CKM_RSA_PKCS signs for PKCS#1 v1.5 (RFC 8017 §9.2 step 2).</summary>
    public static byte[] DigestInfo(byte[] digest, HashAlgorithmName hash)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(hash.Name switch
                {
                    "SHA256" => "2.16.840.1.101.3.4.2.1",
                    "SHA384" => "2.16.840.1.101.3.4.2.2",
                    "SHA512" => "2.16.840.1.101.3.4.2.3",
                    _ => throw new CryptographicException($"Signing with {hash.Name} is not supported; use SHA-256, SHA-384 or SHA-512."),
                });
                writer.WriteNull();
            }

            writer.WriteOctetString(digest);
        }

        return writer.Encode();
    }

    /// <summary>
    /// Turns CKM_ECDSA's <c>r | s</c> (each the curve's size, as in IEEE P1363)
    /// into <c>Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }</c> (RFC 3279 §2.2.3).
    /// </summary>
    public static byte[] P1363ToDer(byte[] raw, KeyAlgorithm algorithm)
    {
        var coordinate = algorithm == KeyAlgorithm.EcdsaP256 ? 32 : 48;
        if (raw.Length != 2 * coordinate)
        {
            throw new KeyStoreException($"The token returned an ECDSA signature of {raw.Length} bytes; {2 * coordinate} were expected for {algorithm}.");
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(raw.AsSpan(0, coordinate), isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(raw.AsSpan(coordinate), isUnsigned: true, isBigEndian: true));
        }

        return writer.Encode();
    }
}
