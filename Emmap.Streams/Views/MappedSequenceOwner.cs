using System;
using System.Buffers;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Views;

namespace Emmap.Streams;

/// <summary>
/// A zero-copy <see cref="ReadOnlySequence{T}"/> over a range of a mapped file of any length (segments
/// of at most 1 GiB, so ranges past <see cref="int.MaxValue"/> bytes work), for parsers such as
/// <see cref="SequenceReader{T}"/> or <c>System.IO.Pipelines</c>. It pins the mapping until disposed.
/// </summary>
/// <remarks>
/// Created by <see cref="MappedFileStream.ReadSequence(long, long)"/>. The bytes are the file's: writes by anyone are visible
/// through the sequence at once. Segments refuse access after <see cref="Dispose"/>; do not keep spans taken from them past it.
/// </remarks>
public sealed unsafe class MappedSequenceOwner : IDisposable
{
    private const int SegmentSize = 1 << 30;

    private readonly MappingState _state;
    private readonly ReadOnlySequence<byte> _sequence;
    private int _disposed;

    internal MappedSequenceOwner(MappingState state, byte* start, long length)
    {
        _state = state;
        Length = length;
        if (length == 0)
        {
            _sequence = ReadOnlySequence<byte>.Empty;
            return;
        }

        int firstLength = (int)Math.Min(length, SegmentSize);
        var first = new MappedSequenceSegment(new UnownedMemoryManager(this, start, firstLength).Memory, 0);
        MappedSequenceSegment last = first;
        for (long at = firstLength; at < length; at += SegmentSize)
        {
            int size = (int)Math.Min(length - at, SegmentSize);
            last = last.Append(new UnownedMemoryManager(this, start + at, size).Memory);
        }

        _sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Gets the mapped bytes as a sequence.</summary>
    /// <value>A sequence of <see cref="Length"/> bytes starting at the requested position.</value>
    /// <exception cref="ObjectDisposedException">The owner is disposed.</exception>
    public ReadOnlySequence<byte> Sequence
    {
        get
        {
            ThrowIfDisposed();
            return _sequence;
        }
    }

    /// <summary>Gets the number of bytes in the sequence.</summary>
    /// <value>The requested length, clipped at the end of the data when created.</value>
    public long Length { get; }

    /// <summary>Releases the pin on the mapping. Calling it more than once is harmless.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _state.Release();
        }
    }

    /// <summary>Takes a reference on the mapping for a <see cref="MemoryHandle"/> of a segment; refused once disposed.</summary>
    internal void AddPin()
    {
        ThrowIfDisposed();
        if (!_state.TryAddRef())
        {
            ThrowHelper.ThrowObjectDisposed(this);
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            _state.Release();
            ThrowHelper.ThrowObjectDisposed(this);
        }
    }

    /// <summary>Drops the reference of a segment's <see cref="MemoryHandle"/>.</summary>
    internal void ReleasePin() => _state.Release();

    internal void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposed(this);
        }
    }
}
