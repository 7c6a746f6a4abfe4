using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Revocation;

namespace MobileId.Pki.Tests.Revocation;

/// <summary>The second client: GnuTLS's <c>ocsptool</c> (Debian gnutls-bin) parses and verifies our responses.</summary>
public sealed class OcspOcsptoolTests(OcspPkiFixture fixture) : IClassFixture<OcspPkiFixture>
{
    public static TheoryData<PkiVariant, Signer, string> Matrix()
    {
        var data = new TheoryData<PkiVariant, Signer, string>();
        foreach (var variant in Enum.GetValues<PkiVariant>())
        {
            foreach (var signer in Enum.GetValues<Signer>())
            {
                foreach (var status in new[] { "good", "revoked", "unknown" })
                {
                    data.Add(variant, signer, status);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Build_StatusForOpensslRequest_OcsptoolPrintsAndVerifiesIt(PkiVariant variant, Signer signer, string status)
    {
        // Arrange
        var pki = fixture.Get(variant);
        var name = $"gnutls-{variant}-{signer}-{status}";
        var parsed = OcspRequestParser.Parse(await pki.OpensslRequestAsync($"req-{name}.der", []));
        Assert.True(parsed.Succeeded, parsed.Error);
        var certId = parsed.Request.CertIds[0];
        var now = DateTimeOffset.UtcNow;
        var revokedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var single = status switch
        {
            "good" => OcspSingleResponse.Good(certId, now, now.AddHours(2)),
            "revoked" => OcspSingleResponse.Revoked(certId, revokedAt, X509RevocationReason.KeyCompromise, now, now.AddHours(2)),
            _ => OcspSingleResponse.Unknown(certId, now, now.AddHours(2)),
        };

        // Act
        var response = pki.Builder(signer).Build([single], now, parsed.Request.Nonce);
        await File.WriteAllBytesAsync(pki.PathOf($"resp-{name}.der"), response);

        // Assert 1: parse and print.
        var info = await ExternalTool.RunOkAsync(pki.Directory, "ocsptool", "-j", "--load-response", $"resp-{name}.der");
        Assert.Contains("Response Status: Successful", info.Output, StringComparison.Ordinal);
        Assert.Contains("Serial Number: " + Convert.ToHexStringLower(pki.Leaf.SerialNumberBytes.Span), info.Output, StringComparison.Ordinal);
        Assert.Contains("Certificate Status: " + status, info.Output, StringComparison.Ordinal);
        Assert.Contains("Nonce: " + Convert.ToHexStringLower(parsed.Request.Nonce!.Value.Span), info.Output, StringComparison.Ordinal);
        Assert.Contains("Responder Key ID: " + Convert.ToHexStringLower(pki.Builder(signer).ResponderKeyHash.Span), info.Output, StringComparison.Ordinal);
        if (status == "revoked")
        {
            Assert.Contains("Revocation time: Fri Jan 02 03:04:05 UTC 2026", info.Output, StringComparison.Ordinal);
        }

        // Assert 2: the signature against the signer certificate given directly.
        var direct = await ExternalTool.RunOkAsync(pki.Directory, "ocsptool", "-e", "--load-signer", OcspTestPki.SignerPem(signer),
            "--infile", $"resp-{name}.der");
        Assert.Contains("Verifying OCSP Response: Success.", direct.Output, StringComparison.Ordinal);

        // Assert 3: with only the issuing CA trusted, GnuTLS takes the responder from `certs` and checks the delegation.
        var trusted = await ExternalTool.RunOkAsync(pki.Directory, "ocsptool", "-e", "--load-trust", "ica.pem", "--infile", $"resp-{name}.der");
        Assert.Contains("Verifying OCSP Response: Success.", trusted.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_TamperedResponse_OcsptoolReportsFailure()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var now = DateTimeOffset.UtcNow;
        var response = pki.Builder(Signer.Delegated).Build(
            [OcspSingleResponse.Good(pki.IssuerId.CreateCertId(pki.Leaf.SerialNumberBytes.Span, HashAlgorithmName.SHA1), now, now.AddHours(1))], now);
        response[response.AsSpan().IndexOf(pki.Leaf.SerialNumberBytes.Span) + 2] ^= 0x80;
        await File.WriteAllBytesAsync(pki.PathOf("resp-gnutls-tampered.der"), response);

        var check = await ExternalTool.RunAsync(pki.Directory, "ocsptool", "-e", "--load-signer", "responder.pem", "--infile", "resp-gnutls-tampered.der");

        Assert.NotEqual(0, check.ExitCode);
        Assert.Contains("Verifying OCSP Response: Failure", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_LeafCertificateAsResponder_OcsptoolRejectsTheDelegation()
    {
        // Arrange: right CA, but no id-kp-OCSPSigning — so the passing cases do depend on the responder profile.
        var pki = fixture.Get(PkiVariant.Ec);
        var now = DateTimeOffset.UtcNow;
        var response = new OcspResponseBuilder(pki.LeafKey, pki.Leaf).Build(
            [OcspSingleResponse.Good(pki.IssuerId.CreateCertId(pki.Leaf.SerialNumberBytes.Span, HashAlgorithmName.SHA1), now, now.AddHours(1))], now);
        await File.WriteAllBytesAsync(pki.PathOf("resp-gnutls-leaf-signed.der"), response);

        // Act
        var check = await ExternalTool.RunAsync(pki.Directory, "ocsptool", "-e", "--load-trust", "ica.pem", "--infile", "resp-gnutls-leaf-signed.der");

        // Assert
        Assert.NotEqual(0, check.ExitCode);
        Assert.Contains("Verifying OCSP Response: Failure", check.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OcspResponseStatus.MalformedRequest, "malformedRequest")]
    [InlineData(OcspResponseStatus.Unauthorized, "unauthorized")]
    [InlineData(OcspResponseStatus.TryLater, "tryLater")]
    public async Task Error_ErrorStatus_OcsptoolPrintsIt(OcspResponseStatus status, string printed)
    {
        var pki = fixture.Get(PkiVariant.Ec);
        await File.WriteAllBytesAsync(pki.PathOf($"err-gnutls-{status}.der"), OcspResponseBuilder.Error(status));

        var info = await ExternalTool.RunOkAsync(pki.Directory, "ocsptool", "-j", "--load-response", $"err-gnutls-{status}.der");

        Assert.Contains("Response Status: " + printed, info.Output, StringComparison.Ordinal);
    }
}
