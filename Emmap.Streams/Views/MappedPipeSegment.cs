using System.Diagnostics.CodeAnalysis;
using Emmap.Streams.Mapping;

namespace Emmap.Streams.Views;

/// <summary>
/// One link of a <see cref="MappedPipeReader"/>'s buffer: at most 1 GiB of mapped bytes. Its
/// <see cref="System.Buffers.ReadOnlySequenceSegment{T}.RunningIndex"/> is the stream position of its first byte. The reader
/// keeps two chains of them and builds each new buffer on the chain the previous one did not use, so reads allocate
/// nothing once the chains exist, and a position from an older buffer is recognised as such.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The memory owns nothing; disposing it does nothing.")]
internal sealed unsafe class MappedPipeSegment : System.Buffers.ReadOnlySequenceSegment<byte>
{
    private readonly MappedPipeMemory _memory;

    internal MappedPipeSegment(MappedPipeReader reader, MappingState state, int chain)
    {
        Reader = reader;
        Chain = chain;
        _memory = new MappedPipeMemory(reader, state);
        RunningIndex = -1;
    }

    /// <summary>Gets the reader this segment belongs to.</summary>
    internal MappedPipeReader Reader { get; }

    /// <summary>Gets which of the reader's two chains this segment is part of.</summary>
    internal int Chain { get; }

    /// <summary>Points the segment at <paramref name="length"/> mapped bytes at <paramref name="pointer"/>, stream position <paramref name="position"/>.</summary>
    internal void Set(byte* pointer, int length, long position, MappedPipeSegment? next)
    {
        Memory = _memory.Reset(pointer, length);
        RunningIndex = position;
        Next = next;
    }

    /// <summary>Takes the segment out of use: no position resolves into it until it is set again.</summary>
    internal void Clear()
    {
        Memory = default;
        RunningIndex = -1;
        Next = null;
    }
}
