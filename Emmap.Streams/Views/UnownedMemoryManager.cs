using System;
using System.Buffers;

namespace Emmap.Streams.Views;

/// <summary>
/// Memory over one chunk of a <see cref="MappedSequenceOwner"/>. It owns nothing: the sequence owner
/// holds the mapping reference and this chunk refuses access once the owner is disposed.
/// </summary>
internal sealed unsafe class UnownedMemoryManager : MemoryManager<byte>
{
    private readonly MappedSequenceOwner _owner;
    private readonly byte* _pointer;
    private readonly int _length;

    internal UnownedMemoryManager(MappedSequenceOwner owner, byte* pointer, int length)
    {
        _owner = owner;
        _pointer = pointer;
        _length = length;
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan()
    {
        _owner.ThrowIfDisposed();
        return new Span<byte>(_pointer, _length);
    }

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        _owner.ThrowIfDisposed();
        return new MemoryHandle(_pointer + elementIndex);
    }

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
    }
}
