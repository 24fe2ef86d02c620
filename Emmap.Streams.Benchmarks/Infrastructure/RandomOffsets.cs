using System;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// A fixed, seeded cycle of random file offsets aligned to the access size, walked in blocks so that every case
/// of a suite sees the same access pattern (one TLB and cache miss profile for all).
/// </summary>
/// <remarks>
/// The number of distinct offsets sets the locality. <see cref="Cached"/> (1024 slots, 64 KiB of 64-byte lines on
/// 1024 pages) stays in the L2 cache and the TLB after warm-up, so a case's time is its own per-call cost: the
/// setting of design-notes §5 and of issue 6's bars. <see cref="Spread"/> (65536 slots, about one per page of the
/// 256 MiB file) misses the TLB and the caches on almost every access, so memory latency dominates every case alike.
/// </remarks>
internal sealed class RandomOffsets
{
    /// <summary>The locality parameter value for 1024 distinct offsets.</summary>
    internal const string Cached = "cached";

    /// <summary>The locality parameter value for 65536 distinct offsets.</summary>
    internal const string Spread = "spread";

    private readonly long[] _offsets;
    private readonly int _mask;
    private int _next;

    /// <summary>Creates <paramref name="count"/> (a power of two) offsets of <paramref name="size"/>-byte slots spread over <paramref name="fileSize"/> bytes.</summary>
    internal RandomOffsets(long fileSize, int size, int count = 1024, int seed = 42)
    {
        if (!int.IsPow2(count))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "The offset count must be a power of two.");
        }

        var random = new Random(seed);
        long slots = fileSize / size;
        _offsets = new long[count];
        _mask = count - 1;
        for (int i = 0; i < count; i++)
        {
            _offsets[i] = random.NextInt64(slots) * size;
        }
    }

    /// <summary>Creates offsets for a locality parameter value, <see cref="Cached"/> or <see cref="Spread"/>.</summary>
    internal RandomOffsets(long fileSize, int size, string locality, int seed = 42)
        : this(fileSize, size, locality == Spread ? 1 << 16 : 1 << 10, seed)
    {
    }

    /// <summary>Gets the offset at <paramref name="index"/>, wrapping around.</summary>
    internal long this[int index] => _offsets[index & _mask];

    /// <summary>Reserves the next block of <paramref name="count"/> offsets and returns the index of its first one.</summary>
    internal int NextBlock(int count)
    {
        int start = _next;
        _next = (start + count) & _mask;
        return start;
    }
}
