using System;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The base of suites whose cases run on <see cref="Threads"/> threads at once through a <see cref="ThreadTeam"/>: the
/// thread count parameter, the team, and one result slot per thread (a cache line apart, so threads never share a line
/// through their results).
/// </summary>
public abstract class TeamBenchmarks : IWorkerAllocations
{
    private const int ResultStride = 16;

    private ThreadTeam _team = null!;
    private long[] _results = null!;

    /// <summary>Gets or sets the number of threads working at once.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <inheritdoc/>
    public long WorkerAllocatedBytes => _team.WorkerAllocatedBytes;

    /// <summary>Starts the team; call from the suite's <c>[GlobalSetup]</c>.</summary>
    protected void StartTeam()
    {
        _team = new ThreadTeam(Threads);
        _results = new long[Threads * ResultStride];
    }

    /// <summary>Stops the team; call from the suite's <c>[GlobalCleanup]</c>.</summary>
    protected void StopTeam() => _team.Dispose();

    /// <summary>Runs <paramref name="body"/> on every thread at once and returns thread 0's result.</summary>
    protected long RunTeam(Action<int> body)
    {
        _team.Run(body);
        return Volatile.Read(ref _results[0]);
    }

    /// <summary>Records <paramref name="thread"/>'s result, so the work cannot be optimized away.</summary>
    protected void Report(int thread, long value) => _results[thread * ResultStride] = value;
}
