using System;
using System.Buffers;
using System.Threading;
using Emmap.Streams.Mapping;

namespace Emmap.Streams.Views;

/// <summary>
/// A direct view: a <see cref="MemoryManager{T}"/> whose memory is mapped file bytes. It holds one
/// reference on the mapping from creation to <see cref="MemoryManager{T}.Dispose"/>, so neither
/// disposing the stream nor growth can unmap what it points at; writes by anyone are visible
/// through it at once. No finalizer (CA2015): a <see cref="Span{T}"/> taken from it does not keep it
/// alive, so use spans only while the view is undisposed.
/// </summary>
internal sealed unsafe class MappedMemoryManager : MemoryManager<byte>
{
    private readonly MappingState _state;
    private readonly byte* _pointer;
    private readonly int _length;
    private int _disposed;

    /// <summary>Wraps memory the caller has already taken a reference on (ownership of the reference moves here).</summary>
    internal MappedMemoryManager(MappingState state, byte* pointer, int length)
    {
        _state = state;
        _pointer = pointer;
        _length = length;
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            ThrowHelper.ThrowObjectDisposed(this);
        }

        return new Span<byte>(_pointer, _length);
    }

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        if (Volatile.Read(ref _disposed) != 0 || !_state.TryAddRef())
        {
            ThrowHelper.ThrowObjectDisposed(this);
        }

        // The handle holds its own reference: the bytes stay mapped until it is disposed.
        return new MemoryHandle(_pointer + elementIndex, default, this);
    }

    /// <inheritdoc/>
    public override void Unpin() => _state.Release();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _state.Release();
        }
    }
}
