using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emmap.Streams;

/// <summary>
/// CRC32C (Castagnoli) over records and header slots, eight bytes per step with the CPU's CRC instruction
/// (<see cref="BitOperations.Crc32C(uint, ulong)"/>; a software fallback elsewhere). Initial value and final
/// complement are all ones, as in iSCSI and ext4.
/// </summary>
internal static class QueueChecksum
{
    /// <summary>The checksum of a record: its 32-bit length field, its 64-bit stamp, then the payload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Record(uint lengthField, long stamp, ReadOnlySpan<byte> payload)
    {
        uint crc = BitOperations.Crc32C(uint.MaxValue, lengthField);
        crc = BitOperations.Crc32C(crc, (ulong)stamp);
        return ~Append(crc, payload);
    }

    /// <summary>
    /// The checksum of a record whose payload is <paramref name="present"/> followed by <paramref name="zeros"/> zero bytes (the
    /// part of a truncated file past its end, which reads as zeros once the file's size is restored).
    /// </summary>
    internal static uint RecordWithZeros(uint lengthField, long stamp, ReadOnlySpan<byte> present, long zeros)
    {
        uint crc = BitOperations.Crc32C(uint.MaxValue, lengthField);
        crc = BitOperations.Crc32C(crc, (ulong)stamp);
        crc = Append(crc, present);
        for (; zeros >= 8; zeros -= 8)
        {
            crc = BitOperations.Crc32C(crc, 0UL);
        }

        for (; zeros > 0; zeros--)
        {
            crc = BitOperations.Crc32C(crc, (byte)0);
        }

        return ~crc;
    }

    /// <summary>The checksum of a header slot: its first 15 words.</summary>
    internal static uint Slot(ReadOnlySpan<byte> slot)
    {
        uint crc = uint.MaxValue;
        for (int i = 0; i < QueueLayout.SlotSize - sizeof(ulong); i += sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(slot[i..]));
        }

        return ~crc;
    }

    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int i = 0;
        for (; i <= length - 32; i += 32)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8)));
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16)));
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24)));
        }

        for (; i <= length - 8; i += 8)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
        }

        if (i <= length - 4)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i)));
            i += 4;
        }

        for (; i < length; i++)
        {
            crc = BitOperations.Crc32C(crc, Unsafe.Add(ref start, i));
        }

        return crc;
    }
}
