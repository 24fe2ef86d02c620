using System.Threading;

namespace Emmap.Streams.Benchmarks;

/// <summary>Baseline loops shared by suites that compare against the same raw operation, so every suite measures one loop.</summary>
internal static unsafe class RawLoops
{
    /// <summary><paramref name="operations"/> times <see cref="Interlocked.Add(ref long, long)"/> of 1 on <paramref name="cell"/>; returns the last result.</summary>
    internal static long InterlockedAdd(long* cell, int operations)
    {
        long last = 0;
        for (int i = 0; i < operations; i++)
        {
            last = Interlocked.Add(ref *cell, 1);
        }

        return last;
    }
}
