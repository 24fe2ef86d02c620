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

    /// <summary>
    /// As <see cref="InterlockedAdd"/>, with one plain load from memory before each addition (the address of the cell, read
    /// from <paramref name="holder"/>): the least any call does that must look up where the cell is. A locked instruction
    /// lets no later load run before it completes, so that load's latency adds to every addition.
    /// </summary>
    internal static long InterlockedAddAfterLoad(CellHolder holder, int operations)
    {
        long last = 0;
        for (int i = 0; i < operations; i++)
        {
            last = Interlocked.Add(ref *(long*)Volatile.Read(ref holder.Cell), 1);
        }

        return last;
    }
}
