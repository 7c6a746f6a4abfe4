using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Enrolment.Est;

/// <summary>A PKCS#10 request read from an EST body, or why it could not be read.</summary>
/// <param name="Csr">The request, its signature verified; null when it could not be read.</param>
/// <param name="Problem">Why the body is no request, or null.</param>
public sealed record CsrRead(CertificateRequest? Csr, string? Problem);

/// <summary>
/// The EST message forms (RFC 7030 §4, RFC 8951): bodies are base64 of DER both ways, whatever
/// <c>Content-Transfer-Encoding</c> says; a request is a PKCS#10 certification request; answers are
/// certs-only PKCS#7, the CSR attributes, and for <c>serverkeygen</c> a <c>multipart/mixed</c> of
/// the PKCS#8 key and the certificate.
/// </summary>
public static class EstCodec
{
    /// <summary>The media type of an enrolment request (RFC 7030 §4.2.1).</summary>
    public const string Pkcs10Type = "application/pkcs10";

    /// <summary>The media type of the <c>cacerts</c> answer (RFC 7030 §4.1.3).</summary>
    public const string CaCertsType = "application/pkcs7-mime";

    /// <summary>The media type of an issued certificate (RFC 7030 §4.2.3).</summary>
    public const string CertsOnlyType = "application/pkcs7-mime; smime-type=certs-only";

    /// <summary>The media type of a server-generated private key (RFC 7030 §4.4.2).</summary>
    public const string Pkcs8Type = "application/pkcs8";

    /// <summary>The media type of the CSR attributes (RFC 7030 §4.5.2).</summary>
    public const string CsrAttrsType = "application/csrattrs";

    private const string ChallengePasswordOid = "1.2.840.113549.1.9.7";
    private const string SanOid = "2.5.29.17";
    private const int LineLength = 64;

    /// <summary>Base64 of <paramref name="der"/> as UTF-8 bytes, a line feed after every 64 characters (as PEM wraps it).</summary>
    public static byte[] Base64(ReadOnlySpan<byte> der)
    {
        var length = (der.Length + 2) / 3 * 4;
        var encoded = new byte[length + (length + LineLength - 1) / LineLength];
        var plain = new byte[length];
        try
        {
            System.Buffers.Text.Base64.EncodeToUtf8(der, plain, out _, out _);
            var at = 0;
            for (var i = 0; i < length; i += LineLength)
            {
                var line = plain.AsSpan(i, Math.Min(LineLength, length - i));
                line.CopyTo(encoded.AsSpan(at));
                at += line.Length;
                encoded[at++] = (byte)'\n';
            }

            return encoded;
        }
        finally
        {
            // Note: the plain copy may hold a private key (serverkeygen).
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>
    /// Reads a base64 DER PKCS#10 request (line breaks and spaces allowed; PEM armour too) and
    /// verifies its signature. Extensions are loaded so that the subjectAltName can be compared
    /// and, for a static challenge, copied; nothing else of them reaches a certificate.
    /// </summary>
    public static CsrRead ReadCsr(ReadOnlySpan<byte> body)
    {
        var text = Encoding.ASCII.GetString(body);
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            text = string.Join('\n', text.Split('\n').Where(line => !line.TrimStart().StartsWith("-----", StringComparison.Ordinal)));
        }

        byte[] der;
        try
        {
            der = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return new CsrRead(null, "The body is not base64. EST requests are the DER of a PKCS#10 request in base64 (RFC 7030 §4.2.1, RFC 8951).");
        }

        if (der.Length == 0)
        {
            return new CsrRead(null, "The body is empty: send the PKCS#10 request as base64 DER.");
        }

        try
        {
            return new CsrRead(CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256,
                CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions), null);
        }
        catch (CryptographicException e)
        {
            return new CsrRead(null, $"The body is not a PKCS#10 certification request whose signature verifies ({e.Message.TrimEnd('.')}).");
        }
        catch (NotSupportedException e)
        {
            // Note: a key type .NET cannot verify (Ed25519, DSA …) fails here rather than as a CryptographicException.
            return new CsrRead(null, $"The request's key or signature algorithm is not supported ({e.Message.TrimEnd('.')}): use RSA or ECDSA, as csrattrs lists.");
        }
    }

