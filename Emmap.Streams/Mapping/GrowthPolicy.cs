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

    /// <summary>
    /// Applies <see cref="Next"/> from <paramref name="capacity"/> until it reaches <paramref name="required"/>: the doublings one
    /// by one (at most 63), the additions of <see cref="MaxIncrement"/> all at once, so that a small increment and a far end
    /// cost no more than a near one (a growth computes this holding the file's size lock).
    /// </summary>
    internal long NextCapacity(long capacity, long required)
    {
        long next = Math.Max(capacity, 1);
        while (next < required && next < MaxIncrement)
        {
            next = SaturatingAdd(next, next);
        }

        if (next >= required)
        {
            return next;
        }

        long steps = ((required - next - 1) / MaxIncrement) + 1;
        return steps > (long.MaxValue - next) / MaxIncrement ? long.MaxValue : next + (steps * MaxIncrement);
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
