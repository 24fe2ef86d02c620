using System.Collections.Generic;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The bars of issue 6 §4, by suite and case name. Bars on suites that have not landed yet (counters, the
/// <c>MappedQueue</c> cases) report "not measured" until their benchmark files add those rows.
/// </summary>
internal static class Bars
{
    internal static IReadOnlyList<Bar> Issue6 { get; } =
    [
        // The issue's scenario: random 64-byte accesses over the whole 256 MiB file.
        Bar.TimeRatio("ReadAt 64 B random ≤ 1.5x the raw pointer copy", "positional/read/Size=64/Locality=spread", "ReadAt", "RawPointerRead", 1.5),
        Bar.TimeRatio("ReadAt 64 B random ≤ 1/25 of RandomAccess.Read", "positional/read/Size=64/Locality=spread", "ReadAt", "RandomAccessRead", 1.0 / 25),
        Bar.TimeRatio("WriteAt 64 B random ≤ 1.5x the raw pointer write", "positional/write/Size=64/Locality=spread", "WriteAt", "RawPointerWrite", 1.5),

        // Stricter than the issue: the same calls when every access hits the cache, which isolates the per-call cost.
        Bar.TimeRatio("ReadAt 64 B, cache-resident offsets ≤ 1.5x the raw pointer copy", "positional/read/Size=64/Locality=cached", "ReadAt", "RawPointerRead", 1.5),
        Bar.TimeRatio("WriteAt 64 B, cache-resident offsets ≤ 1.5x the raw pointer write", "positional/write/Size=64/Locality=cached", "WriteAt", "RawPointerWrite", 1.5),
        Bar.TimeRatio("Stream.Read sequential 1 MiB ≥ 0.9x the raw copy's throughput", "sequential-read", "StreamRead", "RawCopy", 1 / 0.9),
        Bar.TimeRatio("AtomicAdd ≤ 1.5x a raw Interlocked.Add", "atomic/add/Threads=1", "AtomicAdd", "RawInterlockedAdd", 1.5),
        Bar.TimeRatio("MappedCounters.Increment ≤ 2x a raw Interlocked.Add", "counter/increment/Threads=1", "Increment", "RawInterlockedAdd", 2.0),
        Bar.MaxTime("Queue push+pop 64 B ≥ 10 M pairs/s", "queue/PayloadSize=64", "MappedQueuePushPop", 100),
        Bar.TimeRatio("Push(span) + TryPop(IBufferWriter) ≤ 1.5x ConcurrentQueue<byte[]>", "queue/PayloadSize=64", "MappedQueuePushPop", "ConcurrentQueuePushPop", 1.5),
        Bar.TimeRatio(
            "Batched with 4 producers ≥ 4x the pushes/s of Always", "queue-durability/batched/Producers=4", "MappedQueueBatched",
            "queue-durability/always/Producers=4", "MappedQueueAlways", 1.0 / 4),
        Bar.NoAllocation("0 B allocated per ReadAt with spans", "positional/read/", "ReadAt"),
        Bar.NoAllocation("0 B allocated per WriteAt with spans", "positional/write/", "WriteAt"),
        Bar.NoAllocation("0 B allocated per AtomicAdd", "atomic/add/", "AtomicAdd"),
        Bar.NoAllocation("0 B allocated per AtomicCompareExchange", "atomic/cas/", "AtomicCompareExchange"),
        Bar.NoAllocation("0 B allocated per MappedCounters.Increment", "counter/", "Increment"),
        Bar.NoAllocation("0 B allocated per Push(span) + TryPop(IBufferWriter)", "queue/", "MappedQueuePushPop"),
    ];

    /// <summary>The bars of issue 15: parsing fed by the <c>PipeReader</c> over the mapping.</summary>
    internal static IReadOnlyList<Bar> Issue15 { get; } =
    [
        Bar.TimeRatio("Lines of 1 GiB via SequenceReader ≥ 3x the copying PipeReader", "pipe-reader/lines", "MappedReaderLines", "CopyingReaderLines", 1.0 / 3),
        Bar.MaxAllocation("≤ 64 KiB allocated reading a 256 MiB file (1 MiB window)", "pipe-reader/read", "MappedReaderRead", 64 << 10),
        Bar.MaxAllocation("≤ 64 KiB allocated reading a 256 MiB file (4 KiB window)", "pipe-reader/read", "MappedReader4KiBRead", 64 << 10),
        Bar.TimeRatio("JSON 100 MB faster than the Stream overload on a FileStream", "pipe-reader/json", "MappedReaderJson", "StreamJson", 1.0),
        Bar.TimeRatio("JSON 100 MB faster than PipeReader.Create(FileStream)", "pipe-reader/json", "MappedReaderJson", "CopyingReaderJson", 1.0),
    ];
}
