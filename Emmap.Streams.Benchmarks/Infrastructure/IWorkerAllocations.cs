namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Implemented by suites whose cases run on worker threads: the quick run adds the workers' allocations
/// to the calling thread's, so bytes per operation count every thread.
/// </summary>
public interface IWorkerAllocations
{
    /// <summary>Gets the bytes allocated so far by the suite's worker threads.</summary>
    public long WorkerAllocatedBytes { get; }
}
