namespace MobileId.Interop.Tests.Features.Est;

/// <summary>EST's unauthenticated operations and its refusals, with curl and openssl: text errors with the right status, never a 500, nothing issued.</summary>
public sealed class EstProtocolTests : EstTestKit
{
    [Fact]
    public async Task CaCerts_DefaultAndLabelled_ChainParsedByOpenssl()
    {
        var plain = await CurlAsync("cacerts");
        var labelled = await CurlAsync($"{IssuingCa}/cacerts");

        foreach (var (reply, name) in new[] { (plain, "plain"), (labelled, "labelled") })
        {
            Assert.True(reply.Status == 200, reply.Body);
            Assert.Equal("application/pkcs7-mime", reply.ContentType);
            var certificates = await CertificatesAsync(reply, name);
            Assert.Equal(2, certificates.Count);
            var root = Assert.Single(certificates, c => c.Subject == c.Issuer);
            Assert.Single(certificates, c => c.Subject != c.Issuer && c.Issuer == root.Subject);
        }

        Assert.Equal(plain.Body, labelled.Body);
    }

    [Fact]
    public async Task CaCerts_UnknownLabel_404Text()
    {
        var reply = await CurlAsync("NoSuchCA/cacerts");

        Assert.Equal(404, reply.Status);
        Assert.StartsWith("text/plain", reply.ContentType, StringComparison.Ordinal);
        Assert.Contains("no active issuing CA named 'NoSuchCA'", reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CsrAttrs_EcdsaProfile_ListsChallengePasswordCurveAndSignature()
    {
        await ChallengeAsync("EcdsaP256");

        var reply = await CurlAsync("csrattrs");

        Assert.True(reply.Status == 200, reply.Body);
        Assert.Equal("application/csrattrs", reply.ContentType);
        var parsed = await ShAsync($"base64 -d {reply.File} | openssl asn1parse -inform DER");
        Assert.Contains(":challengePassword", parsed, StringComparison.Ordinal);
        Assert.Contains(":id-ecPublicKey", parsed, StringComparison.Ordinal);
        Assert.Contains(":prime256v1", parsed, StringComparison.Ordinal);
        Assert.Contains(":ecdsa-with-SHA256", parsed, StringComparison.Ordinal);
        Assert.DoesNotContain(":rsaEncryption", parsed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_EveryKind_TextErrorWithItsStatusAndNothingIssued()
    {
        var request = await ChallengeAsync();
        var auth = $"-u {request.Person.LogonName}:{request.Code}";
        await ShAsync("printf 'not base64 at all!' > garbage.b64 && openssl x509 -in tls.pem -outform DER | base64 > certificate.b64"
            + " && head -c 70000 /dev/zero | base64 > big.b64 && openssl genpkey -algorithm RSA -out k.key && openssl req -new -key k.key -subj /CN=dev1 -out csr.pem"
            + " && openssl genpkey -algorithm ED25519 -out ed.key && openssl req -new -key ed.key -subj /CN=dev1 -outform DER | base64 > ed.b64");

        var replies = new (EstReply Reply, int Status, string Says)[]
        {
            (await CurlAsync("simpleenroll", $"{auth} -H Content-Type:application/pkcs10 --data-binary @{Dir}/garbage.b64"), 400, "not base64"),
            (await CurlAsync("simpleenroll", $"{auth} -H Content-Type:application/pkcs10 --data-binary @{Dir}/certificate.b64"), 400, "not a PKCS#10"),
            (await CurlAsync("simpleenroll", $"{auth} -H Content-Type:application/pkcs10 --data-binary @{Dir}/ed.b64"), 400, "not supported"),
            (await CurlAsync("simpleenroll", $"{auth} -H Content-Type:application/json --data-binary @{Dir}/csr.pem"), 415, "application/pkcs10"),
            (await CurlAsync("simpleenroll", $"{auth} --data-binary @{Dir}/csr.pem"), 415, "application/pkcs10"),
            (await CurlAsync("simpleenroll", $"{auth} -H Content-Type:application/pkcs10 --data-binary @{Dir}/big.b64"), 413, "larger than"),
            (await CurlAsync("simpleenroll", $"{auth} -H Content-Type:application/pkcs10 -H Transfer-Encoding:chunked --data-binary @{Dir}/big.b64"), 413, "larger than"),
            (await CurlAsync("simpleenroll", $"{auth} -X POST -H Content-Type:application/pkcs10"), 400, "empty"),
            (await CurlAsync("fullcmc", $"-H Content-Type:application/pkcs7-mime --data-binary @{Dir}/csr.pem"), 404, "not an EST operation"),
            (await CurlAsync($"{IssuingCa}/enroll/now"), 404, "no such EST address"),
            (await CurlAsync("simpleenroll"), 405, "takes POST"),
            (await CurlAsync("cacerts", "-X POST"), 405, "takes GET"),
        };

        Assert.All(replies, r =>
        {
            Assert.True(r.Reply.Status == r.Status, $"{r.Says}: {r.Reply.Status} {r.Reply.Body}");
            Assert.StartsWith("text/plain", r.Reply.ContentType, StringComparison.Ordinal);
            Assert.Contains(r.Says, r.Reply.Body, StringComparison.OrdinalIgnoreCase);
        });
        Assert.Equal(MobileIdStatus.ReadyToCollect, (await StoredAsync(request.Request.Id)).Status);
        Assert.Empty(await IssuedForAsync(request.Request.Id));

        // Note: a PEM request is read too, and the code still works after all that.
        var pem = await CurlAsync("simpleenroll", $"{auth} -H Content-Type:application/pkcs10 --data-binary @{Dir}/csr.pem");
        Assert.True(pem.Status == 200, pem.Body);
    }
}

/// <summary>EST on plain HTTP: every operation is refused with a text that says to use HTTPS.</summary>
public sealed class EstPlainHttpTests : EstTestKit
{
    protected override System.Security.Cryptography.X509Certificates.X509Certificate2? HttpsCertificate => null;

    [Fact]
    public async Task Est_PlainHttp_403TextAndNothingIssued()
    {
        var request = await ChallengeAsync();
        await CsrAsync("dev");

        var cacerts = await CurlAsync("cacerts");
        var enrol = await CurlAsync("simpleenroll", $"-u {request.Person.LogonName}:{request.Code} -H Content-Type:application/pkcs10 --data-binary @{Dir}/dev.b64");

        Assert.StartsWith("http://", Base, StringComparison.Ordinal);
        Assert.All(new[] { cacerts, enrol }, r =>
        {
            Assert.Equal(403, r.Status);
            Assert.StartsWith("text/plain", r.ContentType, StringComparison.Ordinal);
            Assert.Contains("HTTPS only", r.Body, StringComparison.Ordinal);
        });
        Assert.Empty(await IssuedForAsync(request.Request.Id));
    }
}
