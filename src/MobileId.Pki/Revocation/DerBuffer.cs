namespace MobileId.Pki.Revocation;

/// <summary>
/// A byte buffer that grows at the end (doubling) and keeps fixed room at the front, so that a large DER
/// structure is written once, inside out: contents first, then each enclosing tag and length is prepended.
/// </summary>
/// <remarks>
/// Note: a multi-megabyte CRL then costs one pass over its entries and one final copy. An
/// <see cref="System.Formats.Asn1.AsnWriter"/> grows in 1 KiB steps (quadratic for a large CRL unless its
/// size is known up front) and moves the contents again at every enclosing SEQUENCE whose length needs more
/// than one octet, and again when encoded.
/// </remarks>
internal sealed class DerBuffer
{
    /// <summary>The most a tag and definite length take here: one tag octet, 0x84 and four length octets.</summary>
    public const int MaxHeaderLength = 6;

    private byte[] _buffer;
    private int _start;
    private int _end;

    /// <summary>Creates a buffer.</summary>
    /// <param name="headroom">Octets that <see cref="Prepend"/> and <see cref="PrependHeader"/> may add in front in all.</param>
    /// <param name="capacity">The expected size of what is appended.</param>
    public DerBuffer(int headroom, int capacity)
    {
        _buffer = new byte[(int)Math.Min((long)headroom + Math.Max(capacity, 256), Array.MaxLength)];
        _start = _end = headroom;
    }

    /// <summary>The number of octets written.</summary>
    public int Length => _end - _start;

    /// <summary>What has been written, valid until the next write.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Room for <paramref name="size"/> more octets at the end; <see cref="Advance"/> then counts those used.</summary>
    /// <param name="size">At most this many octets will be written.</param>
    /// <returns>The span to write into.</returns>
    public Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _end < size)
        {
            Grow(size);
        }

        return _buffer.AsSpan(_end, size);
    }

    /// <summary>Counts octets written into the span from <see cref="GetSpan"/>.</summary>
    /// <param name="count">The number written.</param>
    public void Advance(int count) => _end += count;

    /// <summary>Appends octets.</summary>
    /// <param name="value">The octets.</param>
    public void Append(ReadOnlySpan<byte> value)
    {
        value.CopyTo(GetSpan(value.Length));
        _end += value.Length;
    }

    /// <summary>Puts octets in front of everything written so far.</summary>
    /// <param name="value">The octets.</param>
    public void Prepend(ReadOnlySpan<byte> value)
    {
        if (value.Length > _start)
        {
            throw new InvalidOperationException("The DER buffer has no more room in front.");
        }

        _start -= value.Length;
        value.CopyTo(_buffer.AsSpan(_start));
    }

    /// <summary>Wraps everything written so far in a tag with a minimal definite length (X.690 §10.1).</summary>
    /// <param name="tag">A single-octet tag, e.g. 0x30 for SEQUENCE.</param>
    public void PrependHeader(byte tag)
    {
        Span<byte> header = stackalloc byte[MaxHeaderLength];
        var length = Length;
        header[0] = tag;
        if (length < 0x80)
        {
            header[1] = (byte)length;
            Prepend(header[..2]);
            return;
        }

        var octets = length switch
        {
            <= 0xFF => 1,
            <= 0xFFFF => 2,
            <= 0xFF_FFFF => 3,
            _ => 4,
        };
        header[1] = (byte)(0x80 | octets);
        for (var i = 0; i < octets; i++)
        {
            header[2 + i] = (byte)(length >> (8 * (octets - 1 - i)));
        }

        Prepend(header[..(2 + octets)]);
    }

    /// <summary>Copies what has been written into an array of its exact size.</summary>
    /// <returns>The octets.</returns>
    public byte[] ToArray() => Written.ToArray();

    private void Grow(int size)
    {
        var needed = (long)_end + size;
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException("The DER structure does not fit in one array.");
        }

        var larger = new byte[(int)Math.Min(Math.Max(needed, 2L * _buffer.Length), Array.MaxLength)];
        _buffer.AsSpan(0, _end).CopyTo(larger);
        _buffer = larger;
    }
}
