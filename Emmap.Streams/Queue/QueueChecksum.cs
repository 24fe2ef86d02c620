using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

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
        crc = (uint)Step(crc, (ulong)stamp);
        return ~Append(crc, payload);
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
        nuint length = (nuint)data.Length;
        nuint i = 0;

        // The state stays 64 bits wide through the chain of eight-byte steps, so no zero extension sits between two of them.
        ulong state = crc;
        for (; i + 32 <= length; i += 32)
        {
            state = Step(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
            state = Step(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8)));
            state = Step(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16)));
            state = Step(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24)));
        }

        for (; i + 8 <= length; i += 8)
        {
            state = Step(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
        }

        crc = (uint)state;
        if (i + 4 <= length)
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

    /// <summary>One eight-byte step; the state's upper half is always zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ulong state, ulong data) =>
        Sse42.X64.IsSupported ? Sse42.X64.Crc32(state, data) : BitOperations.Crc32C((uint)state, data);
}
