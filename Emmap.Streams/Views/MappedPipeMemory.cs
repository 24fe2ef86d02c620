using System;
using System.Buffers;
using Emmap.Streams.Mapping;

namespace Emmap.Streams.Views;

/// <summary>
/// The memory of one <see cref="MappedPipeSegment"/>: mapped bytes the reader points it at for each buffer it builds. It
/// owns nothing: the reader holds the pin on the mapping while its buffer has unconsumed bytes. It keeps the mapping
/// reachable, so even a consumer that breaks the <see cref="System.IO.Pipelines.PipeReader"/> contract and keeps a buffer
/// past <c>AdvanceTo</c> reads mapped pages (zeros once the mapping is closed), never unmapped memory. Once the reader is
/// completed it refuses access. A <see cref="MemoryHandle"/> from <see cref="Pin"/> holds its own reference, as a direct
/// view's does.
/// </summary>
internal sealed unsafe class MappedPipeMemory : MemoryManager<byte>
{
    private readonly MappedPipeReader _reader;
    private readonly MappingState _state;
    private byte* _pointer;
    private int _length;

    internal MappedPipeMemory(MappedPipeReader reader, MappingState state)
    {
        _reader = reader;
        _state = state;
    }

    /// <summary>Points the memory at <c>[pointer, pointer + length)</c> and returns it as <see cref="Memory{T}"/>.</summary>
    internal Memory<byte> Reset(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
        return CreateMemory(length);
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan()
    {
        _reader.ThrowIfBufferGone();
        return new Span<byte>(_pointer, _length);
    }

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        _reader.ThrowIfBufferGone();
        if (!_state.TryAddRef())
        {
            ThrowHelper.ThrowObjectDisposed(this);
        }

        // The handle holds its own reference: the bytes stay mapped until it is disposed, even past the reader.
        return new MemoryHandle(_pointer + elementIndex, default, this);
    }

    /// <inheritdoc/>
    public override void Unpin() => _state.Release();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
    }
}
