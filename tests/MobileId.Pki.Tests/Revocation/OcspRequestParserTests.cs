using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MobileId.Pki.Revocation;

namespace MobileId.Pki.Tests.Revocation;

public sealed partial class OcspRequestParserTests(OcspPkiFixture fixture) : IClassFixture<OcspPkiFixture>
{
    [Theory]
    [InlineData(PkiVariant.Ec)]
    [InlineData(PkiVariant.Rsa)]
    [InlineData(PkiVariant.RsaLeafUnderEcCa)]
    public async Task Parse_OpensslRequestWithNonce_ReturnsOurCertIdSerialAndNonce(PkiVariant variant)
    {
        // Arrange
        var pki = fixture.Get(variant);
        var der = await pki.OpensslRequestAsync($"req-nonce-{variant}.der", []);
        var text = await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-reqin", $"req-nonce-{variant}.der", "-req_text");

        // Act
        var result = OcspRequestParser.Parse(der);

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(OcspResponseStatus.Successful, result.Status);
        var certId = Assert.Single(result.Request.CertIds);
        Assert.Equal(HashAlgorithmName.SHA1, certId.HashAlgorithm);
        Assert.Equal(pki.Leaf.SerialNumberBytes.ToArray(), certId.SerialNumber.ToArray());
        Assert.Equal(pki.Leaf.SerialNumber, certId.SerialNumberHex);
        Assert.Equal(OcspIssuerMatch.Ours, pki.IssuerId.Match(certId));
        Assert.False(result.Request.IsSigned);
        // openssl prints the extension value: 04 <length> <nonce>.
        var printed = NoncePattern().Match(text.StandardOutput);
        Assert.True(printed.Success, text.ToString());
        var nonce = result.Request.Nonce!.Value.ToArray();
        Assert.Equal(printed.Groups[1].Value, Convert.ToHexString(TestRequests.NonceValue(nonce)));
        Assert.Equal(16, nonce.Length);
    }

    [Fact]
    public async Task Parse_OpensslRequestWithoutNonce_HasNoNonce()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var der = await pki.OpensslRequestAsync("req-no-nonce.der", ["-no_nonce"]);

        var result = OcspRequestParser.Parse(der);

