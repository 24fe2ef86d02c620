using System.Text.Json.Serialization;

namespace Emmap.Streams.Benchmarks;

/// <summary>One row of the quick run: what the table prints and the JSON file holds.</summary>
/// <param name="Suite">The suite: the class, category and parameter values, for example <c>positional/read/Size=64</c>.</param>
/// <param name="Case">The benchmark method.</param>
/// <param name="NsPerOp">The median over the rounds of nanoseconds per operation.</param>
/// <param name="BytesAllocatedPerOp">Bytes allocated over all measured rounds (every thread) divided by the operations.</param>
/// <param name="BaselineCase">The suite's baseline case, or null when the suite has none.</param>
/// <param name="RatioToBaseline"><paramref name="NsPerOp"/> divided by the baseline's, or null.</param>
internal sealed record QuickResult(
    [property: JsonPropertyName("suite")] string Suite,
    [property: JsonPropertyName("case")] string Case,
    [property: JsonPropertyName("ns_per_op")] double NsPerOp,
    [property: JsonPropertyName("bytes_allocated_per_op")] double BytesAllocatedPerOp,
    [property: JsonPropertyName("baseline_case")] string? BaselineCase,
    [property: JsonPropertyName("ratio_to_baseline")] double? RatioToBaseline);