    /// <summary>The request's challengePassword attribute (PKCS#9), or null.</summary>
    public static string? ChallengePassword(CertificateRequest csr)
    {
        foreach (var attribute in csr.OtherRequestAttributes.Where(a => a.Oid?.Value == ChallengePasswordOid))
        {
            try
            {
                var reader = new AsnReader(attribute.RawData, AsnEncodingRules.BER);
                var tag = reader.PeekTag();
                return tag.TagClass == TagClass.Universal ? reader.ReadCharacterString((UniversalTagNumber)tag.TagValue) : null;
            }
            catch (Exception e) when (e is AsnContentException or ArgumentException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Why a re-enrolment request does not name what the current certificate names (RFC 7030
    /// §4.2.2: the Subject and subjectAltName are the current certificate's), or null when it does.
    /// </summary>
    public static string? IdentityProblem(X509Certificate2 current, CertificateRequest csr)
    {
        if (!string.Equals(current.SubjectName.Name, csr.SubjectName.Name, StringComparison.Ordinal))
        {
            return $"The request's subject '{csr.SubjectName.Name}' is not the current certificate's '{current.SubjectName.Name}': "
                + "a re-enrolment keeps the Subject and subjectAltName of the certificate it renews (RFC 7030 §4.2.2).";
        }

        var currentSan = current.Extensions[SanOid]?.RawData ?? [];
        var requestedSan = csr.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == SanOid)?.RawData ?? [];
        return currentSan.AsSpan().SequenceEqual(requestedSan)
            ? null
            : "The request's subjectAltName is not the current certificate's: a re-enrolment keeps the Subject and subjectAltName of the certificate it renews (RFC 7030 §4.2.2).";
    }

    /// <summary>
    /// The CSR attributes (RFC 7030 §4.5.2) for policies of these key algorithms: challengePassword
    /// (where the one-time code may go), the key type (rsaEncryption, or id-ecPublicKey with its
    /// curve) and the signature algorithm to sign the request with.
    /// </summary>
    public static byte[] CsrAttrs(IEnumerable<KeyAlgorithm> algorithms)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        var written = new HashSet<string>(StringComparer.Ordinal);
        void Oid(string oid)
        {
            if (written.Add(oid))
            {
                writer.WriteObjectIdentifier(oid);
            }
        }

        using (writer.PushSequence())
        {
            Oid(ChallengePasswordOid);
            foreach (var algorithm in algorithms.Distinct().Order())
            {
                if (algorithm.IsEcdsa())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                        using (writer.PushSetOf())
                        {
                            writer.WriteObjectIdentifier(algorithm == KeyAlgorithm.EcdsaP256 ? "1.2.840.10045.3.1.7" : "1.3.132.0.34");
                        }
                    }

                    Oid(algorithm == KeyAlgorithm.EcdsaP256 ? "1.2.840.10045.4.3.2" : "1.2.840.10045.4.3.3");
                }
                else
                {
                    Oid("1.2.840.113549.1.1.1");
                    Oid("1.2.840.113549.1.1.11");
                }
            }
        }

        return writer.Encode();
    }

    /// <summary>Writes a <c>multipart/mixed</c> body (RFC 2046) whose parts are base64 bodies of these types.</summary>
    public static async Task WriteMultipartAsync(Stream body, string boundary, IReadOnlyList<(string ContentType, byte[] Base64)> parts,
        CancellationToken cancellationToken)
    {
        foreach (var (contentType, base64) in parts)
        {
            await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: {contentType}\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
                cancellationToken);
            await body.WriteAsync(base64, cancellationToken);
            await body.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
        }

        await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"), cancellationToken);
    }
}
