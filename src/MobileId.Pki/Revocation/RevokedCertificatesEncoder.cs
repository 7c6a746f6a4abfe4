using System.Formats.Asn1;

namespace MobileId.Pki.Revocation;

/// <summary>
/// DER-encodes the entries of a CRL's revokedCertificates (RFC 5280 §5.1.2.6) one at a time into a
/// <see cref="DerBuffer"/>.
/// </summary>
/// <remarks>
/// Note: this loop runs once per revoked certificate (a million times for a large CA), so it writes the
/// few fixed shapes of an entry by hand instead of through <see cref="AsnWriter"/>, whose per-element
/// bookkeeping costs more than the encoding itself. The reason code extensions are still made by
/// AsnWriter, and the tests compare every shape written here with AsnWriter's output.
/// </remarks>
internal sealed class RevokedCertificatesEncoder
{
    /// <summary>Largest DER INTEGER content for a serial (RFC 5280 §4.1.2.2).</summary>
    private const int MaxSerialOctets = 20;

    /// <summary>The most one entry takes: SEQUENCE header 2 + INTEGER 2 + 20 + GeneralizedTime 2 + 15 + reason extension 14.</summary>
    public const int MaxEntryLength = 2 + 2 + MaxSerialOctets + 2 + 15 + 14;

    /// <summary>The DER crlEntryExtensions field holding only a reason code, by reason value; null where none is written.</summary>
    private static readonly byte[]?[] ReasonExtensions = CreateReasonExtensions();

    private readonly DerBuffer _output;
    private readonly bool _delta;

    // Note: revocations come in bursts (a bulk revoke, a nightly sweep), so consecutive entries often share
    // their revocation second; the last encoded time is kept and reused.
    private long _lastSecond = long.MinValue;
    private readonly byte[] _lastTime = new byte[17];
    private int _lastTimeLength;

    /// <summary>Creates an encoder.</summary>
    /// <param name="output">Where the entries go, one after another.</param>
    /// <param name="delta">Whether the CRL is a delta CRL, the only place removeFromCRL is legal.</param>
    public RevokedCertificatesEncoder(DerBuffer output, bool delta)
    {
        _output = output;
        _delta = delta;
    }

    /// <summary>The number of entries written so far.</summary>
    public int Count { get; private set; }

    /// <summary>Appends one entry.</summary>
    /// <param name="entry">The entry.</param>
    /// <exception cref="ArgumentException">The serial is not a positive integer of at most 20 octets, or the reason is not allowed here.</exception>
    public void Add(RevokedEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var extension = ReasonExtension(entry.Reason);
        var serial = entry.Serial.Span;
        var zeros = serial.IndexOfAnyExcept((byte)0);
        if (zeros < 0)
        {
            throw new ArgumentException("A revoked serial number must be positive (RFC 5280 §4.1.2.2); it is empty or zero.");
        }

        serial = serial[zeros..];
        var pad = serial[0] >= 0x80 ? 1 : 0;
        var integerLength = serial.Length + pad;
        if (integerLength > MaxSerialOctets)
        {
            throw new ArgumentException(
                $"The serial number {SerialNumbers.ToHex(serial)} is longer than {MaxSerialOctets} octets (RFC 5280 §4.1.2.2).");
        }

        var time = EncodeTime(entry.RevokedAt);
        var span = _output.GetSpan(MaxEntryLength);
        var contentLength = 2 + integerLength + time.Length + (extension?.Length ?? 0);
        // Note: contentLength ≤ 53, so the short form length always fits one octet (X.690 §8.1.3.4).
        span[0] = 0x30;
        span[1] = (byte)contentLength;
        span[2] = 0x02;
        span[3] = (byte)integerLength;
        var at = 4;
        if (pad == 1)
        {
            span[at++] = 0;
        }

        serial.CopyTo(span[at..]);
        at += serial.Length;
        time.CopyTo(span[at..]);
        at += time.Length;
        if (extension is not null)
        {
            extension.CopyTo(span[at..]);
            at += extension.Length;
        }

        _output.Advance(at);
        Count++;
    }

    private byte[]? ReasonExtension(RevocationReason? reason)
    {
        if (reason is not { } value || value == RevocationReason.Unspecified)
        {
            return null;
        }

        var index = (int)value;
        if ((uint)index >= (uint)ReasonExtensions.Length || ReasonExtensions[index] is not { } extension)
        {
            throw new ArgumentException($"{index} is not a CRL reason code (RFC 5280 §5.3.1).");
        }

        if (value == RevocationReason.RemoveFromCrl && !_delta)
        {
            throw new ArgumentException("removeFromCRL is legal only in a delta CRL (RFC 5280 §5.3.1); leave the entry out of the full CRL instead.");
        }

        return extension;
    }

    /// <summary>
    /// Encodes a revocationDate: UTCTime for 1950–2049, GeneralizedTime otherwise, both in UTC with whole
    /// seconds and a <c>Z</c> (RFC 5280 §5.1.2.6, §4.1.2.5.1, §4.1.2.5.2).
    /// </summary>
    private ReadOnlySpan<byte> EncodeTime(DateTimeOffset value)
    {
        var second = value.UtcTicks / TimeSpan.TicksPerSecond;
        if (second != _lastSecond)
        {
            _lastTimeLength = WriteTime(new DateTime(second * TimeSpan.TicksPerSecond, DateTimeKind.Utc), _lastTime);
            _lastSecond = second;
        }

        return _lastTime.AsSpan(0, _lastTimeLength);
    }

    /// <summary>Writes a DER UTCTime or GeneralizedTime of a UTC time with whole seconds.</summary>
    /// <param name="utc">The time.</param>
    /// <param name="destination">At least 17 octets.</param>
    /// <returns>The number of octets written.</returns>
    internal static int WriteTime(DateTime utc, Span<byte> destination)
    {
        var year = utc.Year;
        var at = 2;
        if (year is >= 1950 and <= 2049)
        {
            destination[0] = (byte)UniversalTagNumber.UtcTime;
            destination[1] = 13;
            Digits(destination, ref at, year % 100);
        }
        else
        {
            destination[0] = (byte)UniversalTagNumber.GeneralizedTime;
            destination[1] = 15;
            Digits(destination, ref at, year / 100);
            Digits(destination, ref at, year % 100);
        }

        Digits(destination, ref at, utc.Month);
        Digits(destination, ref at, utc.Day);
        Digits(destination, ref at, utc.Hour);
        Digits(destination, ref at, utc.Minute);
        Digits(destination, ref at, utc.Second);
        destination[at++] = (byte)'Z';
        return at;
    }

    private static void Digits(Span<byte> destination, ref int at, int value)
    {
        destination[at++] = (byte)('0' + (value / 10));
        destination[at++] = (byte)('0' + (value % 10));
    }

    private static byte[]?[] CreateReasonExtensions()
    {
        var extensions = new byte[]?[(int)RevocationReason.AaCompromise + 1];
        foreach (var reason in Enum.GetValues<RevocationReason>())
        {
            // Note: unspecified is never written; the extension is left out instead (RFC 5280 §5.3.1).
            if (reason == RevocationReason.Unspecified)
            {
                continue;
            }

            var value = new AsnWriter(AsnEncodingRules.DER);
            value.WriteEnumeratedValue(reason);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                CrlBuilder.WriteExtension(writer, CrlBuilder.ReasonCodeOid, critical: false, value.Encode());
            }

            extensions[(int)reason] = writer.Encode();
        }

        return extensions;
    }
}
