using System.Collections.Generic;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The bars the quick run checks, by suite and case name: issue 6's, then issue 14's (against the fastest raw code).
/// Positional baselines are the fastest raw code for the size: a constant-size inlined copy for 64 bytes.
/// </summary>
internal static class Bars
{
    internal static IReadOnlyList<Bar> Issue6 { get; } =
    [
        // The issue's scenario: random 64-byte accesses over the whole 256 MiB file.
        Bar.TimeRatio("ReadAt 64 B random ≤ 1.5x the raw pointer copy", "positional/read/Size=64/Locality=page", "ReadAt", "RawRead", 1.5),
        Bar.TimeRatio("ReadAt 64 B random ≤ 1/25 of RandomAccess.Read", "positional/read/Size=64/Locality=page", "ReadAt", "RandomAccessRead", 1.0 / 25),
        Bar.TimeRatio("WriteAt 64 B random ≤ 1.5x the raw pointer write", "positional/write/Size=64/Locality=page", "WriteAt", "RawWrite", 1.5),
        Bar.TimeRatio("Stream.Read sequential 1 MiB ≥ 0.9x the raw copy's throughput", "sequential-read", "StreamRead", "RawCopy", 1 / 0.9),
        Bar.TimeRatio("AtomicAdd ≤ 1.5x a raw Interlocked.Add", "atomic/add/Threads=1", "AtomicAdd", "RawInterlockedAdd", 1.5),
        Bar.TimeRatio("MappedCounters.Increment ≤ 2x a raw Interlocked.Add", "counter/increment/Threads=1", "Increment", "RawInterlockedAdd", 2.0),
        Bar.MaxTime("Queue push+pop 64 B ≥ 10 M pairs/s", "queue/PayloadSize=64", "MappedQueuePushPop", 100),
        Bar.TimeRatio("Push(span) + TryPop(IBufferWriter) ≤ 1.5x ConcurrentQueue<byte[]>", "queue/PayloadSize=64", "MappedQueuePushPop", "ConcurrentQueuePushPop", 1.5),
        Bar.TimeRatio(
            "Batched with 4 producers ≥ 4x the pushes/s of Always", "queue-durability/batched/Producers=4", "MappedQueueBatched",
            "queue-durability/always/Producers=4", "MappedQueueAlways", 1.0 / 4),
        Bar.NoAllocation("0 B allocated per ReadAt with spans", "positional/read/", "ReadAt"),
        Bar.NoAllocation("0 B allocated per ReadExactlyAt", "positional/read/", "ReadExactlyAt"),
        Bar.NoAllocation("0 B allocated per WriteAt with spans", "positional/write/", "WriteAt"),
        Bar.NoAllocation("0 B allocated per AtomicAdd", "atomic/add/", "AtomicAdd"),
        Bar.NoAllocation("0 B allocated per AtomicCompareExchange", "atomic/cas/", "AtomicCompareExchange"),
        Bar.NoAllocation("0 B allocated per MappedCounters.Increment", "counter/", "Increment"),
        Bar.NoAllocation("0 B allocated per Push(span) + TryPop(IBufferWriter)", "queue/", "MappedQueuePushPop"),
    ];

    internal static IReadOnlyList<Bar> Issue14 { get; } =
    [
        Bar.TimeRatio("ReadAt 64 B, 1,024 cached lines ≤ 1.5x the constant-size copy", "positional/read/Size=64/Locality=cached", "ReadAt", "RawRead", 1.5),
        Bar.TimeRatio("WriteAt 64 B, 1,024 cached lines ≤ 1.5x the constant-size copy", "positional/write/Size=64/Locality=cached", "WriteAt", "RawWrite", 1.5),
        Bar.TimeRatio("ReadAt 64 B, one line per page ≤ 1.3x the constant-size copy", "positional/read/Size=64/Locality=page", "ReadAt", "RawRead", 1.3),
        Bar.TimeRatio("WriteAt 64 B, one line per page ≤ 1.3x the constant-size copy", "positional/write/Size=64/Locality=page", "WriteAt", "RawWrite", 1.3),
        Bar.TimeRatio("ReadAt 64 B, 1 M lines (DRAM) ≤ 1.3x the constant-size copy", "positional/read/Size=64/Locality=dram", "ReadAt", "RawRead", 1.3),
        Bar.TimeRatio("WriteAt 64 B, 1 M lines (DRAM) ≤ 1.3x the constant-size copy", "positional/write/Size=64/Locality=dram", "WriteAt", "RawWrite", 1.3),

        // The same three bars for the exact read, which returns no count for the caller's loop to merge.
        Bar.TimeRatio("ReadExactlyAt 64 B, 1,024 cached lines ≤ 1.5x the constant-size copy", "positional/read/Size=64/Locality=cached", "ReadExactlyAt", "RawRead", 1.5),
        Bar.TimeRatio("ReadExactlyAt 64 B, one line per page ≤ 1.3x the constant-size copy", "positional/read/Size=64/Locality=page", "ReadExactlyAt", "RawRead", 1.3),
        Bar.TimeRatio("ReadExactlyAt 64 B, 1 M lines (DRAM) ≤ 1.3x the constant-size copy", "positional/read/Size=64/Locality=dram", "ReadExactlyAt", "RawRead", 1.3),
        Bar.TimeRatio("AtomicAdd ≤ 1.3x Interlocked.Add on the same mapped cell", "atomic/add/Threads=1", "AtomicAdd", "RawInterlockedAdd", 1.3),
        Bar.TimeRatio("MappedCounters.Increment ≤ 1.3x Interlocked.Add on the same mapped cell", "counter/increment/Threads=1", "Increment", "RawInterlockedAdd", 1.3),
        Bar.TimeRatio("Open + first read + Dispose ≤ 2x FileStream's", "open", "MappedOpenRead", "FileStreamOpenRead", 2.0),
        Bar.TimeRatio(
            "Open with 9,500 files open ≤ 1.2x with none open", "many-files/KeptOpen=9500", "MappedOpenRead",
            "many-files/KeptOpen=0", "MappedOpenRead", 1.2),
        Bar.TimeRatio(
            "ReadAt from 2 threads: per-thread time ≤ 1.2x one thread's", "threaded-read/Threads=2", "ReadAt",
            "threaded-read/Threads=1", "ReadAt", 1.2),
        Bar.TimeRatio(
            "Push + TryPop 64 B ≤ 1.0x ConcurrentQueue<byte[]> with constant copies", "queue/PayloadSize=64", "MappedQueuePushPop",
            "ConcurrentQueueConstantCopies", 1.0),
        Bar.MaxTime("Reopen 10 M queue items after a clean close ≤ 50 ms", "queue-reopen/10M", "AfterCleanClose", 50e6),
        Bar.MaxTime("Reopen 10 M queue items after a crash ≤ 500 ms", "queue-reopen/10M", "AfterCrash", 500e6),
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

    internal static IReadOnlyList<Bar> All { get; } = [.. Issue6, .. Issue14, .. Issue15];
}
