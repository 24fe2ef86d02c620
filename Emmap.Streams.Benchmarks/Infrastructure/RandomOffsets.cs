using System;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// A fixed, seeded cycle of random file offsets aligned to the access size, walked in blocks so that every case
/// of a suite sees the same access pattern (one TLB and cache miss profile for all).
/// </summary>
/// <remarks>
/// The set of offsets sets the locality. <see cref="Cached"/>: 1024 random slots (64 KiB of 64-byte lines on 1024 pages),
/// which stay in the L2 cache and the second-level TLB after warm-up, so a case's time is its own per-call cost.
/// <see cref="Page"/>: one random slot in every page of the 256 MiB file, in a random order, so every access misses the
/// TLB (65,536 pages) and the data caches. <see cref="Dram"/>: 2^20 random slots over the whole file, so almost every
/// access misses to memory and the time is how many misses a loop keeps in flight at once.
/// </remarks>
internal sealed class RandomOffsets
{
    /// <summary>The locality parameter value for 1024 random slots.</summary>
    internal const string Cached = "cached";

    /// <summary>The locality parameter value for one random slot per page, pages in a random order.</summary>
    internal const string Page = "page";

    /// <summary>The locality parameter value for 2^20 random slots.</summary>
    internal const string Dram = "dram";

    private const int PageSize = 4096;

    private readonly long[] _offsets;
    private readonly int _mask;
    private int _next;

    /// <summary>Creates <paramref name="count"/> (a power of two) random offsets of <paramref name="size"/>-byte slots in <paramref name="fileSize"/> bytes.</summary>
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

    private RandomOffsets(long[] offsets)
    {
        _offsets = offsets;
        _mask = offsets.Length - 1;
    }

    /// <summary>Gets the number of distinct offsets in the cycle.</summary>
    internal int Count => _offsets.Length;

    /// <summary>Gets the offset at <paramref name="index"/>, wrapping around.</summary>
    internal long this[int index] => _offsets[index & _mask];

    /// <summary>Creates offsets for a locality parameter value: <see cref="Cached"/>, <see cref="Page"/> or <see cref="Dram"/>.</summary>
    internal static RandomOffsets For(string locality, long fileSize, int size, int seed = 42) => locality switch
    {
        Cached => new RandomOffsets(fileSize, size, 1 << 10, seed),
        Page => OnePerPage(fileSize, size, seed),
        Dram => new RandomOffsets(fileSize, size, 1 << 20, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(locality), locality, "Unknown locality."),
    };

    /// <summary>Reserves the next block of <paramref name="count"/> offsets and returns the index of its first one.</summary>
    internal int NextBlock(int count)
    {
        int start = _next;
        _next = (start + count) & _mask;
        return start;
    }

    /// <summary>
    /// Returns the next <paramref name="count"/> offsets as one span (a power of two no larger than <see cref="Count"/>, so
    /// blocks never wrap), for loops that walk a plain array as the fastest raw code would.
    /// </summary>
    internal ReadOnlySpan<long> NextSpan(int count)
    {
        if (!int.IsPow2(count) || count > _offsets.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A block is a power of two no larger than the cycle.");
        }

        return _offsets.AsSpan(NextBlock(count), count);
    }

    // One slot at a random place in each page (the page itself for page-sized slots), pages in a random order.
    private static RandomOffsets OnePerPage(long fileSize, int size, int seed)
    {
        var random = new Random(seed);
        int pages = (int)(fileSize / PageSize);
        int slotsPerPage = Math.Max(1, PageSize / size);
        long[] offsets = new long[pages];
        for (int page = 0; page < pages; page++)
        {
            offsets[page] = ((long)page * PageSize) + ((long)random.Next(slotsPerPage) * size);
        }

        random.Shuffle(offsets);
        return new RandomOffsets(offsets);
    }
}
