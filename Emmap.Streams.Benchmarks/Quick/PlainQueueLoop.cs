using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// <c>--plain-queue-loop</c>: the queue measured the way a reader would check it by hand (issue 14), with none of the quick
/// run's machinery: two static loops that are not inlined, each called once per round, timed with a stopwatch in
/// alternating rounds in one process. docs/benchmarks.md quotes this code; the quick run and this loop agree within a few
/// per cent.
/// </summary>
internal static class PlainQueueLoop
{
    private const int N = 1 << 20;

    internal static int Run()
    {
        string path = Path.Combine(Path.GetTempPath(), $"plain-{Environment.ProcessId}.queue");
        using MappedQueue queue = MappedQueue.Open(path, 1 << 20);
        var baseline = new ConcurrentQueue<byte[]>();
        var popped = new ArrayBufferWriter<byte>(64);
        byte[] payload = new byte[64];
        for (int round = 0; round < 10; round++)
        {
            long start = Stopwatch.GetTimestamp();
            _ = Mapped(queue, popped, payload);
            double mapped = Stopwatch.GetElapsedTime(start).TotalNanoseconds / N;
            start = Stopwatch.GetTimestamp();
            _ = Concurrent(baseline, popped, payload);
            double concurrent = Stopwatch.GetElapsedTime(start).TotalNanoseconds / N;
            Console.WriteLine($"round {round}: MappedQueue {mapped:F1} ns, ConcurrentQueue<byte[]> {concurrent:F1} ns, ratio {mapped / concurrent:F2}");
        }

        queue.Dispose();
        File.Delete(path);
        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Mapped(MappedQueue queue, ArrayBufferWriter<byte> popped, byte[] payload)
    {
        long total = 0;
        for (int i = 0; i < N; i++)
        {
            queue.Push(payload);
            popped.ResetWrittenCount();
            queue.TryPop(popped);
            total += popped.WrittenCount;
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Concurrent(ConcurrentQueue<byte[]> queue, ArrayBufferWriter<byte> popped, byte[] payload)
    {
        long total = 0;
        for (int i = 0; i < N; i++)
        {
            // Copy in and copy out with constant-size block copies, the fastest raw code for 64-byte items.
            byte[] copy = GC.AllocateUninitializedArray<byte>(64);
            Unsafe.As<byte, Block64>(ref copy[0]) = Unsafe.As<byte, Block64>(ref payload[0]);
            queue.Enqueue(copy);
            queue.TryDequeue(out byte[]? item);
            popped.ResetWrittenCount();
            Unsafe.As<byte, Block64>(ref MemoryMarshal.GetReference(popped.GetSpan(64))) = Unsafe.As<byte, Block64>(ref item![0]);
            popped.Advance(64);
            total += popped.WrittenCount;
        }

        return total;
    }
}
