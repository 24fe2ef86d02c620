using System.Runtime.CompilerServices;

namespace Emmap.Streams.Benchmarks;

/// <summary>64 bytes as one value, so that assigning it is a constant-size copy the JIT inlines (the fastest raw copy of a fixed-size item).</summary>
[InlineArray(64)]
internal struct Block64
{
    private byte _first;
}
