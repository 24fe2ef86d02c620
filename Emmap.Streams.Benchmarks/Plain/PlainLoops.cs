using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The loops of the plain harness, written as a reader would write them: static, not inlined into anything, over a plain
/// array of offsets, 64-byte copies of constant length. Each returns something so that nothing is optimized away.
/// </summary>
internal static unsafe class PlainLoops
{
    internal const int Record = 64;

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long RawRead(byte* mapping, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        long total = 0;
        foreach (long offset in offsets)
        {
            new ReadOnlySpan<byte>(mapping + offset, Record).CopyTo(destination);
            total += Record;
        }

        return total;
    }

    /// <summary>As <see cref="RawRead"/>, with the copy's length taken from the buffer: the runtime's copy routine.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long RawSpanCopyRead(byte* mapping, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer;
        long total = 0;
        foreach (long offset in offsets)
        {
            new ReadOnlySpan<byte>(mapping + offset, destination.Length).CopyTo(destination);
            total += destination.Length;
        }

        return total;
    }

    /// <summary>
    /// As <see cref="RawRead"/>, with two more register operations per access (an exclusive or and an add, no load, no
    /// branch): when every access misses, what two instructions in the loop cost by themselves.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long RawReadTwoMoreOps(byte* mapping, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        long total = 0;
        long other = 0;
        foreach (long offset in offsets)
        {
            new ReadOnlySpan<byte>(mapping + offset, Record).CopyTo(destination);
            total += Record;
            other ^= offset;
            other += 3;
        }

        return total + other;
    }

    /// <summary>
    /// As <see cref="RawRead"/>, with a chain of four dependent multiplications per access that holds the loop back: when
    /// every access misses the TLB, the unpaced loop starts more page walks at once than are served well, and runs slower.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long RawReadPaced(byte* mapping, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        long total = 0;
        long pace = 1;
        foreach (long offset in offsets)
        {
            new ReadOnlySpan<byte>(mapping + offset, Record).CopyTo(destination);
            total += Record;
            pace = (((((pace * 3) + 1) * 3) + 1) * 3) + 1;
            pace = (pace * 3) + 1;
        }

        return total + (pace & 1);
    }

    /// <summary>
    /// As <see cref="RawRead"/>, with only a range check against an end held in a register and a call when it fails: what a
    /// bounds check alone costs the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long RawReadChecked(byte* mapping, long end, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        long total = 0;
        foreach (long offset in offsets)
        {
            if (offset >= 0 && offset <= end - Record)
            {
                new ReadOnlySpan<byte>(mapping + offset, Record).CopyTo(destination);
                total += Record;
                continue;
            }

            total += Refused(offset);
        }

        return total;
    }

    /// <summary>
    /// As <see cref="RawRead"/>, with the access protocol written out by hand: the cut counter, the end and the base read from
    /// an object, the range checked, the copy, the counter read again. The least the protocol can cost, with no library code.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long ProtocolRead(ProtocolFields fields, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        long total = 0;
        foreach (long offset in offsets)
        {
            long cuts = Volatile.Read(ref fields.Cuts);
            long end = Volatile.Read(ref fields.End);
            if (offset >= 0 && offset <= end - Record)
            {
                new ReadOnlySpan<byte>((byte*)Volatile.Read(ref fields.Base) + offset, Record).CopyTo(destination);
                if (Volatile.Read(ref fields.Cuts) == cuts)
                {
                    total += Record;
                    continue;
                }
            }

            total += Refused(offset);
        }

        return total;
    }

    /// <summary>
    /// As <see cref="ProtocolRead"/>, with the protocol in a method that is inlined and returns the bytes read as a
    /// <typeparamref name="TCount"/>, as <c>ReadAt</c> does with an <see langword="int"/>: the caller adds the result of two
    /// paths, so the JIT merges them in a register (a constant on the fast path) and, for an <see langword="int"/>, widens it
    /// before the add, instead of adding the constant on the fast path as the hand-written loop does. With a
    /// <see langword="long"/>, the merge without the widening.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long ProtocolReadInMethod<TCount>(ProtocolFields fields, long[] offsets, byte[] buffer)
        where TCount : IBinaryInteger<TCount>
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        long total = 0;
        foreach (long offset in offsets)
        {
            total += long.CreateTruncating(ProtocolReadOne<TCount>(fields, offset, destination));
        }

        return total;
    }

    /// <summary>As <see cref="ProtocolReadInMethod{TCount}"/>, with the count not added up: no merge at all.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long ProtocolReadInMethodUnused(ProtocolFields fields, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        foreach (long offset in offsets)
        {
            _ = ProtocolReadOne<int>(fields, offset, destination);
        }

        return offsets.Length;
    }

    // The protocol of ProtocolRead for one record, returning the bytes read as a TCount.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TCount ProtocolReadOne<TCount>(ProtocolFields fields, long offset, Span<byte> destination)
        where TCount : IBinaryInteger<TCount>
    {
        long cuts = Volatile.Read(ref fields.Cuts);
        long end = Volatile.Read(ref fields.End);
        if (offset >= 0 && offset <= end - destination.Length)
        {
            new ReadOnlySpan<byte>((byte*)Volatile.Read(ref fields.Base) + offset, destination.Length).CopyTo(destination);
            if (Volatile.Read(ref fields.Cuts) == cuts)
            {
                return TCount.CreateTruncating(destination.Length);
            }
        }

        return TCount.CreateTruncating(Refused(offset));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long ReadAt(MappedFileStream stream, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        long total = 0;
        foreach (long offset in offsets)
        {
            total += stream.ReadAt(offset, destination);
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long ReadExactlyAt(MappedFileStream stream, long[] offsets, byte[] buffer)
    {
        Span<byte> destination = buffer.AsSpan(0, Record);
        foreach (long offset in offsets)
        {
            stream.ReadExactlyAt(offset, destination);
        }

        return offsets.Length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long RawWrite(byte* mapping, long[] offsets, byte[] payload)
    {
        ReadOnlySpan<byte> source = payload.AsSpan(0, Record);
        foreach (long offset in offsets)
        {
            source.CopyTo(new Span<byte>(mapping + offset, Record));
        }

        return offsets.Length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long WriteAt(MappedFileStream stream, long[] offsets, byte[] payload)
    {
        ReadOnlySpan<byte> source = payload.AsSpan(0, Record);
        foreach (long offset in offsets)
        {
            stream.WriteAt(offset, source);
        }

        return offsets.Length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long InterlockedAdd(long* cell, int operations)
    {
        long last = 0;
        for (int i = 0; i < operations; i++)
        {
            last = Interlocked.Add(ref *cell, 1);
        }

        return last;
    }

    /// <summary>As <see cref="InterlockedAdd"/>, reading the cell's address from an object each time: the floor of any such call.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long InterlockedAddAfterLoad(CellHolder holder, int operations)
    {
        long last = 0;
        for (int i = 0; i < operations; i++)
        {
            last = Interlocked.Add(ref *(long*)Volatile.Read(ref holder.Cell), 1);
        }

        return last;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long AtomicAdd(MappedFileStream stream, long position, int operations)
    {
        long last = 0;
        for (int i = 0; i < operations; i++)
        {
            last = stream.AtomicAdd(position, 1);
        }

        return last;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static long Increment(MappedCounters counters, int operations)
    {
        long last = 0;
        for (int i = 0; i < operations; i++)
        {
            last = counters.Increment(1);
        }

        return last;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Refused(long offset) => throw new ArgumentOutOfRangeException(nameof(offset), offset, "Outside the mapping.");
}
