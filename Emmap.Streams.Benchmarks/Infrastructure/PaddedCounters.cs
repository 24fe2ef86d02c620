using System.Runtime.CompilerServices;
using System.Threading;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// One counter per worker thread, each alone on its cache line so that the writers never share one, read as a sum by the
/// thread that runs the benchmark. Each counter has a single writer.
/// </summary>
internal sealed class PaddedCounters(int count)
{
    // 16 longs: 128 bytes, two cache lines, so that adjacent-line prefetching does not pair two counters either.
    private const int Stride = 16;

    private readonly long[] _values = new long[count * Stride];

    /// <summary>Sets counter <paramref name="slot"/> (by its one writer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Set(int slot, long value) => Volatile.Write(ref _values[slot * Stride], value);

    /// <summary>Adds one to counter <paramref name="slot"/> (by its one writer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Increment(int slot) => Volatile.Write(ref _values[slot * Stride], _values[slot * Stride] + 1);

    /// <summary>Gets the sum of every counter.</summary>
    internal long Sum()
    {
        long total = 0;
        for (int i = 0; i < _values.Length; i += Stride)
        {
            total += Volatile.Read(ref _values[i]);
        }

        return total;
    }

    /// <summary>Spins until the sum reaches <paramref name="expected"/>.</summary>
    internal void SpinUntilSum(long expected)
    {
        var spinner = new SpinWait();
        while (Sum() < expected)
        {
            spinner.SpinOnce();
        }
    }
}
