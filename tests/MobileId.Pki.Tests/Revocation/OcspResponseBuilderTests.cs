using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Revocation;

namespace MobileId.Pki.Tests.Revocation;

/// <summary>Responses checked by OpenSSL 3.0, the client most relying parties use (`openssl ocsp -respin`).</summary>
public sealed class OcspResponseBuilderTests(OcspPkiFixture fixture) : IClassFixture<OcspPkiFixture>
{
    public static readonly DateTimeOffset RevokedAt = new(2026, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public static TheoryData<PkiVariant, Signer, string> StatusMatrix()
    {
        var data = new TheoryData<PkiVariant, Signer, string>();
        foreach (var variant in Enum.GetValues<PkiVariant>())
        {
            foreach (var signer in Enum.GetValues<Signer>())
            {
                foreach (var status in new[] { "good", "revoked", "hold", "unknown" })
                {
                    data.Add(variant, signer, status);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StatusMatrix))]
    public async Task Build_StatusForOpensslRequest_OpensslVerifiesStatusAndEchoedNonce(PkiVariant variant, Signer signer, string status)
    {
        // Arrange
        var pki = fixture.Get(variant);
        var name = $"{variant}-{signer}-{status}";
        var parsed = OcspRequestParser.Parse(await pki.OpensslRequestAsync($"req-{name}.der", []));
        Assert.True(parsed.Succeeded, parsed.Error);
        var certId = Assert.Single(parsed.Request.CertIds);
        Assert.Equal(OcspIssuerMatch.Ours, pki.IssuerId.Match(certId));
        var now = DateTimeOffset.UtcNow;
        var single = status switch
        {
            "good" => OcspSingleResponse.Good(certId, now, now.AddHours(4)),
            "revoked" => OcspSingleResponse.Revoked(certId, RevokedAt, X509RevocationReason.KeyCompromise, now, now.AddHours(4)),
            "hold" => OcspSingleResponse.Revoked(certId, RevokedAt, X509RevocationReason.CertificateHold, now, now.AddHours(4)),
            _ => OcspSingleResponse.Unknown(certId, now, now.AddHours(4)),
        };

        // Act
        var response = pki.Builder(signer).Build([single], now, parsed.Request.Nonce);
        await File.WriteAllBytesAsync(pki.PathOf($"resp-{name}.der"), response);

        // Assert 1: signature, chain (root + ica as trust, responder from `certs`), status and times.
        var check = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", $"resp-{name}.der", "-issuer", "ica.pem",
            "-cert", "leaf.pem", "-no_nonce", "-CAfile", "chain.pem", "-resp_text");
        Assert.Contains("Response verify OK", check.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING", check.Output, StringComparison.Ordinal);
        Assert.Contains($"leaf.pem: {(status == "hold" ? "revoked" : status)}", check.Output, StringComparison.Ordinal);
        Assert.Contains($"This Update: {OcspTestPki.OpensslTime(now)}", check.Output, StringComparison.Ordinal);
        Assert.Contains($"Next Update: {OcspTestPki.OpensslTime(now.AddHours(4))}", check.Output, StringComparison.Ordinal);
        if (status is "revoked" or "hold")
        {
            Assert.Contains($"Reason: {(status == "hold" ? "certificateHold" : "keyCompromise")}", check.Output, StringComparison.Ordinal);
            Assert.Contains($"Revocation Time: {OcspTestPki.OpensslTime(RevokedAt)}", check.Output, StringComparison.Ordinal);
        }

        var nonceHex = Convert.ToHexString(TestRequests.NonceValue(parsed.Request.Nonce!.Value.ToArray()));
        Assert.Contains("OCSP Nonce: \n            " + nonceHex, check.StandardOutput, StringComparison.Ordinal);

        // Assert 2: openssl compares the response's nonce with the request's.
        var nonce = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", $"resp-{name}.der", "-reqin", $"req-{name}.der",
            "-CAfile", "chain.pem");
        Assert.Contains("Response verify OK", nonce.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Nonce Verify error", nonce.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING", nonce.Output, StringComparison.Ordinal);

        // Assert 3: the responder trusted directly (-VAfile), as a client configured with it would.
        var direct = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", $"resp-{name}.der", "-issuer", "ica.pem",
            "-cert", "leaf.pem", "-no_nonce", "-VAfile", OcspTestPki.SignerPem(signer));
        Assert.Contains("Response verify OK", direct.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_RequestWithoutNonce_CarriesNoNonceAndOpensslAccepts()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var parsed = OcspRequestParser.Parse(await pki.OpensslRequestAsync("req-nn.der", ["-no_nonce"]));
        Assert.True(parsed.Succeeded, parsed.Error);
        var now = DateTimeOffset.UtcNow;

        var response = pki.Builder(Signer.Delegated).Build([OcspSingleResponse.Good(parsed.Request.CertIds[0], now, now.AddHours(1))], now, parsed.Request.Nonce);
        await File.WriteAllBytesAsync(pki.PathOf("resp-nn.der"), response);

        var check = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", "resp-nn.der", "-reqin", "req-nn.der",
            "-CAfile", "chain.pem", "-resp_text");
        Assert.Contains("Response verify OK", check.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Nonce", check.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("WARNING", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_PreSignedForACertIdWithoutRequest_OpensslAcceptsItForItsOwnRequest()
    {
        // Arrange: the cache case — signed ahead from the serial alone, with no nonce.
        var pki = fixture.Get(PkiVariant.Rsa);
        var now = DateTimeOffset.UtcNow;
        var certId = pki.IssuerId.CreateCertId(pki.Leaf.SerialNumberBytes.Span, HashAlgorithmName.SHA1);

        // Act
        var response = pki.Builder(Signer.Delegated).Build([OcspSingleResponse.Good(certId, now, now.AddDays(1))], now);
        await File.WriteAllBytesAsync(pki.PathOf("resp-cached.der"), response);

        // Assert: the CertID is byte for byte what openssl asks for, and openssl takes the answer.
        var request = OcspRequestParser.Parse(await pki.OpensslRequestAsync("req-cached.der", ["-no_nonce"]));
        Assert.True(request.Succeeded, request.Error);
        Assert.Equal(request.Request.CertIds[0].Encoded.ToArray(), certId.Encoded.ToArray());
        var check = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", "resp-cached.der", "-issuer", "ica.pem",
            "-cert", "leaf.pem", "-no_nonce", "-CAfile", "chain.pem");
        Assert.Contains("leaf.pem: good", check.Output, StringComparison.Ordinal);
        Assert.Contains("Response verify OK", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_Sha256CertId_IsEchoedExactlyAndMatchedByOpenssl()
    {
        var pki = fixture.Get(PkiVariant.RsaLeafUnderEcCa);
        var parsed = OcspRequestParser.Parse(await pki.OpensslRequestAsync("req-256.der", ["-sha256"]));
        Assert.True(parsed.Succeeded, parsed.Error);
        var certId = parsed.Request.CertIds[0];
        var now = DateTimeOffset.UtcNow;

        var response = pki.Builder(Signer.IssuingCa).Build([OcspSingleResponse.Good(certId, now, now.AddHours(1))], now, parsed.Request.Nonce);
        await File.WriteAllBytesAsync(pki.PathOf("resp-256.der"), response);

        Assert.True(response.AsSpan().IndexOf(certId.Encoded.Span) > 0, "the CertID must be echoed byte for byte");
        var check = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", "resp-256.der", "-issuer", "ica.pem", "-sha256",
            "-cert", "leaf.pem", "-no_nonce", "-CAfile", "chain.pem", "-resp_text");
        Assert.Contains("leaf.pem: good", check.Output, StringComparison.Ordinal);
        Assert.Contains("Hash Algorithm: sha256", check.Output, StringComparison.Ordinal);
        Assert.Contains("Response verify OK", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_TwoCertIds_AnswersEachInRequestOrder()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var parsed = OcspRequestParser.Parse(await pki.OpensslRequestAsync("req-2.der", [], "leaf.pem", "responder.pem"));
        Assert.True(parsed.Succeeded, parsed.Error);
        var now = DateTimeOffset.UtcNow;

        var response = pki.Builder(Signer.Delegated).Build(
        [
            OcspSingleResponse.Good(parsed.Request.CertIds[0], now, now.AddHours(1)),
            OcspSingleResponse.Revoked(parsed.Request.CertIds[1], RevokedAt, X509RevocationReason.Superseded, now, now.AddHours(1)),
        ], now, parsed.Request.Nonce);
        await File.WriteAllBytesAsync(pki.PathOf("resp-2.der"), response);

        var check = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", "resp-2.der", "-reqin", "req-2.der",
            "-CAfile", "chain.pem", "-resp_text");
        Assert.Contains("Response verify OK", check.Output, StringComparison.Ordinal);
        var good = check.Output.IndexOf("Cert Status: good", StringComparison.Ordinal);
        var revoked = check.Output.IndexOf("Cert Status: revoked", StringComparison.Ordinal);
        Assert.True(good > 0 && revoked > good, check.ToString());
        Assert.Contains("Reason: superseded", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_RevokedWithUnspecifiedReason_OmitsTheReason()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var certId = pki.IssuerId.CreateCertId(pki.Leaf.SerialNumberBytes.Span, HashAlgorithmName.SHA1);
        var now = DateTimeOffset.UtcNow;

        var response = pki.Builder(Signer.Delegated).Build(
            [OcspSingleResponse.Revoked(certId, RevokedAt, X509RevocationReason.Unspecified, now, now.AddHours(1))], now);
        await File.WriteAllBytesAsync(pki.PathOf("resp-unspecified.der"), response);

        var check = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", "resp-unspecified.der", "-issuer", "ica.pem",
            "-cert", "leaf.pem", "-no_nonce", "-CAfile", "chain.pem");
        Assert.Contains("leaf.pem: revoked", check.Output, StringComparison.Ordinal);
        Assert.Contains($"Revocation Time: {OcspTestPki.OpensslTime(RevokedAt)}", check.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Reason", check.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Signer.Delegated)]
    [InlineData(Signer.IssuingCa)]
    public async Task Build_AnySigner_ResponderIdIsKeyHashAndCertsHoldTheSigner(Signer signer)
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var signerCertificate = signer == Signer.Delegated ? pki.Responder : pki.Issuing;
        var builder = pki.Builder(signer);
        var now = DateTimeOffset.UtcNow;

        var response = builder.Build([OcspSingleResponse.Good(pki.IssuerId.CreateCertId(pki.Leaf.SerialNumberBytes.Span, HashAlgorithmName.SHA1), now, now.AddHours(1))], now);
        await File.WriteAllBytesAsync(pki.PathOf($"resp-id-{signer}.der"), response);

        var expectedKeyHash = SHA1.HashData(signerCertificate.PublicKey.EncodedKeyValue.RawData);
        Assert.Equal(expectedKeyHash, builder.ResponderKeyHash.ToArray());
        var check = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-respin", $"resp-id-{signer}.der", "-resp_text", "-noverify");
        Assert.Contains("Responder Id: " + Convert.ToHexString(expectedKeyHash), check.Output, StringComparison.Ordinal);
        Assert.Contains(signerCertificate.ExportCertificatePem(), check.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_TamperedSignature_OpensslRejects()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var now = DateTimeOffset.UtcNow;
        var response = pki.Builder(Signer.Delegated).Build(
            [OcspSingleResponse.Good(pki.IssuerId.CreateCertId(pki.Leaf.SerialNumberBytes.Span, HashAlgorithmName.SHA1), now, now.AddHours(1))], now);
        // The serial sits inside the signed ResponseData: change one of its octets.
        var at = response.AsSpan().IndexOf(pki.Leaf.SerialNumberBytes.Span) + 3;
        response[at] ^= 0x01;
        await File.WriteAllBytesAsync(pki.PathOf("resp-tampered.der"), response);

        var check = await ExternalTool.RunAsync(pki.Directory, "openssl", "ocsp", "-respin", "resp-tampered.der", "-CAfile", "chain.pem");

        Assert.NotEqual(0, check.ExitCode);
        Assert.Contains("Response Verify Failure", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_LeafCertificateAsResponder_OpensslRejectsTheDelegation()
    {
        // Arrange: a certificate from the right CA but without id-kp-OCSPSigning must not be able to answer.
        var pki = fixture.Get(PkiVariant.Ec);
        var now = DateTimeOffset.UtcNow;
        var builder = new OcspResponseBuilder(pki.LeafKey, pki.Leaf);

        // Act
        var response = builder.Build([OcspSingleResponse.Good(pki.IssuerId.CreateCertId(pki.Leaf.SerialNumberBytes.Span, HashAlgorithmName.SHA1), now, now.AddHours(1))], now);
        await File.WriteAllBytesAsync(pki.PathOf("resp-leaf-signed.der"), response);
        var check = await ExternalTool.RunAsync(pki.Directory, "openssl", "ocsp", "-respin", "resp-leaf-signed.der", "-issuer", "ica.pem",
            "-cert", "leaf.pem", "-no_nonce", "-CAfile", "chain.pem");

        // Assert: so the passing cases above do depend on the responder profile.
        Assert.NotEqual(0, check.ExitCode);
        Assert.Contains("Response Verify Failure", check.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OcspResponseStatus.MalformedRequest, "malformedrequest (1)")]
    [InlineData(OcspResponseStatus.InternalError, "internalerror (2)")]
    [InlineData(OcspResponseStatus.TryLater, "trylater (3)")]
    [InlineData(OcspResponseStatus.SigRequired, "sigrequired (5)")]
    [InlineData(OcspResponseStatus.Unauthorized, "unauthorized (6)")]
    public async Task Error_ErrorStatus_OpensslPrintsIt(OcspResponseStatus status, string printed)
    {
        var pki = fixture.Get(PkiVariant.Ec);

        var response = OcspResponseBuilder.Error(status);
        await File.WriteAllBytesAsync(pki.PathOf($"err-{status}.der"), response);

        Assert.Equal(new byte[] { 0x30, 0x03, 0x0A, 0x01, (byte)status }, response);
        var check = await ExternalTool.RunAsync(pki.Directory, "openssl", "ocsp", "-respin", $"err-{status}.der", "-resp_text");
        Assert.Contains("Responder Error: " + printed, check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_ForAMalformedRequest_OpensslPrintsMalformedRequest()
    {
        // Arrange: the whole path — a truncated request, the parser's status, the builder's answer.
        var pki = fixture.Get(PkiVariant.Ec);
        var request = await pki.OpensslRequestAsync("req-cut.der", []);
        var parsed = OcspRequestParser.Parse(request.AsSpan(0, request.Length - 5));

        // Act
        var response = OcspResponseBuilder.Error(parsed.Status);
        await File.WriteAllBytesAsync(pki.PathOf("err-cut.der"), response);

        // Assert
        var check = await ExternalTool.RunAsync(pki.Directory, "openssl", "ocsp", "-respin", "err-cut.der", "-resp_text");
        Assert.Contains("malformedrequest", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_Successful_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => OcspResponseBuilder.Error(OcspResponseStatus.Successful));

    [Fact]
    public void Constructor_CertificateOfAnotherKey_Throws()
    {
        var pki = fixture.Get(PkiVariant.Ec);

        Assert.Throws<ArgumentException>(() => new OcspResponseBuilder(pki.ResponderKey, pki.Issuing));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(129)]
    public void Build_NonceOutsideOneTo128Octets_Throws(int length)
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var now = DateTimeOffset.UtcNow;
        var single = OcspSingleResponse.Good(pki.IssuerId.CreateCertId([0x01], HashAlgorithmName.SHA1), now, now.AddHours(1));

        Assert.Throws<ArgumentException>(() => pki.Builder(Signer.Delegated).Build([single], now, new byte[length]));
    }

    [Fact]
    public void Build_NoSingleResponse_Throws()
    {
        var pki = fixture.Get(PkiVariant.Ec);

        Assert.Throws<ArgumentException>(() => pki.Builder(Signer.Delegated).Build([], DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Good_NextUpdateNotAfterThisUpdate_Throws()
    {
        var certId = OcspCertId.Create(HashAlgorithmName.SHA1, new byte[20], new byte[20], [0x01]);
        var now = DateTimeOffset.UtcNow;

        Assert.Throws<ArgumentException>(() => OcspSingleResponse.Good(certId, now, now));
    }

    [Theory]
    [InlineData(X509RevocationReason.RemoveFromCrl)]
    [InlineData(X509RevocationReason.WeakAlgorithmOrKey)]
    [InlineData((X509RevocationReason)7)]
    public void Revoked_ReasonOcspCannotCarry_Throws(X509RevocationReason reason)
    {
        var certId = OcspCertId.Create(HashAlgorithmName.SHA1, new byte[20], new byte[20], [0x01]);
        var now = DateTimeOffset.UtcNow;

        Assert.Throws<ArgumentOutOfRangeException>(() => OcspSingleResponse.Revoked(certId, now, reason, now, now.AddHours(1)));
    }
}
