using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Enrolment.Scep;
using MobileId.Testing.Features.Protocols;

namespace MobileId.Interop.Tests.Features.Scep;

/// <summary>A CertRep as the tests read it: its attributes, and the decrypted content of a SUCCESS.</summary>
public sealed record CertRepView(string MessageType, string PkiStatus, string? FailInfo, string? FailText, string TransactionId, byte[] RecipientNonce,
    byte[] SenderNonce, X509Certificate2 Signer, byte[]? Content, string? ContentEncryption);

/// <summary>
/// What the SCEP tests share: running micromdm's <c>scepclient</c> in a folder of its own, the RA
/// and CA certificates from GetCACert, and pkiMessages built and CertReps read with
/// System.Security.Cryptography.Pkcs (as a device other than scepclient would).
/// </summary>
public abstract class ScepTestKit : EnrolmentTestKit
{
    /// <summary>Runs scepclient with its key, certificate (and its csr.pem/self.pem) in <c>{Dir}/{folder}</c>; returns the exit code and output.</summary>
    protected async Task<(int Code, string Output)> ScepclientAsync(string folder, string? challenge, string cn = "dev1", string extra = "")
    {
        var dir = Directory.CreateDirectory(Path.Combine(Dir, folder)).FullName;
        var args = $"-server-url {Base}/scep -private-key {dir}/k.pem -certificate {dir}/c.pem -cn {cn} {extra}";
        return await ExternalTool.RunAsync("scepclient", challenge is null ? args : $"{args} -challenge {challenge}");
    }

    /// <summary>GetCACert parsed: the RA certificate (not a CA) and the CA certificates.</summary>
    protected async Task<(X509Certificate2 Ra, List<X509Certificate2> Cas)> CaCertsAsync(string query = "")
    {
        using var http = new HttpClient();
        var response = await http.GetAsync($"{Base}/scep?operation=GetCACert{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-x509-ca-ra-cert", response.Content.Headers.ContentType?.MediaType);
        var cms = new SignedCms();
        cms.Decode(await response.Content.ReadAsByteArrayAsync());
        var all = cms.Certificates.Cast<X509Certificate2>().ToList();
        var ra = Assert.Single(all, c => c.Extensions.OfType<X509BasicConstraintsExtension>().All(b => !b.CertificateAuthority));
        return (ra, all.Where(c => c != ra).ToList());
    }

    /// <summary>A self-signed certificate of the key, as a device signs its first PKCSReq.</summary>
    protected static X509Certificate2 SelfSigned(RSA key, string subject = "CN=dev1")
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>A PKCS#10 of the key with a challengePassword attribute (PrintableString).</summary>
    protected static byte[] Csr(RSA key, string? challenge, string subject = "CN=dev1")
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (challenge is not null)
        {
            var value = new AsnWriter(AsnEncodingRules.DER);
            value.WriteCharacterString(UniversalTagNumber.PrintableString, challenge);
            request.OtherRequestAttributes.Add(new AsnEncodedData(ScepOids.ChallengePassword, value.Encode()));
        }

