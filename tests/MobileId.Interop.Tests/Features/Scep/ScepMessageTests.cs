using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Enrolment.Scep;
using MobileId.Testing.Features.Protocols;

namespace MobileId.Interop.Tests.Features.Scep;

/// <summary>
/// PKIOperation messages built here with SignedCms/EnvelopedCms, as a device other than scepclient
/// sends them: GET with SHA-512, CertPoll, GetCert, GetCRL (read with SignedCms/EnvelopedCms and
/// with <c>openssl cms</c>), and every kind of bad input in SCEP's own error forms.
/// </summary>
public sealed class ScepMessageTests : ScepTestKit
{
    private const int PkcsReq = 19;

    /// <summary>A first enrolment through this test's own client: the device's key, its self-signed certificate with the key, and the issued certificate.</summary>
    private async Task<(RSA Key, X509Certificate2 Self, X509Certificate2 Issued, X509Certificate2 Ra)> EnrolAsync(ChallengeRequest request)
    {
        var (ra, _) = await CaCertsAsync();
        var key = RSA.Create(2048);
        var self = SelfSigned(key);
        var reply = ReadCertRep(await PostAsync(PkiMessage(PkcsReq, Csr(key, request.Code), self, ra, "enrol-1", RandomNumberGenerator.GetBytes(16))), self);
        Assert.Equal("0", reply.PkiStatus);
        return (key, self, CertsOnly(reply.Content!).Certificates.Single(), ra);
    }

