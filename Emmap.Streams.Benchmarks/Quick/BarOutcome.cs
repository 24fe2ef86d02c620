namespace Emmap.Streams.Benchmarks;

/// <summary>What a <see cref="Bar"/> found in a set of results.</summary>
internal enum BarOutcome
{
    /// <summary>The case was measured and the bar holds.</summary>
    Met,

    /// <summary>The case was measured and the bar does not hold.</summary>
    Missed,

    /// <summary>The run has no row for the case (the feature has not landed, or a filter left it out).</summary>
    NotMeasured,
}
