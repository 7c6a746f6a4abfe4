using System.Security.Cryptography;

namespace MobileId.Pki;

/// <summary>
/// Certificate serial numbers as RFC 5280 §4.1.2.2 and the CA/Browser Forum ask for them:
/// positive, at most 20 octets, with at least 64 bits from a CSPRNG.
/// </summary>
public static class SerialNumbers
{
    /// <summary>Number of octets in a serial: 16 octets gives 127 random bits.</summary>
    public const int Length = 16;

    /// <summary>Creates a new random serial number in big-endian two's-complement form.</summary>
    /// <returns>16 octets whose top bit is clear (positive) and that are never all zero.</returns>
    public static byte[] Create()
    {
        var serial = new byte[Length];
        do
        {
            RandomNumberGenerator.Fill(serial);
            // Note: clearing the top bit keeps the DER INTEGER positive without a leading 0x00,
            // and a non-zero first octet keeps the encoding minimal (X.690 §8.3.2).
            serial[0] &= 0x7F;
        }
        while (serial[0] == 0);
        return serial;
    }

    /// <summary>Formats a serial as upper-case hexadecimal, the form used in URLs, logs and the API.</summary>
    /// <param name="serial">Big-endian serial octets.</param>
    /// <returns>Hexadecimal text without separators.</returns>
    public static string ToHex(ReadOnlySpan<byte> serial) => Convert.ToHexString(serial);
}