    [Fact]
    public async Task PkiOperationGet_PkcsReqSha512Aes128_SuccessEnvelopedToTheSignerWithAes128()
    {
        var request = await ChallengeAsync();
        var (ra, _) = await CaCertsAsync();
        using var key = RSA.Create(2048);
        using var self = SelfSigned(key);
        var nonce = RandomNumberGenerator.GetBytes(16);
        var message = PkiMessage(PkcsReq, Csr(key, request.Code), self, ra, "tx-get-1", nonce, digest: ScepOids.Sha512, encryption: ScepOids.Aes128Cbc);
        using var http = new HttpClient();
        var response = await http.GetAsync($"{Base}/scep?operation=PKIOperation&message={Uri.EscapeDataString(Convert.ToBase64String(message))}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-pki-message", response.Content.Headers.ContentType?.MediaType);

        var reply = ReadCertRep(await response.Content.ReadAsByteArrayAsync(), self);
        Assert.Equal(("3", "0", "tx-get-1"), (reply.MessageType, reply.PkiStatus, reply.TransactionId));
        Assert.Equal(nonce, reply.RecipientNonce);
        Assert.Equal(16, reply.SenderNonce.Length);
        Assert.NotEqual(nonce, reply.SenderNonce);
        Assert.Equal(ra.RawData, reply.Signer.RawData);
        Assert.Equal(ScepOids.Aes128Cbc, reply.ContentEncryption);
        var issued = Assert.Single(CertsOnly(reply.Content!).Certificates);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), issued.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(issued.RawData, Assert.Single(await IssuedForAsync(request.Request.Id)).Der);
    }

    [Fact]
    public async Task PkcsReq_SignedByOurCertificate_RenewsWithoutChallenge()
    {
        var request = await ChallengeAsync();
        var (key, _, issued, ra) = await EnrolAsync(request);
        using var current = issued.CopyWithPrivateKey(key);
        using var next = RSA.Create(2048);
        var reply = ReadCertRep(await PostAsync(PkiMessage(PkcsReq, Csr(next, null), current, ra, "renew-1", RandomNumberGenerator.GetBytes(16))), current);
        Assert.Equal("0", reply.PkiStatus);
        var renewed = CertsOnly(reply.Content!).Certificates.Single();
        Assert.Equal(next.ExportSubjectPublicKeyInfo(), renewed.PublicKey.ExportSubjectPublicKeyInfo());
        var all = await IssuedForAsync(request.Request.Id);
        Assert.Equal(all.Single(c => c.Der.AsSpan().SequenceEqual(issued.RawData)).Id, all.Single(c => c.Der.AsSpan().SequenceEqual(renewed.RawData)).RenewsId);
        key.Dispose();
    }

    [Fact]
    public async Task CertPoll_KeyWithCertificate_ReturnsItByGetWithPlusAsSpace()
    {
        var (key, self, issued, ra) = await EnrolAsync(await ChallengeAsync());
        var message = Convert.ToBase64String(PkiMessage(20, IssuerAndSerial(self), self, ra, "poll-1", RandomNumberGenerator.GetBytes(16)));
        Assert.Contains('+', message);
        using var http = new HttpClient();
        // Note: base64 sent unescaped: every '+' arrives as a space and is taken back.
        var response = await http.GetAsync($"{Base}/scep?operation=PKIOperation&message={message.Replace("/", "%2F", StringComparison.Ordinal).Replace("=", "%3D", StringComparison.Ordinal)}");
        var reply = ReadCertRep(await response.Content.ReadAsByteArrayAsync(), self);
        Assert.Equal("0", reply.PkiStatus);
        Assert.Equal(issued.RawData, CertsOnly(reply.Content!).Certificates.Single().RawData);
        Assert.Equal(ScepOids.Aes256Cbc, reply.ContentEncryption);

        using var stranger = RSA.Create(2048);
        using var strangerSelf = SelfSigned(stranger);
        var unknown = ReadCertRep(await PostAsync(PkiMessage(20, IssuerAndSerial(strangerSelf), strangerSelf, ra, "poll-2", RandomNumberGenerator.GetBytes(16))), null);
        Assert.Equal(("2", "4"), (unknown.PkiStatus, unknown.FailInfo));
        key.Dispose();
    }

    [Fact]
    public async Task GetCert_OursAndUnknown_CertificateOrBadCertId()
    {
        var (key, self, issued, ra) = await EnrolAsync(await ChallengeAsync());
        var reply = ReadCertRep(await PostAsync(PkiMessage(21, IssuerAndSerial(issued), self, ra, "get-1", RandomNumberGenerator.GetBytes(16))), self);
        Assert.Equal("0", reply.PkiStatus);
        Assert.Equal(issued.RawData, CertsOnly(reply.Content!).Certificates.Single().RawData);

        var notOurs = ReadCertRep(await PostAsync(PkiMessage(21, IssuerAndSerial(self), self, ra, "get-2", RandomNumberGenerator.GetBytes(16))), self);
        Assert.Equal(("2", "4"), (notOurs.PkiStatus, notOurs.FailInfo));
        Assert.Contains("no certificate with serial", notOurs.FailText, StringComparison.Ordinal);
        key.Dispose();
    }

    [Fact]
    public async Task GetCrl_IssuerOfOurCertificate_CrlReadByOpensslCms()
    {
        var (key, self, issued, ra) = await EnrolAsync(await ChallengeAsync());
        var answer = await PostAsync(PkiMessage(22, IssuerAndSerial(issued), self, ra, "crl-1", RandomNumberGenerator.GetBytes(16)));
        var reply = ReadCertRep(answer, self);
        Assert.Equal("0", reply.PkiStatus);
        var crl = Assert.Single(CertsOnly(reply.Content!).Crls);
        using (var http = new HttpClient())
        {
            Assert.Equal(await http.GetByteArrayAsync($"{Base}/pki/crl/{IssuingCa}.crl"), crl);
        }

        // Note: openssl checks the RA's signature and chain, then decrypts with the device's key.
        await File.WriteAllBytesAsync(Path.Combine(Dir, "rep.der"), answer);
        await File.WriteAllTextAsync(Path.Combine(Dir, "self.pem"), self.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(Dir, "self.key"), key.ExportPkcs8PrivateKeyPem());
        var verify = await ExternalTool.RunAsync("openssl",
            $"cms -verify -inform DER -in {Dir}/rep.der -CAfile {await ChainPemAsync()} -purpose any -out {Dir}/envelope.der");
        Assert.True(verify.Code == 0, verify.Output);
        Assert.Contains("Verification successful", verify.Output, StringComparison.Ordinal);
        var decrypt = await ExternalTool.RunAsync("openssl",
            $"cms -decrypt -inform DER -in {Dir}/envelope.der -recip {Dir}/self.pem -inkey {Dir}/self.key -binary -out {Dir}/crl.p7");
        Assert.True(decrypt.Code == 0, decrypt.Output);
        var print = await ExternalTool.RunAsync("openssl", $"pkcs7 -inform DER -in {Dir}/crl.p7 -print_certs -text -noout");
        Assert.True(print.Output.Contains("Certificate Revocation List", StringComparison.Ordinal), print.Output);
        key.Dispose();
    }

    [Fact]
    public async Task PkcsReq_WrongSignature_FailureBadMessageCheckAndNothingIssued()
    {
        var request = await ChallengeAsync();
        var (ra, _) = await CaCertsAsync();
        using var key = RSA.Create(2048);
        using var self = SelfSigned(key);
        var message = PkiMessage(PkcsReq, Csr(key, request.Code), self, ra, "forged", RandomNumberGenerator.GetBytes(16));
        // Note: the signature value is the last field of the message; one changed bit breaks it.
        message[^1] ^= 0x01;
        var reply = ReadCertRep(await PostAsync(message), null);
        Assert.Equal(("2", "1"), (reply.PkiStatus, reply.FailInfo));
        Assert.Contains("signature", reply.FailText, StringComparison.Ordinal);
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
        Assert.Empty(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task PkcsReq_EncryptedToAnotherCertificate_FailureBadMessageCheckAndNothingIssued()
    {
        var request = await ChallengeAsync();
        using var key = RSA.Create(2048);
        using var self = SelfSigned(key);
        using var elsewhere = RSA.Create(2048);
        using var someoneElse = SelfSigned(elsewhere, "CN=another SCEP server");
        var reply = ReadCertRep(await PostAsync(PkiMessage(PkcsReq, Csr(key, request.Code), self, someoneElse, "lost", RandomNumberGenerator.GetBytes(16))), null);
        Assert.Equal(("2", "1", "lost"), (reply.PkiStatus, reply.FailInfo, reply.TransactionId));
        Assert.Contains("registration authority", reply.FailText, StringComparison.Ordinal);
        Assert.Empty(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task PkcsReq_Ed25519Csr_FailureBadRequestNotAServerError()
    {
        // Arrange: openssl makes a CSR with a key type .NET cannot verify.
        var request = await ChallengeAsync();
        var made = await ExternalTool.RunAsync("openssl", $"genpkey -algorithm ed25519 -out {Dir}/ed.pem");
        Assert.True(made.Code == 0, made.Output);
        var csr = await ExternalTool.RunAsync("openssl", $"req -new -key {Dir}/ed.pem -subj /CN=ed -outform DER -out {Dir}/ed.csr");
        Assert.True(csr.Code == 0, csr.Output);
        var (ra, _) = await CaCertsAsync();
        using var key = RSA.Create(2048);
        using var self = SelfSigned(key);

        // Act
        var reply = ReadCertRep(await PostAsync(PkiMessage(19, await File.ReadAllBytesAsync($"{Dir}/ed.csr"), self, ra, "ed", RandomNumberGenerator.GetBytes(16))), null);

        // Assert
        Assert.Equal(("2", "2"), (reply.PkiStatus, reply.FailInfo));
        Assert.Empty(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task PkiOperation_UnknownMessageType_FailureBadRequest()
    {
        var (ra, _) = await CaCertsAsync();
        using var key = RSA.Create(2048);
        using var self = SelfSigned(key);
        var reply = ReadCertRep(await PostAsync(PkiMessage(99, [1, 2, 3], self, ra, "odd", RandomNumberGenerator.GetBytes(16))), null);
        Assert.Equal(("2", "2"), (reply.PkiStatus, reply.FailInfo));
        Assert.Contains("Unknown messageType '99'", reply.FailText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scep_GarbageNonCmsUnknownOperationOversized_PlainTextErrorsNever500()
    {
        using var http = new HttpClient();
        using var key = RSA.Create(2048);
        using var certificate = SelfSigned(key);
        var cases = new (HttpRequestMessage Request, HttpStatusCode Status)[]
        {
            (Post("operation=PKIOperation", [0x30, 0x03, 0xde, 0xad]), HttpStatusCode.BadRequest),
            (Post("operation=PKIOperation", certificate.RawData), HttpStatusCode.BadRequest),
            (Post("operation=PKIOperation", []), HttpStatusCode.BadRequest),
            (new HttpRequestMessage(HttpMethod.Get, $"{Base}/scep?operation=PKIOperation&message=not*base64"), HttpStatusCode.BadRequest),
            (new HttpRequestMessage(HttpMethod.Get, $"{Base}/scep?operation=Explode"), HttpStatusCode.BadRequest),
            (new HttpRequestMessage(HttpMethod.Get, $"{Base}/scep"), HttpStatusCode.BadRequest),
            (Post("operation=GetCACert", []), HttpStatusCode.BadRequest),
            (Post("operation=PKIOperation", new byte[200_000]), HttpStatusCode.RequestEntityTooLarge),
            (new HttpRequestMessage(HttpMethod.Get, $"{Base}/scep/NoSuchCA?operation=GetCACert"), HttpStatusCode.NotFound),
        };
        foreach (var (request, status) in cases)
        {
            var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {text}");
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.False(string.IsNullOrWhiteSpace(text));
        }
    }

    [Fact]
    public async Task PkiOperation_ByteFlippedMessages_NeverAnswer5xx()
    {
        // Arrange: a well-formed PKCSReq; every third byte in turn is inverted (a bounded, fixed set of
        // messages that corrupt the signer's certificate, the signed attributes, the signature and the envelope).
        var (ra, _) = await CaCertsAsync();
        using var key = RSA.Create(2048);
        using var self = SelfSigned(key);
        var message = PkiMessage(PkcsReq, Csr(key, "000000000000"), self, ra, "flip", RandomNumberGenerator.GetBytes(16));
        using var http = new HttpClient();
        var failures = new List<string>();

        // Act
        for (var i = 0; i < message.Length; i += 3)
        {
            var flipped = (byte[])message.Clone();
            flipped[i] ^= 0xFF;
            using var response = await http.SendAsync(Post("operation=PKIOperation", flipped));
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"byte {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        // Assert: a SCEP failure (CertRep) or a plain 400, never a server error; the server is still healthy.
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(10)));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{Base}/health/live")).StatusCode);
    }

    private HttpRequestMessage Post(string query, byte[] body) =>
        new(HttpMethod.Post, $"{Base}/scep/pkiclient.exe?{query}") { Content = new ByteArrayContent(body) };
}
