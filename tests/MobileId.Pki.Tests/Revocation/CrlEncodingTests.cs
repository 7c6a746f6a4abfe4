using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MobileId.Pki.Keys;
using MobileId.Pki.Revocation;

namespace MobileId.Pki.Tests.Revocation;

/// <summary>The DER that <see cref="CrlBuilder"/> writes, read back with <see cref="AsnReader"/> (RFC 5280 §5.1), and its argument checks.</summary>
public sealed class CrlEncodingTests : IDisposable
{
    private static readonly DateTimeOffset ThisUpdate = new(2030, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(2));
    private static readonly Asn1Tag UtcTime = new(UniversalTagNumber.UtcTime);
    private static readonly Asn1Tag GeneralizedTime = new(UniversalTagNumber.GeneralizedTime);

    private readonly string _directory = Directory.CreateTempSubdirectory("mid-crl-der-").FullName;
    private readonly TestPki _pki;

    public CrlEncodingTests() => _pki = TestPki.Create(_directory, KeyAlgorithm.EcdsaP384, KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP256);

    public void Dispose()
    {
        _pki.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void BuildFull_OneEntry_IsV2WithIdenticalAlgorithmsTheIssuersDnAkiAndNumber()
    {
        // Arrange
        RevokedEntry[] entries = [new(new byte[] { 0x00, 0x00, 0x9A, 0x01 }, ThisUpdate.AddDays(-1), RevocationReason.AffiliationChanged)];

        // Act
        var crl = ParsedCrl.ParseSignedBy(
            CrlBuilder.BuildFull(_pki.Issuing, _pki.IssuingKey, entries, 1234, ThisUpdate, ThisUpdate.AddDays(1), null), _pki.Issuing);

        // Assert
        Assert.Equal(1, crl.Version);
        var expectedAlgorithm = SignatureAlgorithm.Identifier(KeyAlgorithm.EcdsaP256, HashAlgorithmName.SHA256);
        Assert.Equal(expectedAlgorithm, crl.TbsSignatureAlgorithm);
        Assert.Equal(expectedAlgorithm, crl.SignatureAlgorithm);
        Assert.Equal(_pki.Issuing.SubjectName.RawData, crl.IssuerDer);
        Assert.Equal(new DateTimeOffset(2030, 3, 4, 3, 6, 7, TimeSpan.Zero), crl.ThisUpdate);
        Assert.Equal(["2.5.29.35", "2.5.29.20"], crl.Extensions.Select(e => e.Oid));
        Assert.All(crl.Extensions, e => Assert.False(e.Critical));
        var aki = new X509AuthorityKeyIdentifierExtension(crl.Extension("2.5.29.35").Value);
        var ski = _pki.Issuing.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        Assert.Equal(ski.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier?.ToArray());
        Assert.Equal(1234, ParsedCrl.ReadInteger(crl.Extension("2.5.29.20").Value));
        var entry = Assert.Single(crl.Entries);
        // Leading zero octets dropped, a 0x00 added to keep 0x9A01 positive: minimal DER (X.690 §8.3.2).
        Assert.Equal(new byte[] { 0x00, 0x9A, 0x01 }, entry.SerialContent);
        var reason = Assert.Single(entry.Extensions);
        Assert.Equal(("2.5.29.21", false), (reason.Oid, reason.Critical));
        Assert.Equal((int)RevocationReason.AffiliationChanged,
            (int)new AsnReader(reason.Value, AsnEncodingRules.DER).ReadEnumeratedValue<RevocationReason>());
    }

    [Fact]
    public void BuildFull_DatesFrom2050_AreGeneralizedTimeAndEarlierOnesUtcTime()
    {
        // Arrange
        var lastUtcTime = new DateTimeOffset(2049, 12, 31, 23, 59, 59, TimeSpan.Zero);
        var firstGeneralized = new DateTimeOffset(2050, 1, 1, 0, 0, 0, TimeSpan.Zero);
        RevokedEntry[] entries =
        [
            new(SerialNumbers.Create(), lastUtcTime.AddMilliseconds(999), RevocationReason.KeyCompromise),
            new(SerialNumbers.Create(), firstGeneralized.AddMilliseconds(500), null),
        ];

        // Act
        var crl = ParsedCrl.ParseSignedBy(
            CrlBuilder.BuildFull(_pki.Issuing, _pki.IssuingKey, entries, 1, lastUtcTime, firstGeneralized, null), _pki.Issuing);

        // Assert: RFC 5280 §5.1.2.4–§5.1.2.6; whole seconds only (the reader rejects fractions in DER).
        Assert.Equal((UtcTime, lastUtcTime), (crl.ThisUpdateTag, crl.ThisUpdate));
        Assert.Equal((GeneralizedTime, firstGeneralized), (crl.NextUpdateTag, crl.NextUpdate));
        Assert.Equal((UtcTime, lastUtcTime), (crl.Entries[0].TimeTag, crl.Entries[0].RevokedAt));
        Assert.Equal((GeneralizedTime, firstGeneralized), (crl.Entries[1].TimeTag, crl.Entries[1].RevokedAt));
    }

    [Fact]
    public void WriteTime_TimesFrom1900To2200_MatchAsnWritersEncoding()
    {
        var random = new Random(5280);
        var start = new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var end = new DateTime(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        DateTime[] boundaries = [new(1949, 12, 31, 23, 59, 59, DateTimeKind.Utc), new(1950, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            new(2049, 12, 31, 23, 59, 59, DateTimeKind.Utc), new(2050, 1, 1, 0, 0, 0, DateTimeKind.Utc)];
        var times = boundaries.Concat(Enumerable.Range(0, 5000).Select(_ =>
            new DateTime(random.NextInt64(start, end) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc)));
        foreach (var time in times)
        {
            // Arrange
            var expected = new AsnWriter(AsnEncodingRules.DER);
            if (time.Year is >= 1950 and <= 2049)
            {
                expected.WriteUtcTime(time, twoDigitYearMax: 2049);
            }
            else
            {
                expected.WriteGeneralizedTime(time, omitFractionalSeconds: true);
            }

            var actual = new byte[17];

            // Act
            var length = RevokedCertificatesEncoder.WriteTime(time, actual);

            // Assert
            Assert.Equal(expected.Encode(), actual[..length]);
        }
    }

    [Theory]
    [InlineData("01")]
    [InlineData("7F")]
    [InlineData("80")]
    [InlineData("000080")]
    [InlineData("00000001")]
    [InlineData("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    public void Add_SerialsOfEveryShapeAndEachReason_MatchAsnWritersEncoding(string serialHex)
    {
        var serial = Convert.FromHexString(serialHex);
        var revokedAt = new DateTimeOffset(2026, 11, 25, 12, 0, 1, TimeSpan.Zero);
        RevocationReason?[] reasons = [null, .. Enum.GetValues<RevocationReason>()];
        foreach (var reason in reasons)
        {
            // Arrange
            var expected = new AsnWriter(AsnEncodingRules.DER);
            using (expected.PushSequence())
            using (expected.PushSequence())
            {
                expected.WriteIntegerUnsigned(serial.AsSpan(Math.Min(serial.AsSpan().IndexOfAnyExcept((byte)0), serial.Length - 1)));
                expected.WriteUtcTime(revokedAt, twoDigitYearMax: 2049);
                if (reason is { } value and not RevocationReason.Unspecified)
                {
                    using (expected.PushSequence())
                    using (expected.PushSequence())
                    {
                        expected.WriteObjectIdentifier("2.5.29.21");
                        var enumerated = new AsnWriter(AsnEncodingRules.DER);
                        enumerated.WriteEnumeratedValue(value);
                        expected.WriteOctetString(enumerated.Encode());
                    }
                }
            }

            var output = new DerBuffer(DerBuffer.MaxHeaderLength, 0);
            var encoder = new RevokedCertificatesEncoder(output, delta: true);

            // Act
            encoder.Add(new RevokedEntry(serial, revokedAt, reason));
            output.PrependHeader(0x30);

            // Assert
            Assert.Equal(expected.Encode(), output.ToArray());
        }
    }

    [Fact]
    public void PrependHeader_EntriesPastEveryLengthForm_WritesTheMinimalLength()
    {
        // Arrange: 49-octet entries, so 1 entry has a short-form length, 3 one length octet, 100 two,
        // 10,000 three and 400,000 four — growing from the smallest buffer.
        foreach (var count in new[] { 1, 3, 100, 10_000, 400_000 })
        {
            var output = new DerBuffer(DerBuffer.MaxHeaderLength, 0);
            var encoder = new RevokedCertificatesEncoder(output, delta: false);
            var serial = SerialNumbers.Create();
            for (var i = 0; i < count; i++)
            {
                encoder.Add(new RevokedEntry(serial, ThisUpdate.AddSeconds(i), RevocationReason.KeyCompromise));
            }

            // Act
            output.PrependHeader(0x30);

            // Assert: a strict DER reader takes it whole (it rejects non-minimal lengths) and finds every entry.
            Assert.Equal(count * 49, output.Length - (count switch { 1 => 2, 3 => 3, 100 => 4, 10_000 => 5, _ => 6 }));
            var reader = new AsnReader(output.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var read = 0;
            while (sequence.HasData)
            {
                sequence.ReadSequence();
                read++;
            }

            Assert.Equal(count, read);
        }
    }

    public static TheoryData<string, RevokedEntry> BadEntries() => new()
    {
        { "positive", new RevokedEntry(new byte[] { 0, 0 }, ThisUpdate, null) },
        { "positive", new RevokedEntry(ReadOnlyMemory<byte>.Empty, ThisUpdate, null) },
        { "20 octets", new RevokedEntry(Convert.FromHexString("80" + new string('0', 38)), ThisUpdate, null) },
        { "20 octets", new RevokedEntry(Convert.FromHexString("01" + new string('0', 40)), ThisUpdate, null) },
        { "not a CRL reason code", new RevokedEntry(SerialNumbers.Create(), ThisUpdate, (RevocationReason)7) },
        { "not a CRL reason code", new RevokedEntry(SerialNumbers.Create(), ThisUpdate, (RevocationReason)11) },
        { "removeFromCRL", new RevokedEntry(SerialNumbers.Create(), ThisUpdate, RevocationReason.RemoveFromCrl) },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void BuildFull_BadEntry_ThrowsArgumentExceptionSayingWhy(string why, RevokedEntry entry)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            CrlBuilder.BuildFull(_pki.Issuing, _pki.IssuingKey, [new(SerialNumbers.Create(), ThisUpdate, null), entry], 1, ThisUpdate, ThisUpdate.AddDays(1), null));
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BadArguments_ThrowArgumentExceptionNamingTheArgument()
    {
        var next = ThisUpdate.AddDays(1);
        Assert.Equal("nextUpdate", Assert.Throws<ArgumentException>(() =>
            CrlBuilder.BuildFull(_pki.Issuing, _pki.IssuingKey, [], 1, ThisUpdate, ThisUpdate, null)).ParamName);
        Assert.Equal("crlNumber", Assert.Throws<ArgumentException>(() =>
            CrlBuilder.BuildFull(_pki.Issuing, _pki.IssuingKey, [], -1, ThisUpdate, next, null)).ParamName);
        Assert.Equal("crlNumber", Assert.Throws<ArgumentException>(() =>
            CrlBuilder.BuildFull(_pki.Issuing, _pki.IssuingKey, [], BigInteger.Pow(2, 160), ThisUpdate, next, null)).ParamName);
        Assert.Equal("freshestCrlUrl", Assert.Throws<ArgumentException>(() =>
            CrlBuilder.BuildFull(_pki.Issuing, _pki.IssuingKey, [], 1, ThisUpdate, next, "https://example.org/delta.crl")).ParamName);
        Assert.Equal("crlNumber", Assert.Throws<ArgumentException>(() =>
            CrlBuilder.BuildDelta(_pki.Issuing, _pki.IssuingKey, [], 5, 5, ThisUpdate, next)).ParamName);
        Assert.Equal("issuerKey", Assert.Throws<ArgumentException>(() =>
            CrlBuilder.BuildFull(_pki.Issuing, _pki.RootKey, [], 1, ThisUpdate, next, null)).ParamName);
    }

    [Fact]
    public void Build_TwentyOctetNumbers_AreAccepted()
    {
        var largest = BigInteger.Pow(2, 159) - 1;

        var crl = ParsedCrl.ParseSignedBy(
            CrlBuilder.BuildDelta(_pki.Issuing, _pki.IssuingKey, [], largest, largest - 1, ThisUpdate, ThisUpdate.AddDays(1)), _pki.Issuing);

        Assert.Equal(largest, ParsedCrl.ReadInteger(crl.Extension("2.5.29.20").Value));
        Assert.Equal(largest - 1, ParsedCrl.ReadInteger(crl.Extension("2.5.29.27").Value));
    }

    [Fact]
    public void SignatureVerifiesWith_AlteredOrForeignCrl_IsFalse()
    {
        // Arrange
        var der = CrlBuilder.BuildFull(_pki.Issuing, _pki.IssuingKey, [new(SerialNumbers.Create(), ThisUpdate, null)], 1, ThisUpdate,
            ThisUpdate.AddDays(1), null);
        var altered = (byte[])der.Clone();
        // A seconds digit inside the TBS (flipping its low bit leaves a digit, so the CRL still parses).
        var index = der.AsSpan().IndexOf("Z0"u8) - 1;
        altered[index] ^= 1;

        // Act / Assert: the helper every test relies on can say no.
        Assert.True(ParsedCrl.Parse(der).SignatureVerifiesWith(_pki.Issuing));
        Assert.False(ParsedCrl.Parse(altered).SignatureVerifiesWith(_pki.Issuing));
        Assert.False(ParsedCrl.Parse(der).SignatureVerifiesWith(_pki.Root));
    }
}
