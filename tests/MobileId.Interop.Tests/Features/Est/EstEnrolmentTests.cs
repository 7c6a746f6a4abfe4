using System.Text.RegularExpressions;

namespace MobileId.Interop.Tests.Features.Est;

/// <summary>EST enrolment with the real clients: curl for simpleenroll, simplereenroll and serverkeygen, openssl for keys, requests and answers.</summary>
public sealed class EstEnrolmentTests : EstTestKit
{
    private string Post(string file) => $"-H Content-Type:application/pkcs10 --data-binary @{Dir}/{file}";

    [Fact]
    public async Task SimpleEnroll_OneTimeCode_IssuesToThePersonOnce()
    {
        var request = await ChallengeAsync();
        await CsrAsync("dev");

        var reply = await CurlAsync("simpleenroll", $"-u {request.Person.LogonName}:{request.Code} {Post("dev.b64")}");

        Assert.True(reply.Status == 200, reply.Body);
        Assert.Equal("application/pkcs7-mime; smime-type=certs-only", reply.ContentType);
        var leaf = await LeafAsync(reply, "dev");
        await AssertVerifiesAsync(Path.Combine(Dir, "dev.pem"));
        Assert.Equal($"CN={request.Person.DisplayName}", leaf.Subject);
        await ShAsync("openssl pkey -in dev.key -pubout -out dev-pub.pem && openssl x509 -in dev.pem -noout -pubkey -out cert-pub.pem && cmp dev-pub.pem cert-pub.pem");
        Assert.Equal(MobileIdStatus.Issued, (await StoredAsync(request.Request.Id)).Status);
        var issued = Assert.Single(await IssuedForAsync(request.Request.Id));
        Assert.Equal(request.Person.Id, issued.PersonId);
        Assert.Equal(leaf.RawData, issued.Der);

        // Note: the same code with another key is refused and issues nothing.
        await CsrAsync("other");
        var again = await CurlAsync("simpleenroll", $"-u {request.Person.LogonName}:{request.Code} {Post("other.b64")}");
        Assert.Equal(400, again.Status);
        Assert.StartsWith("text/plain", again.ContentType, StringComparison.Ordinal);
        Assert.Contains("has been used", again.Body, StringComparison.Ordinal);
        Assert.Single(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task SimpleEnroll_NoAuthWrongUserOrWrongCode_401WithBasicChallengeAndNothingIssued()
    {
        var request = await ChallengeAsync();
        await CsrAsync("dev");
        var wrongCode = request.Code == "00000000" ? "11111111" : "00000000";

        var none = await CurlAsync("simpleenroll", Post("dev.b64"));
        var wrongUser = await CurlAsync("simpleenroll", $"-u someone.else:{request.Code} {Post("dev.b64")}");
        var wrong = await CurlAsync("simpleenroll", $"-u {request.Person.LogonName}:{wrongCode} {Post("dev.b64")}");

        foreach (var reply in new[] { none, wrongUser, wrong })
        {
            Assert.Equal(401, reply.Status);
            Assert.Contains("WWW-Authenticate: Basic realm=\"MobileId EST\"", reply.Headers, StringComparison.OrdinalIgnoreCase);
            Assert.StartsWith("text/plain", reply.ContentType, StringComparison.Ordinal);
        }

        Assert.Contains("logon name", none.Body, StringComparison.Ordinal);
        Assert.Contains("user name", wrongUser.Body, StringComparison.Ordinal);
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
        Assert.Empty(await IssuedForAsync(request.Request.Id));

        // Note: the refusals did not use the code up.
        await EnrolAsync(request, "good");
    }

    [Fact]
    public async Task SimpleEnroll_CodeInChallengePasswordWithoutBasic_IssuesToThePerson()
    {
        var request = await ChallengeAsync();
        await File.WriteAllTextAsync(Path.Combine(Dir, "req.cnf"),
            $"[req]\nprompt = no\ndistinguished_name = dn\nattributes = attrs\n[dn]\nCN = dev1\n[attrs]\nchallengePassword = {request.Code}\n");
        await ShAsync("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out cp.key && openssl req -new -key cp.key -config req.cnf -outform DER | base64 > cp.b64");

        var reply = await CurlAsync("simpleenroll", Post("cp.b64"));

        Assert.True(reply.Status == 200, reply.Body);
        var leaf = await LeafAsync(reply, "cp");
        Assert.Equal($"CN={request.Person.DisplayName}", leaf.Subject);
        Assert.Equal(request.Person.Id, Assert.Single(await IssuedForAsync(request.Request.Id)).PersonId);
    }

    [Fact]
    public async Task SimpleEnroll_StaticChallenge_IssuesWithTheCsrSubject()
    {
        await DeviceProfileAsync("est-static", staticChallenge: "est-shared-secret-0123456");
        await CsrAsync("kiosk", "/CN=kiosk-9");

        var reply = await CurlAsync("simpleenroll", $"-u any:est-shared-secret-0123456 {Post("kiosk.b64")}");

        Assert.True(reply.Status == 200, reply.Body);
        var leaf = await LeafAsync(reply, "kiosk");
        Assert.Equal("CN=kiosk-9", leaf.Subject);
        await AssertVerifiesAsync(Path.Combine(Dir, "kiosk.pem"));
    }

    [Fact]
    public async Task SimpleReenroll_ClientCertificate_IssuesNewAndSupersedesTheOld()
    {
        var request = await ChallengeAsync();
        var first = await EnrolAsync(request, "dev");
        await RenewalCsrAsync();

        var reply = await CurlAsync("simplereenroll", $"--cert {Dir}/dev.pem --key {Dir}/dev.key {Post("next.b64")}");

        Assert.True(reply.Status == 200, reply.Body);
        var next = await LeafAsync(reply, "next");
        await AssertVerifiesAsync(Path.Combine(Dir, "next.pem"));
        Assert.Equal(first.Subject, next.Subject);
        Assert.NotEqual(first.SerialNumber, next.SerialNumber);
        var all = await IssuedForAsync(request.Request.Id);
        var old = all.Single(c => c.Der.AsSpan().SequenceEqual(first.RawData));
        var renewed = all.Single(c => c.Der.AsSpan().SequenceEqual(next.RawData));
        Assert.Equal(CertificateStatus.Revoked, old.Status);
        Assert.Equal(4, old.RevocationReason);
        Assert.Equal(old.Id, renewed.RenewsId);
        Assert.Equal(CertificateStatus.Valid, renewed.Status);
    }

    [Fact]
    public async Task SimpleReenroll_NoForeignOrMismatchedCertificate_RefusedAndNothingIssued()
    {
        var request = await ChallengeAsync();
        await EnrolAsync(request, "dev");
        await RenewalCsrAsync();
        await ShAsync("openssl x509 -req -in next.csr -key next.key -days 1 -out foreign.pem");
        await CsrAsync("elsewhere", "/CN=someone-else");

        var none = await CurlAsync("simplereenroll", Post("next.b64"));
        var foreign = await CurlAsync("simplereenroll", $"--cert {Dir}/foreign.pem --key {Dir}/next.key {Post("next.b64")}");
        var mismatched = await CurlAsync("simplereenroll", $"--cert {Dir}/dev.pem --key {Dir}/dev.key {Post("elsewhere.b64")}");

        Assert.Equal(403, none.Status);
        Assert.Contains("TLS client certificate", none.Body, StringComparison.Ordinal);
        Assert.Equal(404, foreign.Status);
        Assert.Contains("not issued by this server", foreign.Body, StringComparison.Ordinal);
        Assert.Equal(400, mismatched.Status);
        Assert.Contains("RFC 7030 §4.2.2", mismatched.Body, StringComparison.Ordinal);
        Assert.All(new[] { none, foreign, mismatched }, r => Assert.StartsWith("text/plain", r.ContentType, StringComparison.Ordinal));
        var issued = Assert.Single(await IssuedForAsync(request.Request.Id));
        Assert.Equal(CertificateStatus.Valid, issued.Status);
    }

    [Fact]
    public async Task ServerKeyGen_BasicAuth_ReturnsThePkcs8KeyOfTheCertificate()
    {
        var request = await ChallengeAsync();
        await CsrAsync("ask");

        var reply = await CurlAsync("serverkeygen", $"-u {request.Person.LogonName}:{request.Code} {Post("ask.b64")}");

        var leaf = await ServerKeyAsync(reply);
        Assert.Equal($"CN={request.Person.DisplayName}", leaf.Subject);
        await ShAsync("openssl pkey -in ask.key -pubout -out ask-pub.pem && ! cmp -s ask-pub.pem cert-pub.pem");
        Assert.Single(await IssuedForAsync(request.Request.Id));
    }

    [Fact]
    public async Task ServerKeyGen_ClientCertificate_RenewsWithAServerMadeKey()
    {
        var request = await ChallengeAsync();
        var first = await EnrolAsync(request, "dev");
        await RenewalCsrAsync();

        var reply = await CurlAsync("serverkeygen", $"--cert {Dir}/dev.pem --key {Dir}/dev.key {Post("next.b64")}");

        var leaf = await ServerKeyAsync(reply);
        Assert.Equal(first.Subject, leaf.Subject);
        await ShAsync("openssl pkey -in next.key -pubout -out next-pub.pem && ! cmp -s next-pub.pem cert-pub.pem");
        var all = await IssuedForAsync(request.Request.Id);
        Assert.Equal(2, all.Count);
        Assert.Equal(CertificateStatus.Revoked, all.Single(c => c.Der.AsSpan().SequenceEqual(first.RawData)).Status);
        Assert.Equal(CertificateStatus.Valid, all.Single(c => c.Der.AsSpan().SequenceEqual(leaf.RawData)).Status);
    }

    /// <summary>A new key <c>next.key</c> and a request for it that copies the Subject and SAN of <c>dev.pem</c> (RFC 7030 §4.2.2): <c>next.csr</c>, <c>next.b64</c>.</summary>
    private Task RenewalCsrAsync() =>
        ShAsync("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out next.key"
            + " && openssl x509 -x509toreq -in dev.pem -key next.key -copy_extensions copyall -out next.csr"
            + " && openssl req -in next.csr -outform DER | base64 > next.b64");

    /// <summary>
    /// Splits a serverkeygen answer (multipart/mixed) into the PKCS#8 key (<c>key.b64</c>) and the certs-only
    /// part; asserts with openssl that the key is the certificate's (<c>made.pem</c>), and returns the certificate.
    /// </summary>
    private async Task<System.Security.Cryptography.X509Certificates.X509Certificate2> ServerKeyAsync(EstReply reply)
    {
        Assert.True(reply.Status == 200, reply.Body);
        var boundary = Regex.Match(reply.ContentType, "^multipart/mixed; boundary=(.+)$").Groups[1].Value;
        Assert.NotEmpty(boundary);
        var parts = reply.Body.Split("--" + boundary).Skip(1).SkipLast(1).Select(p => p.Split("\r\n\r\n", 2)).ToList();
        Assert.Equal(2, parts.Count);
        Assert.Contains("Content-Type: application/pkcs8", parts[0][0], StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/pkcs7-mime; smime-type=certs-only", parts[1][0], StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(Dir, "key.b64"), parts[0][1]);
        await File.WriteAllTextAsync(Path.Combine(Dir, "cert.b64"), parts[1][1]);
        var leaf = await LeafAsync(reply with { File = Path.Combine(Dir, "cert.b64") }, "made");
        await AssertVerifiesAsync(Path.Combine(Dir, "made.pem"));
        await ShAsync("base64 -d key.b64 | openssl pkey -inform DER -pubout -out key-pub.pem && openssl x509 -in made.pem -noout -pubkey -out cert-pub.pem"
            + " && cmp key-pub.pem cert-pub.pem");
        return leaf;
    }
}
