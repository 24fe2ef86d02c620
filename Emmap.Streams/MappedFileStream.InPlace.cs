using System;
using System.Threading;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    /// <summary>
    /// Calls <paramref name="reader"/> with the mapped bytes <c>[position, position + length)</c>, clipped at <see cref="Length"/>,
    /// with no copy. The mapping stays valid for the duration of the call (a racing dispose makes the bytes read as zeros,
    /// never a fault, and the call then throws <see cref="ObjectDisposedException"/>). For layers built on the stream
    /// (the queue's zero-allocation pops and checksums); the span must not escape the callback.
    /// </summary>
    internal unsafe TResult ReadInPlace<TState, TResult>(long position, int length, TState state, InPlaceReader<TState, TResult> reader)
        where TState : allows ref struct
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        MappingState mapping = _state;
        ThrowIfDisposed();
        long available = Math.Max(0, CurrentLength(mapping) - position);
        int count = (int)Math.Min(length, available);
        Region region = Volatile.Read(ref mapping.Region);
        byte* start = count == 0 ? region.Base : region.Base + _offset + position;
        TResult result = reader(new ReadOnlySpan<byte>(start, count), state);
        OrderAfterAccess();
        ThrowIfDisposed();
        GC.KeepAlive(region);
        return result;
    }
}