        return request.CreateSigningRequest();
    }

    /// <summary>The DER IssuerAndSerialNumber of a certificate (GetCert, GetCRL content).</summary>
    protected static byte[] IssuerAndSerial(X509Certificate2 certificate)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(certificate.IssuerName.RawData);
            writer.WriteInteger(certificate.SerialNumberBytes.Span);
        }

        return writer.Encode();
    }

    /// <summary>A pkiMessage: <paramref name="content"/> enveloped to <paramref name="recipient"/>, signed by <paramref name="signer"/> (with its key).</summary>
    protected static byte[] PkiMessage(int messageType, byte[] content, X509Certificate2 signer, X509Certificate2 recipient, string transactionId, byte[] nonce,
        string digest = ScepOids.Sha256, string encryption = ScepOids.Aes256Cbc)
    {
        var envelope = new EnvelopedCms(new ContentInfo(content), new AlgorithmIdentifier(new Oid(encryption)));
        envelope.Encrypt(new CmsRecipient(SubjectIdentifierType.IssuerAndSerialNumber, recipient, RSAEncryptionPadding.Pkcs1));
        var cms = new SignedCms(new ContentInfo(envelope.Encode()));
        var cmsSigner = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, signer) { DigestAlgorithm = new Oid(digest) };
        cmsSigner.SignedAttributes.Add(Printable(ScepOids.MessageType, messageType.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        cmsSigner.SignedAttributes.Add(Printable(ScepOids.TransactionId, transactionId));
        var octets = new AsnWriter(AsnEncodingRules.DER);
        octets.WriteOctetString(nonce);
        cmsSigner.SignedAttributes.Add(new AsnEncodedData(ScepOids.SenderNonce, octets.Encode()));
        cms.ComputeSignature(cmsSigner);
        return cms.Encode();
    }

    /// <summary>POSTs a pkiMessage; asserts HTTP 200 <c>application/x-pki-message</c> and returns the body.</summary>
    protected async Task<byte[]> PostAsync(byte[] message)
    {
        using var http = new HttpClient();
        using var body = new ByteArrayContent(message);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-pki-message");
        var response = await http.PostAsync($"{Base}/scep?operation=PKIOperation", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-pki-message", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Reads a CertRep: verifies its signature, reads its attributes and decrypts a SUCCESS's content with the recipient's key.</summary>
    protected static CertRepView ReadCertRep(byte[] der, X509Certificate2? recipient)
    {
        var cms = new SignedCms();
        cms.Decode(der);
        var signer = Assert.Single(cms.SignerInfos.Cast<SignerInfo>());
        signer.CheckSignature(verifySignatureOnly: true);
        string? Text(string oid) => Raw(signer, oid) is { } raw ? new AsnReader(raw, AsnEncodingRules.BER).ReadCharacterString(
            (UniversalTagNumber)new AsnReader(raw, AsnEncodingRules.BER).PeekTag().TagValue) : null;
        byte[] Octets(string oid) => new AsnReader(Raw(signer, oid)!, AsnEncodingRules.BER).ReadOctetString();
        byte[]? content = null;
        string? encryption = null;
        if (Text(ScepOids.PkiStatus) == "0" && recipient is not null)
        {
            var envelope = new EnvelopedCms();
            envelope.Decode(cms.ContentInfo.Content);
            envelope.Decrypt(new X509Certificate2Collection(recipient));
            content = envelope.ContentInfo.Content;
            encryption = envelope.ContentEncryptionAlgorithm.Oid.Value;
        }

        return new CertRepView(Text(ScepOids.MessageType)!, Text(ScepOids.PkiStatus)!, Text(ScepOids.FailInfo), Text(ScepOids.FailInfoText), Text(ScepOids.TransactionId)!,
            Octets(ScepOids.RecipientNonce), Octets(ScepOids.SenderNonce), signer.Certificate!, content, encryption);
    }

    /// <summary>The certificates and CRLs of a certs-only PKCS#7.</summary>
    protected static (List<X509Certificate2> Certificates, List<byte[]> Crls) CertsOnly(byte[] der)
    {
        var cms = new SignedCms();
        cms.Decode(der);
        var crls = new List<byte[]>();
        var signedData = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        signedData.ReadObjectIdentifier();
        var body = signedData.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        body.ReadInteger();
        body.ReadSetOf();
        body.ReadSequence();
        while (body.HasData)
        {
            var tag = body.PeekTag();
            if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
            {
                var set = body.ReadSetOf(new Asn1Tag(TagClass.ContextSpecific, 1));
                while (set.HasData)
                {
                    crls.Add(set.ReadEncodedValue().ToArray());
                }
            }
            else
            {
                body.ReadEncodedValue();
            }
        }

        return (cms.Certificates.Cast<X509Certificate2>().ToList(), crls);
    }

    private static byte[]? Raw(SignerInfo signer, string oid) =>
        signer.SignedAttributes.Cast<CryptographicAttributeObject>().FirstOrDefault(a => a.Oid.Value == oid)?.Values[0].RawData;

    private static AsnEncodedData Printable(string oid, string value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.PrintableString, value);
        return new AsnEncodedData(oid, writer.Encode());
    }
}
