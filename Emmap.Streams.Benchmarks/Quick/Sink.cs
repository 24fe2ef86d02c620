namespace Emmap.Streams.Benchmarks;

/// <summary>Where the quick run stores benchmark results, so the JIT cannot drop the work that produced them.</summary>
internal static class Sink
{
    internal static long Value;
}
