using System;
using System.Buffers;

namespace Emmap.Streams.Views;

/// <summary>One link of a <see cref="MappedSequenceOwner"/>'s sequence: at most 1 GiB of mapped bytes.</summary>
internal sealed class MappedSequenceSegment : ReadOnlySequenceSegment<byte>
{
    internal MappedSequenceSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    internal MappedSequenceSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new MappedSequenceSegment(memory, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }
}