        Assert.True(result.Succeeded, result.Error);
        Assert.Null(result.Request.Nonce);
        Assert.Equal(pki.Leaf.SerialNumberBytes.ToArray(), Assert.Single(result.Request.CertIds).SerialNumber.ToArray());
    }

    [Fact]
    public async Task Parse_OpensslSha256Request_MatchesOurIssuerUnderSha256()
    {
        var pki = fixture.Get(PkiVariant.Rsa);
        var der = await pki.OpensslRequestAsync("req-sha256.der", ["-sha256"]);

        var result = OcspRequestParser.Parse(der);

        Assert.True(result.Succeeded, result.Error);
        var certId = Assert.Single(result.Request.CertIds);
        Assert.Equal(OcspCertId.Sha256Oid, certId.HashAlgorithmOid);
        Assert.Equal(HashAlgorithmName.SHA256, certId.HashAlgorithm);
        Assert.Equal(32, certId.IssuerNameHash.Length);
        Assert.Equal(OcspIssuerMatch.Ours, pki.IssuerId.Match(certId));
        Assert.Equal(pki.Leaf.SerialNumberBytes.ToArray(), certId.SerialNumber.ToArray());
    }

    [Fact]
    public async Task Parse_OpensslRequestForTwoCertificates_KeepsRequestOrderAndEncodings()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        var der = await pki.OpensslRequestAsync("req-two.der", [], "leaf.pem", "responder.pem");

        var result = OcspRequestParser.Parse(der);

        Assert.True(result.Succeeded, result.Error);
        Assert.Collection(result.Request.CertIds,
            first => Assert.Equal(pki.Leaf.SerialNumberBytes.ToArray(), first.SerialNumber.ToArray()),
            second => Assert.Equal(pki.Responder.SerialNumberBytes.ToArray(), second.SerialNumber.ToArray()));
        foreach (var certId in result.Request.CertIds)
        {
            // The kept encoding is a slice of what openssl sent.
            Assert.True(der.AsSpan().IndexOf(certId.Encoded.Span) > 0);
        }
    }

    [Fact]
    public async Task Parse_OpensslSignedRequest_IgnoresTheSignatureAndCertsButParsesPastThem()
    {
        // Arrange: a requestor key and certificate from openssl itself.
        var pki = fixture.Get(PkiVariant.Ec);
        await ExternalTool.RunOkAsync(pki.Directory, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "requestor.key", "-out", "requestor.pem", "-subj", "/CN=Requestor", "-days", "1");
        var der = await pki.OpensslRequestAsync("req-signed.der", ["-signer", "requestor.pem", "-signkey", "requestor.key", "-sign_other", "root.pem"]);

        // Act
        var result = OcspRequestParser.Parse(der);

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.Request.IsSigned);
        Assert.NotNull(result.Request.Nonce);
        Assert.Equal(pki.Leaf.SerialNumberBytes.ToArray(), Assert.Single(result.Request.CertIds).SerialNumber.ToArray());
    }

    [Fact]
    public async Task Parse_RequestAboutTheIssuingCaItself_IsNotOursButTheRoots()
    {
        var pki = fixture.Get(PkiVariant.Ec);
        await ExternalTool.RunOkAsync(pki.Directory, "openssl", "ocsp", "-issuer", "root.pem", "-cert", "ica.pem", "-reqout", "req-ica.der");

        var result = OcspRequestParser.Parse(await File.ReadAllBytesAsync(pki.PathOf("req-ica.der")));

        Assert.True(result.Succeeded, result.Error);
        var certId = Assert.Single(result.Request.CertIds);
        Assert.Equal(OcspIssuerMatch.NotOurs, pki.IssuerId.Match(certId));
        Assert.Equal(OcspIssuerMatch.Ours, OcspIssuerId.Create(pki.Root).Match(certId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(128)]
    public void Parse_NonceOfAllowedLength_IsReturned(int length)
    {
        var nonce = RandomNumberGenerator.GetBytes(length);
        var der = TestRequests.Build([TestRequests.SomeCertId()], [TestRequests.Nonce(nonce)]);

        var result = OcspRequestParser.Parse(der);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(nonce, result.Request.Nonce!.Value.ToArray());
    }

    [Fact]
    public void Parse_UnknownNonCriticalExtensions_AreIgnored()
    {
        // acceptable responses (RFC 6960 §4.4.3) and a private extension.
        var der = TestRequests.Build([TestRequests.SomeCertId()],
            [("1.3.6.1.5.5.7.48.1.4", false, [0x30, 0x0B, 0x06, 0x09, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01]), ("1.2.3.4", false, [0x05, 0x00])]);

        var result = OcspRequestParser.Parse(der);

        Assert.True(result.Succeeded, result.Error);
        Assert.Null(result.Request.Nonce);
    }

    [Fact]
    public void Parse_ExplicitVersionV1_IsAccepted()
    {
        var result = OcspRequestParser.Parse(TestRequests.Build([TestRequests.SomeCertId()], version: 0));

        Assert.True(result.Succeeded, result.Error);
    }

    [Fact]
    public void Parse_Sha384CertId_IsKeptForAnUnknownAnswer()
    {
        // Arrange: SHA-384 is well-formed but not a hash we match (documented choice: answer unknown, not malformed).
        var certId = TestRequests.CertId("2.16.840.1.101.3.4.2.2", new byte[48], new byte[48], [0x05]);
        var der = TestRequests.Build([certId, TestRequests.SomeCertId()]);

        // Act
        var result = OcspRequestParser.Parse(der);

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(2, result.Request.CertIds.Count);
        var unsupported = result.Request.CertIds[0];
        Assert.Null(unsupported.HashAlgorithm);
        Assert.Equal("2.16.840.1.101.3.4.2.2", unsupported.HashAlgorithmOid);
        Assert.Equal(certId, unsupported.Encoded.ToArray());
        Assert.Equal(OcspIssuerMatch.UnsupportedHash, fixture.Get(PkiVariant.Ec).IssuerId.Match(unsupported));
    }

    public static TheoryData<string> BadRequests() =>
    [
        "empty", "garbage", "truncated by one octet", "truncated to half", "trailing bytes", "100 KiB blob", "64 KiB + 1 of valid prefix",
        "nonce of 200 octets", "nonce of 129 octets", "empty nonce", "nonce not an OCTET STRING", "nonce twice", "no CertID",
        "version v2", "unknown critical extension", "empty extensions", "SHA-1 CertID with 32-octet hashes", "BER indefinite length",
        "not a SEQUENCE", "signature without BIT STRING",
    ];

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Parse_BadRequest_IsMalformedRequest(string kind)
    {
        // Arrange
        var pki = fixture.Get(PkiVariant.Ec);
        var valid = await pki.OpensslRequestAsync($"req-valid-{kind.Replace(' ', '-')}.der", []);
        var der = kind switch
        {
            "empty" => [],
            "garbage" => RandomGarbage(300),
            "truncated by one octet" => valid[..^1],
            "truncated to half" => valid[..(valid.Length / 2)],
            "trailing bytes" => [.. valid, 0x00, 0x00],
            "100 KiB blob" => RandomGarbage(100 * 1024),
            "64 KiB + 1 of valid prefix" => [.. valid, .. new byte[OcspRequestParser.MaxRequestLength + 1 - valid.Length]],
            "nonce of 200 octets" => TestRequests.Build([TestRequests.SomeCertId()], [TestRequests.Nonce(RandomNumberGenerator.GetBytes(200))]),
            "nonce of 129 octets" => TestRequests.Build([TestRequests.SomeCertId()], [TestRequests.Nonce(RandomNumberGenerator.GetBytes(129))]),
            "empty nonce" => TestRequests.Build([TestRequests.SomeCertId()], [TestRequests.Nonce([])]),
            "nonce not an OCTET STRING" => TestRequests.Build([TestRequests.SomeCertId()], [("1.3.6.1.5.5.7.48.1.2", false, RandomNumberGenerator.GetBytes(16))]),
            "nonce twice" => TestRequests.Build([TestRequests.SomeCertId()], [TestRequests.Nonce([1]), TestRequests.Nonce([2])]),
            "no CertID" => TestRequests.Build([]),
            "version v2" => TestRequests.Build([TestRequests.SomeCertId()], version: 1),
            "unknown critical extension" => TestRequests.Build([TestRequests.SomeCertId()], [("1.2.3.4", true, [0x05, 0x00])]),
            "empty extensions" => TestRequests.Build([TestRequests.SomeCertId()], []),
            "SHA-1 CertID with 32-octet hashes" => TestRequests.Build([TestRequests.CertId(OcspCertId.Sha1Oid, new byte[32], new byte[32], [1])]),
            "BER indefinite length" => [0x30, 0x80, .. valid[2..], 0x00, 0x00],
            "not a SEQUENCE" => [0x04, 0x03, 0x01, 0x02, 0x03],
            "signature without BIT STRING" => WithSignature(valid, [0x30, 0x0C, 0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        // Act
        var result = OcspRequestParser.Parse(der);

        // Assert
        Assert.False(result.Succeeded, kind);
        Assert.Equal(OcspResponseStatus.MalformedRequest, result.Status);
        Assert.Null(result.Request);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Fact]
    public async Task Parse_RandomMutationsOfARealRequest_NeverThrow()
    {
        // Arrange: a signed request with a nonce, so mutations reach every branch.
        var pki = fixture.Get(PkiVariant.Ec);
        await ExternalTool.RunOkAsync(pki.Directory, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "fuzz.key", "-out", "fuzz.pem", "-subj", "/CN=Fuzz", "-days", "1");
        var valid = await pki.OpensslRequestAsync("req-fuzz.der", ["-signer", "fuzz.pem", "-signkey", "fuzz.key"], "leaf.pem", "responder.pem");
        var random = new Random(6960);
        var outcomes = new Dictionary<bool, int> { [true] = 0, [false] = 0 };

        // Act / Assert: every mutation gives a result, never an exception.
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = valid.ToList();
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(mutated.Count);
                switch (random.Next(4))
                {
                    case 0: mutated[at] = (byte)random.Next(256); break;
                    case 1: mutated.RemoveAt(at); break;
                    case 2: mutated.Insert(at, (byte)random.Next(256)); break;
                    default: mutated.RemoveRange(at, mutated.Count - at); break;
                }

                if (mutated.Count == 0)
                {
                    break;
                }
            }

            var result = OcspRequestParser.Parse(mutated.ToArray());
            Assert.True(result.Succeeded || result.Status == OcspResponseStatus.MalformedRequest);
            outcomes[result.Succeeded]++;
        }

        // Most mutations break the DER; some (inside hashes, serials, the signature) still parse.
        Assert.True(outcomes[false] > 10_000 && outcomes[true] > 0, $"parsed {outcomes[true]}, malformed {outcomes[false]}");
    }

    private static byte[] RandomGarbage(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        bytes[0] = 0x30; // looks like a SEQUENCE, to get past the first check
        return bytes;
    }

    /// <summary>Appends an optionalSignature [0] to a request's outer SEQUENCE (short-form lengths only).</summary>
    private static byte[] WithSignature(byte[] request, byte[] signature)
    {
        var reader = new System.Formats.Asn1.AsnReader(request, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var tbs = reader.ReadEncodedValue().ToArray();
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(tbs);
            using (writer.PushSequence(TestRequests.Explicit0))
            {
                writer.WriteEncodedValue(signature);
            }
        }

        return writer.Encode();
    }

    [GeneratedRegex(@"OCSP Nonce:\s*\n\s*([0-9A-F]+)")]
    private static partial Regex NoncePattern();
}
