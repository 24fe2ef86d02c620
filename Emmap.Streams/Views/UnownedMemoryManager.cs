using System;
using System.Buffers;

namespace Emmap.Streams.Views;

/// <summary>
/// Memory over one chunk of a <see cref="MappedSequenceOwner"/>. It owns nothing: the sequence owner
/// holds the mapping reference and this chunk refuses access once the owner is disposed. A
/// <see cref="MemoryHandle"/> from <see cref="Pin"/> holds its own reference, as a direct view's does.
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
        _owner.AddPin();

        // The handle holds its own reference: the bytes stay mapped until it is disposed, even past the owner.
        return new MemoryHandle(_pointer + elementIndex, default, this);
    }

    /// <inheritdoc/>
    public override void Unpin() => _owner.ReleasePin();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
    }
}
