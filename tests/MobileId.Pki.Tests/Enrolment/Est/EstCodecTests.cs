using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MobileId.Pki.Enrolment.Est;
using MobileId.Pki.Keys;

namespace MobileId.Pki.Tests.Enrolment.Est;

/// <summary>The EST message forms (RFC 7030, RFC 8951): base64 bodies, PKCS#10 requests, CSR attributes and multipart answers.</summary>
public sealed class EstCodecTests
{
    [Fact]
    public void Base64_LongDer_WrappedAt64CharactersAndDecodes()
    {
        var der = RandomNumberGenerator.GetBytes(100);

        var text = Encoding.ASCII.GetString(EstCodec.Base64(der));

        Assert.Equal([64, 64, 8], text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Length));
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Equal(der, Convert.FromBase64String(text));
    }

    [Fact]
    public void ReadCsr_Base64AndPem_ReadWithChallenge()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = Csr(key, "code-123");
        var pem = PemEncoding.WriteString("CERTIFICATE REQUEST", der);

        var fromBase64 = EstCodec.ReadCsr(Encoding.ASCII.GetBytes(Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks)));
        var fromPem = EstCodec.ReadCsr(Encoding.ASCII.GetBytes(pem));

        Assert.Null(fromBase64.Problem);
        Assert.Equal("CN=dev1", fromBase64.Csr!.SubjectName.Name);
        Assert.Equal("code-123", EstCodec.ChallengePassword(fromBase64.Csr));
        Assert.Equal(fromBase64.Csr.PublicKey.ExportSubjectPublicKeyInfo(), fromPem.Csr!.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Theory]
    [InlineData("not base64 at all!", "not base64")]
    [InlineData("", "empty")]
    [InlineData("AAAA", "not a PKCS#10")]
    public void ReadCsr_BadBody_Problem(string body, string problem)
    {
        var read = EstCodec.ReadCsr(Encoding.ASCII.GetBytes(body));

        Assert.Null(read.Csr);
        Assert.Contains(problem, read.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentityProblem_SameOrOtherSubject_NullOrReason()
    {
        using var key = RSA.Create(2048);
        using var current = new CertificateRequest("CN=dev1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var same = CertificateRequest.LoadSigningRequest(Csr(key, null), HashAlgorithmName.SHA256);
        var other = CertificateRequest.LoadSigningRequest(Csr(key, null, "CN=dev2"), HashAlgorithmName.SHA256);

        Assert.Null(EstCodec.ChallengePassword(same));
        Assert.Null(EstCodec.IdentityProblem(current, same));
        Assert.Contains("'CN=dev2' is not the current certificate's 'CN=dev1'", EstCodec.IdentityProblem(current, other), StringComparison.Ordinal);
    }

    [Fact]
    public void CsrAttrs_RsaAndP384_ChallengeKeyTypesAndSignatures()
    {
        var der = EstCodec.CsrAttrs([KeyAlgorithm.EcdsaP384, KeyAlgorithm.Rsa2048, KeyAlgorithm.Rsa4096]);

        var reader = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var items = new List<string>();
        while (reader.HasData)
        {
            if (reader.PeekTag() == Asn1Tag.ObjectIdentifier)
            {
                items.Add(reader.ReadObjectIdentifier());
                continue;
            }

            var attribute = reader.ReadSequence();
            items.Add(attribute.ReadObjectIdentifier() + "=" + attribute.ReadSetOf().ReadObjectIdentifier());
        }

        Assert.Equal(["1.2.840.113549.1.9.7", "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11", "1.2.840.10045.2.1=1.3.132.0.34", "1.2.840.10045.4.3.3"], items);
    }

    [Fact]
    public async Task WriteMultipartAsync_TwoParts_BoundedParts()
    {
        using var body = new MemoryStream();

        await EstCodec.WriteMultipartAsync(body, "b", [(EstCodec.Pkcs8Type, "QQ==\n"u8.ToArray()), (EstCodec.CertsOnlyType, "Qg==\n"u8.ToArray())], default);

        Assert.Equal("--b\r\nContent-Type: application/pkcs8\r\nContent-Transfer-Encoding: base64\r\n\r\nQQ==\n\r\n"
            + "--b\r\nContent-Type: application/pkcs7-mime; smime-type=certs-only\r\nContent-Transfer-Encoding: base64\r\n\r\nQg==\n\r\n--b--\r\n",
            Encoding.ASCII.GetString(body.ToArray()));
    }

    private static byte[] Csr(AsymmetricAlgorithm key, string? challenge, string subject = "CN=dev1")
    {
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        if (challenge is not null)
        {
            var value = new AsnWriter(AsnEncodingRules.DER);
            value.WriteCharacterString(UniversalTagNumber.UTF8String, challenge);
            request.OtherRequestAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.7", value.Encode()));
        }

        return request.CreateSigningRequest();
    }
}
