using System.Numerics;
using System.Text.RegularExpressions;
using MobileId.Pki.Keys;
using MobileId.Pki.Revocation;

namespace MobileId.Pki.Tests.Revocation;

/// <summary>CRLs from <see cref="CrlBuilder"/> as the third-party client <c>openssl</c> 3.0 reads and enforces them.</summary>
public sealed class CrlBuilderTests : IDisposable
{
    private static readonly DateTimeOffset ThisUpdate = DateTimeOffset.UtcNow.AddMinutes(-1);
    private static readonly DateTimeOffset NextUpdate = ThisUpdate.AddDays(7);

    private readonly string _directory = Directory.CreateTempSubdirectory("mid-crl-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Root, issuing CA and leaf algorithms: RSA and ECDSA CAs signing CRLs, over each other.</summary>
    public static TheoryData<KeyAlgorithm, KeyAlgorithm, KeyAlgorithm> Hierarchies() => new()
    {
        { KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048 },
        { KeyAlgorithm.EcdsaP384, KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256 },
        { KeyAlgorithm.Rsa3072, KeyAlgorithm.Rsa3072, KeyAlgorithm.EcdsaP384 },
    };

    [Theory]
    [MemberData(nameof(Hierarchies))]
    public async Task BuildFull_LeafRevokedForKeyCompromise_OpenSslParsesItAndReportsTheLeafRevoked(
        KeyAlgorithm rootAlgorithm, KeyAlgorithm issuingAlgorithm, KeyAlgorithm leafAlgorithm)
    {
        // Arrange
        using var pki = TestPki.Create(_directory, rootAlgorithm, issuingAlgorithm, leafAlgorithm);
        var leafSerial = pki.Leaf.SerialNumberBytes;
        RevokedEntry[] entries =
        [
            new(SerialNumbers.Create(), ThisUpdate.AddDays(-2), RevocationReason.Superseded),
            new(leafSerial, ThisUpdate.AddHours(-1), RevocationReason.KeyCompromise),
            new(SerialNumbers.Create(), ThisUpdate.AddDays(-1), RevocationReason.CessationOfOperation),
        ];

        // Act
        var issuingCrl = CrlBuilder.BuildFull(pki.Issuing, pki.IssuingKey, entries, 42, ThisUpdate, NextUpdate, null);
        var rootCrl = CrlBuilder.BuildFull(pki.Root, pki.RootKey, [], 7, ThisUpdate, NextUpdate, null);

        // Assert: signatures, then openssl's reading of the CRL, then openssl's verdict on the leaf.
        Assert.Equal(3, ParsedCrl.ParseSignedBy(issuingCrl, pki.Issuing).Entries.Count);
        ParsedCrl.ParseSignedBy(rootCrl, pki.Root);
        var (issuingDer, issuingPem) = await pki.WriteCrlAsync("issuing", issuingCrl);
        var (_, rootPem) = await pki.WriteCrlAsync("root", rootCrl);
        var text = await pki.CrlTextAsync(issuingDer);
        Assert.Contains("Version 2 (0x1)", text, StringComparison.Ordinal);
        Assert.Equal("42", ValueAfter(text, "X509v3 CRL Number:"));
        Assert.Equal(Colons(Ski(pki.Issuing)), ValueAfter(text, "X509v3 Authority Key Identifier:").Replace("keyid:", "", StringComparison.Ordinal));
        Assert.Matches(@"Next Update: [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT", text);
        Assert.Equal("Key Compromise", ValueAfter(Entry(text, leafSerial.Span), "X509v3 CRL Reason Code:"));

        var leafOnly = await pki.VerifyLeafAsync("-crl_check", issuingPem);
        AssertRevoked(leafOnly);
        var wholeChain = await pki.VerifyLeafAsync("-crl_check_all", issuingPem, rootPem);
        AssertRevoked(wholeChain);
    }

    [Theory]
    [MemberData(nameof(Hierarchies))]
    public async Task BuildFull_NobodyRevoked_OmitsTheEntriesAndOpenSslVerifiesTheChain(
        KeyAlgorithm rootAlgorithm, KeyAlgorithm issuingAlgorithm, KeyAlgorithm leafAlgorithm)
    {
        // Arrange
        using var pki = TestPki.Create(_directory, rootAlgorithm, issuingAlgorithm, leafAlgorithm);

        // Act
        var issuingCrl = CrlBuilder.BuildFull(pki.Issuing, pki.IssuingKey, [], 1, ThisUpdate, NextUpdate, null);
        var rootCrl = CrlBuilder.BuildFull(pki.Root, pki.RootKey, Enumerable.Empty<RevokedEntry>(), 1, ThisUpdate, NextUpdate, null);

        // Assert: no revokedCertificates field at all (RFC 5280 §5.1.2.6), not an empty SEQUENCE.
        Assert.False(ParsedCrl.ParseSignedBy(issuingCrl, pki.Issuing).HasRevokedCertificates);
        Assert.False(ParsedCrl.ParseSignedBy(rootCrl, pki.Root).HasRevokedCertificates);
        var (issuingDer, issuingPem) = await pki.WriteCrlAsync("issuing", issuingCrl);
        var (_, rootPem) = await pki.WriteCrlAsync("root", rootCrl);
        Assert.Contains("No Revoked Certificates.", await pki.CrlTextAsync(issuingDer), StringComparison.Ordinal);

        var leafOnly = await pki.VerifyLeafAsync("-crl_check", issuingPem);
        Assert.True(leafOnly.ExitCode == 0 && leafOnly.StandardOutput.Contains("leaf.pem: OK", StringComparison.Ordinal), leafOnly.ToString());
        var wholeChain = await pki.VerifyLeafAsync("-crl_check_all", issuingPem, rootPem);
        Assert.True(wholeChain.ExitCode == 0 && wholeChain.StandardOutput.Contains("leaf.pem: OK", StringComparison.Ordinal), wholeChain.ToString());
        // Without the root's CRL, -crl_check_all must fail: the root CRL above was really consulted.
        var noRootCrl = await pki.VerifyLeafAsync("-crl_check_all", issuingPem);
        Assert.True(noRootCrl.ExitCode != 0 && noRootCrl.Output.Contains("unable to get certificate CRL", StringComparison.Ordinal), noRootCrl.ToString());
    }

    [Fact]
    public async Task BuildFull_LeafOnHold_OpenSslReportsTheLeafRevoked()
    {
        // Arrange
        using var pki = TestPki.Create(_directory, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256);
        RevokedEntry[] entries = [new(pki.Leaf.SerialNumberBytes, ThisUpdate, RevocationReason.CertificateHold)];

        // Act
        var crl = CrlBuilder.BuildFull(pki.Issuing, pki.IssuingKey, entries, 5, ThisUpdate, NextUpdate, null);

        // Assert
        ParsedCrl.ParseSignedBy(crl, pki.Issuing);
        var (der, pem) = await pki.WriteCrlAsync("issuing", crl);
        Assert.Equal("Certificate Hold", ValueAfter(await pki.CrlTextAsync(der), "X509v3 CRL Reason Code:"));
        AssertRevoked(await pki.VerifyLeafAsync("-crl_check", pem));
    }

    [Fact]
    public async Task BuildDelta_HoldAndLiftedHold_OpenSslShowsTheCriticalIndicatorAndBothReasons()
    {
        // Arrange
        using var pki = TestPki.Create(_directory, KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048, KeyAlgorithm.EcdsaP256);
        var held = SerialNumbers.Create();
        var lifted = SerialNumbers.Create();
        RevokedEntry[] entries =
        [
            new(held, ThisUpdate.AddMinutes(-30), RevocationReason.CertificateHold),
            new(lifted, ThisUpdate.AddMinutes(-10), RevocationReason.RemoveFromCrl),
        ];

        // Act
        var crl = CrlBuilder.BuildDelta(pki.Issuing, pki.IssuingKey, entries, 43, 42, ThisUpdate, ThisUpdate.AddHours(1));

        // Assert
        var parsed = ParsedCrl.ParseSignedBy(crl, pki.Issuing);
        Assert.True(parsed.Extension("2.5.29.27").Critical);
        Assert.Equal(42, ParsedCrl.ReadInteger(parsed.Extension("2.5.29.27").Value));
        Assert.Equal(43, ParsedCrl.ReadInteger(parsed.Extension("2.5.29.20").Value));
        var (der, _) = await pki.WriteCrlAsync("delta", crl);
        var text = await pki.CrlTextAsync(der);
        Assert.Contains("X509v3 Delta CRL Indicator: critical", text, StringComparison.Ordinal);
        Assert.Equal("42", ValueAfter(text, "X509v3 Delta CRL Indicator:"));
        Assert.Equal("43", ValueAfter(text, "X509v3 CRL Number:"));
        Assert.Equal("Certificate Hold", ValueAfter(Entry(text, held), "X509v3 CRL Reason Code:"));
        Assert.Equal("Remove From CRL", ValueAfter(Entry(text, lifted), "X509v3 CRL Reason Code:"));
        Assert.DoesNotContain("Freshest CRL", text, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildFull_RemoveFromCrlEntry_ThrowsArgumentException()
    {
        // Arrange
        using var pki = TestPki.Create(_directory, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256);
        RevokedEntry[] entries = [new(SerialNumbers.Create(), ThisUpdate, RevocationReason.RemoveFromCrl)];

        // Act / Assert
        var error = Assert.Throws<ArgumentException>(() => CrlBuilder.BuildFull(pki.Issuing, pki.IssuingKey, entries, 2, ThisUpdate, NextUpdate, null));
        Assert.Contains("removeFromCRL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildFull_UnspecifiedOrNoReason_WritesNoReasonCodeExtension()
    {
        // Arrange
        using var pki = TestPki.Create(_directory, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256);
        var unspecified = SerialNumbers.Create();
        var none = SerialNumbers.Create();
        var superseded = SerialNumbers.Create();
        RevokedEntry[] entries =
        [
            new(unspecified, ThisUpdate, RevocationReason.Unspecified),
            new(none, ThisUpdate, null),
            new(superseded, ThisUpdate, RevocationReason.Superseded),
        ];

        // Act
        var crl = CrlBuilder.BuildFull(pki.Issuing, pki.IssuingKey, entries, 3, ThisUpdate, NextUpdate, null);

        // Assert
        var parsed = ParsedCrl.ParseSignedBy(crl, pki.Issuing);
        Assert.Equal([0, 0, 1], parsed.Entries.Select(e => e.Extensions.Count));
        var (der, _) = await pki.WriteCrlAsync("issuing", crl);
        var text = await pki.CrlTextAsync(der);
        Assert.DoesNotContain("CRL Reason Code", Entry(text, unspecified), StringComparison.Ordinal);
        Assert.DoesNotContain("CRL Reason Code", Entry(text, none), StringComparison.Ordinal);
        Assert.Equal("Superseded", ValueAfter(Entry(text, superseded), "X509v3 CRL Reason Code:"));
    }

    [Fact]
    public async Task BuildFull_FreshestCrlUrl_AdvertisesTheDeltaLocation()
    {
        // Arrange
        using var pki = TestPki.Create(_directory, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256);

        // Act
        var withDelta = CrlBuilder.BuildFull(pki.Issuing, pki.IssuingKey, [], 8, ThisUpdate, NextUpdate, TestPki.Urls.DeltaCrlUrl);
        var withoutDelta = CrlBuilder.BuildFull(pki.Issuing, pki.IssuingKey, [], 9, ThisUpdate, NextUpdate, null);

        // Assert
        Assert.False(ParsedCrl.ParseSignedBy(withDelta, pki.Issuing).Extension("2.5.29.46").Critical);
        Assert.DoesNotContain(ParsedCrl.ParseSignedBy(withoutDelta, pki.Issuing).Extensions, e => e.Oid == "2.5.29.46");
        var text = await pki.CrlTextAsync((await pki.WriteCrlAsync("with", withDelta)).Der);
        Assert.Matches(@"X509v3 Freshest CRL:\s*\n\s*Full Name:\s*\n\s*URI:" + Regex.Escape(TestPki.Urls.DeltaCrlUrl!) + @"\s*\n", text);
        Assert.DoesNotContain("Freshest CRL", await pki.CrlTextAsync((await pki.WriteCrlAsync("without", withoutDelta)).Der), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildFull_HundredThousandStreamedEntries_OpenSslFindsTheRevokedLeaf()
    {
        // Arrange: an iterator, so the builder cannot know the count and must grow its buffer.
        using var pki = TestPki.Create(_directory, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256);
        const int Count = 100_000;
        IEnumerable<RevokedEntry> Entries()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return new RevokedEntry(i == Count / 2 ? pki.Leaf.SerialNumberBytes : SerialNumbers.Create(), ThisUpdate.AddSeconds(-i),
                    (RevocationReason)(i % 7));
            }
        }

        // Act
        var crl = CrlBuilder.BuildFull(pki.Issuing, pki.IssuingKey, Entries(), BigInteger.Pow(2, 150), ThisUpdate, NextUpdate, null);

        // Assert
        var parsed = ParsedCrl.ParseSignedBy(crl, pki.Issuing);
        Assert.Equal(Count, parsed.Entries.Count);
        Assert.Equal(pki.Leaf.SerialNumberBytes.ToArray(), parsed.Entries[Count / 2].SerialContent);
        var (der, pem) = await pki.WriteCrlAsync("big", crl);
        var number = await OpenSsl.RunOkAsync(_directory, "crl", "-inform", "DER", "-in", der, "-noout", "-crlnumber");
        Assert.Equal("crlNumber=0x" + BigInteger.Pow(2, 150).ToString("X", System.Globalization.CultureInfo.InvariantCulture).TrimStart('0'),
            number.StandardOutput.Trim());
        AssertRevoked(await pki.VerifyLeafAsync("-crl_check", pem));
    }

    private static void AssertRevoked(ToolResult result) =>
        Assert.True(result.ExitCode == 2 && result.Output.Contains("error 23", StringComparison.Ordinal)
            && result.Output.Contains("certificate revoked", StringComparison.Ordinal), result.ToString());

    /// <summary>The first non-blank line after the line holding <paramref name="label"/>, trimmed.</summary>
    private static string ValueAfter(string text, string label)
    {
        var match = Regex.Match(text, Regex.Escape(label) + @"[^\n]*\n\s*([^\n]*?)[ \t]*(?:\n|$)");
        Assert.True(match.Success, $"'{label}' not found in:\n{text}");
        return match.Groups[1].Value;
    }

    /// <summary>The lines openssl prints for one revoked serial, up to the next entry or the signature.</summary>
    private static string Entry(string text, ReadOnlySpan<byte> serial)
    {
        var match = Regex.Match(text, @"Serial Number: " + Convert.ToHexString(serial) + @"\n(.*?)(?=\n    (Serial Number|Signature Algorithm))",
            RegexOptions.Singleline);
        Assert.True(match.Success, $"serial {Convert.ToHexString(serial)} not found in:\n{text}");
        return match.Groups[1].Value;
    }

    private static byte[] Ski(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension>().Single()
            .SubjectKeyIdentifierBytes.ToArray();

    private static string Colons(byte[] bytes) => string.Join(':', bytes.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
