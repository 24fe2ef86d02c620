using System;
using System.Buffers.Binary;
using System.IO;

namespace Emmap.Streams.Counters;

/// <summary>
/// emmap's counter file format, byte for byte (docs/counters.md): the 8-byte magic <c>"EMMAP01\n"</c>, the number of
/// counters as an unsigned 64-bit little-endian integer, then one signed 64-bit little-endian slot per counter.
/// Offsets here are relative to the start of the counter block (the file, or a stream window).
/// </summary>
internal static class CounterFileLayout
{
    /// <summary>Bytes before the first slot: the magic and the count.</summary>
    internal const int HeaderSize = 16;

    /// <summary>Position of the count word.</summary>
    internal const int CountPosition = 8;

    /// <summary>Bytes per counter.</summary>
    internal const int SlotSize = sizeof(long);

    /// <summary>The magic read as a little-endian 64-bit integer, so it can be published with one atomic store.</summary>
    internal static readonly long MagicWord = BinaryPrimitives.ReadInt64LittleEndian(Magic);

    /// <summary>The magic bytes, exactly: <c>45 4D 4D 41 50 30 31 0A</c>.</summary>
    internal static ReadOnlySpan<byte> Magic => "EMMAP01\n"u8;

    /// <summary>The size of a block holding <paramref name="count"/> counters.</summary>
    internal static long BlockSize(int count) => HeaderSize + ((long)count * SlotSize);

    /// <summary>The position of counter <paramref name="index"/>'s slot.</summary>
    internal static long SlotPosition(int index) => HeaderSize + ((long)index * SlotSize);

    /// <summary>Writes the header of a block of <paramref name="count"/> counters into <paramref name="header"/> (16 bytes).</summary>
    internal static void WriteHeader(Span<byte> header, int count)
    {
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt64LittleEndian(header[CountPosition..], (ulong)count);
    }

    /// <summary>
    /// Checks a header against the length of the block it starts and returns the number of counters it declares.
    /// </summary>
    /// <param name="header">The first bytes of the block (at most 16 are looked at).</param>
    /// <param name="length">The length of the block (the file size for a counter file).</param>
    /// <param name="source">The file or stream window, quoted, for messages.</param>
    /// <returns>The number of counters.</returns>
    /// <exception cref="InvalidDataException">The block is not a valid counter block.</exception>
    internal static int Validate(ReadOnlySpan<byte> header, long length, string source)
    {
        if (length < HeaderSize || header.Length < HeaderSize)
        {
            throw Truncated(source, length);
        }

        if (!header[..Magic.Length].SequenceEqual(Magic))
        {
            if (header[..HeaderSize].IndexOfAnyExcept((byte)0) < 0)
            {
                throw new InvalidDataException(
                    $"{source} is not a counter file: its {HeaderSize}-byte header is all zeros (a blank file, or one whose creation never finished).");
            }

            throw new InvalidDataException(
                $"{source} is not a counter file: it starts with {Convert.ToHexString(header[..Magic.Length])}, not the magic \"EMMAP01\\n\" (454D4D415030310A).");
        }

        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(header[CountPosition..]);
        if (declared > int.MaxValue)
        {
            throw new InvalidDataException(
                $"{source} declares {declared} counters, more than the {int.MaxValue} supported (a damaged count).");
        }

        int count = (int)declared;
        long expected = BlockSize(count);
        if (length != expected)
        {
            throw new InvalidDataException(
                $"{source} declares {count} counters, so it must have {expected} bytes, but it has {length} (truncated, extended or damaged).");
        }

        return count;
    }

    /// <summary>The error for a block too short to hold a header.</summary>
    internal static InvalidDataException Truncated(string source, long length) =>
        new($"{source} is not a counter file: it has {length} bytes, fewer than the {HeaderSize}-byte header (truncated or empty).");
}
