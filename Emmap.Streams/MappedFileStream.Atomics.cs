using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    /// <summary>The kinds of atomic operation on a 64-bit cell.</summary>
    internal enum AtomicOp
    {
        Add,
        And,
        Or,
        Xor,
        Exchange,
    }

    /// <summary>Applies <paramref name="op"/> to the cell at <paramref name="position"/> and returns the value it held before.</summary>
    internal unsafe long AtomicUpdate(long position, AtomicOp op, long value)
    {
        Region region = AtomicCell(position, forWrite: true, out long* cell);
        long old = op switch
        {
            AtomicOp.Add => Interlocked.Add(ref *cell, value) - value,
            AtomicOp.And => Interlocked.And(ref *cell, value),
            AtomicOp.Or => Interlocked.Or(ref *cell, value),
            AtomicOp.Xor => Xor(cell, value),
            _ => Interlocked.Exchange(ref *cell, value),
        };
        AfterAtomic(region);
        return old;
    }

    /// <summary>Stores <paramref name="value"/> if the cell equals <paramref name="comparand"/>; returns the value it held before.</summary>
    internal unsafe long AtomicCompareExchangeCore(long position, long value, long comparand)
    {
        Region region = AtomicCell(position, forWrite: true, out long* cell);
        long old = Interlocked.CompareExchange(ref *cell, value, comparand);
        AfterAtomic(region);
        return old;
    }

    /// <summary>Reads the cell with acquire semantics; works on read-only mappings (no locked instruction).</summary>
    internal unsafe long AtomicReadCore(long position)
    {
        Region region = AtomicCell(position, forWrite: false, out long* cell);
        long value = Volatile.Read(ref *cell);
        AfterAtomic(region);
        return value;
    }

    /// <summary>Stores the cell with sequential consistency (a full fence, as emmap's <c>write_integer</c>).</summary>
    internal unsafe void AtomicWriteCore(long position, long value)
    {
        Region region = AtomicCell(position, forWrite: true, out long* cell);
        _ = Interlocked.Exchange(ref *cell, value);
        AfterAtomic(region);
    }

    /// <summary>
    /// Stores the cell with release semantics only (a plain store on x64): everything written before it is visible to
    /// any thread or process that reads the new value. For commit words of layers built on the stream.
    /// </summary>
    internal unsafe void AtomicStoreReleaseCore(long position, long value)
    {
        Region region = AtomicCell(position, forWrite: true, out long* cell);
        Volatile.Write(ref *cell, value);
        AfterAtomic(region);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe Region AtomicCell(long position, bool forWrite, out long* cell)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        MappingState state = _state;
        ThrowIfUnreadable();
        if (forWrite && !_writable)
        {
            ThrowHelper.ThrowReadOnly();
        }

        long length = CurrentLength(state);
        if (position > length - sizeof(long))
        {
            ThrowCellOutOfRange(position, length);
        }

        long fileOffset = _offset + position;
        if ((fileOffset & (sizeof(long) - 1)) != 0)
        {
            ThrowMisaligned(position, fileOffset);
        }

        Region region = Volatile.Read(ref state.Region);
        cell = (long*)(region.Base + fileOffset);
        return region;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AfterAtomic(Region region)
    {
        OrderAfterAccess();
        ThrowIfDisposed();
        GC.KeepAlive(region);
    }

    private static unsafe long Xor(long* cell, long value)
    {
        long current = Volatile.Read(ref *cell);
        while (true)
        {
            long seen = Interlocked.CompareExchange(ref *cell, current ^ value, current);
            if (seen == current)
            {
                return seen;
            }

            current = seen;
        }
    }

    private static void ThrowCellOutOfRange(long position, long length) =>
        throw new ArgumentOutOfRangeException(
            nameof(position), position, $"An 8-byte cell at {position} does not fit in the stream's {length} bytes.");

    private void ThrowMisaligned(long position, long fileOffset) =>
        throw new ArgumentException(
            $"Atomic cells must be 8-byte aligned in the file: position {position} is file offset {fileOffset}" +
            (_offset == 0 ? "." : $" (the window starts at file offset {_offset})."),
            nameof(position));
}
