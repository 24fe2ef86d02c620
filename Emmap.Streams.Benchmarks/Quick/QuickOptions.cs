namespace Emmap.Streams.Benchmarks;

/// <summary>How the quick run measures.</summary>
/// <param name="Rounds">Measured rounds per case; each round times one batch of every case of a suite, in rotating order.</param>
/// <param name="BatchMilliseconds">The target duration of one batch (at least one invocation).</param>
/// <param name="WarmupMilliseconds">The minimum duration of each warm-up pass per case (longer, up to four times, until 30 calls).</param>
/// <param name="Filter">Only suites or cases whose "suite/case" name contains this text, or all when null.</param>
internal sealed record QuickOptions(int Rounds, double BatchMilliseconds, double WarmupMilliseconds, string? Filter);
