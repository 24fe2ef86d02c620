using System;

namespace Emmap.Streams.Mapping;

/// <summary>
/// emmap's growth rule: double while below <see cref="MaxIncrement"/>, then add
/// <see cref="MaxIncrement"/> at a time.
/// </summary>
internal readonly record struct GrowthPolicy(long MaxIncrement)
{
    /// <summary>The next size after <paramref name="length"/> (emmap <c>resize/1</c>); an empty file grows to one page.</summary>
    internal long Next(long length)
    {
        if (length == 0)
        {
            return (long)Region.PageSize;
        }

        return length < MaxIncrement ? SaturatingAdd(length, length) : SaturatingAdd(length, MaxIncrement);
    }

    /// <summary>Applies <see cref="Next"/> from <paramref name="capacity"/> until it reaches <paramref name="required"/>.</summary>
    internal long NextCapacity(long capacity, long required)
    {
        long next = Math.Max(capacity, 1);
        while (next < required)
        {
            next = Next(next);
        }

        return next;
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
