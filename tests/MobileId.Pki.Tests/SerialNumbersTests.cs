using System.Formats.Asn1;
using System.Numerics;

namespace MobileId.Pki.Tests;

public sealed class SerialNumbersTests
{
    [Fact]
    public void Create_ManySerials_ArePositiveMinimalDerIntegersOfSixteenOctets()
    {
        for (var i = 0; i < 2000; i++)
        {
            // Arrange / Act
            var serial = SerialNumbers.Create();

            // Assert: RFC 5280 §4.1.2.2 — positive, ≤ 20 octets, minimal DER encoding.
            Assert.Equal(SerialNumbers.Length, serial.Length);
            Assert.True(serial[0] is > 0 and < 0x80);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.WriteIntegerUnsigned(serial);
            var reader = new AsnReader(writer.Encode(), AsnEncodingRules.DER);
            var value = reader.ReadInteger();
            Assert.True(value > BigInteger.Zero);
            Assert.Equal(serial, value.ToByteArray(isUnsigned: true, isBigEndian: true));
        }
    }

    [Fact]
    public void Create_TwoThousandSerials_AreAllDifferent()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(seen.Add(SerialNumbers.ToHex(SerialNumbers.Create())));
        }
    }
}
