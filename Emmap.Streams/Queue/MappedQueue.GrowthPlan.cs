namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>How the file grows to make room for a record (<see cref="PlanGrowth"/>).</summary>
    /// <param name="Target">The new file size.</param>
    /// <param name="NewBase">The logical position of the new ring's start.</param>
    /// <param name="CopyFrom">Where the part of the ring that moves starts (a file offset).</param>
    /// <param name="CopyTo">Where it goes (a file offset).</param>
    /// <param name="CopyLength">How many bytes move: 0 when nothing does.</param>
    private readonly record struct GrowthPlan(long Target, long NewBase, long CopyFrom, long CopyTo, long CopyLength);
}
