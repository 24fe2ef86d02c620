using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Threading;
using System.Linq;
using System.Threading.Tasks;
using HdrHistogram;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// <c>--wake-latency [--samples N] [--recoveries N]</c>: latency percentiles that a time per operation cannot show (issue 12).
/// <list type="bullet">
/// <item>Wake-up: one 64-byte item stamped with the sender's clock (CLOCK_MONOTONIC, the same in every process) reaches a
/// receiver that is asleep: in another process on a shared queue (a futex wait), on a Unix domain socket (a blocking read),
/// and on a thread of this process through <see cref="ConcurrentMappedQueue.DequeueAsync"/>. Items are 300 µs apart, so the
/// receiver is asleep each time.</item>
/// <item>Dead-holder recovery: a peer takes the producers' lock, holds it 20 ms, and kills itself with SIGKILL while this process
/// waits in <see cref="MappedQueue.Push(System.ReadOnlySpan{byte})"/>; the time from the kill to the push returning is how long a dead participant blocks
/// the others.</item>
/// </list>
/// Prints a Markdown table: p50, p90, p99, p99.9 and max, in microseconds.
/// </summary>
internal static class WakeLatencyRunner
{
    private static readonly TimeSpan s_gap = TimeSpan.FromMicroseconds(300);

    internal static int Run(string[] args)
    {
        int samples = Option(args, "--samples") ?? 5000;
        int recoveries = Option(args, "--recoveries") ?? 40;
        var rows = new List<(string Name, long[] Percentiles)>
        {
            ("shared queue, another process (futex)", SharedQueueWake(samples)),
            ("Unix domain socket, another process (read)", SocketWake(samples)),
            ("ConcurrentMappedQueue.DequeueAsync, another thread", InProcessWake(samples)),
            ("dead lock holder: kill to the waiting push returning", DeadHolderRecovery(recoveries)),
        };
        Console.WriteLine($"| one item, {samples} samples ({recoveries} for the dead holder) | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach ((string name, long[] p) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {p[0] / 1000.0:F1} | {p[1] / 1000.0:F1} | {p[2] / 1000.0:F1} | {p[3] / 1000.0:F1} | {p[4] / 1000.0:F1} |"));
        }

        return 0;
    }

    private static long[] SharedQueueWake(int samples)
    {
        string path = DataFiles.Scratch("wake.queue");
        using MappedQueue queue = PeerCommands.OpenShared(path);
        using Peer receiver = Peer.Start("queue-wake", path, samples.ToString(CultureInfo.InvariantCulture));
        byte[] item = new byte[PeerCommands.ItemSize];
        for (int i = 0; i < samples; i++)
        {
            Pause();
            BinaryPrimitives.WriteInt64LittleEndian(item, Stopwatch.GetTimestamp());
            queue.Push(item);
            _ = receiver.Expect("got");
        }

        return Parse(receiver.Expect("L "));
    }

    private static long[] SocketWake(int samples)
    {
        string path = DataFiles.Scratch("wake.socket");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        using Peer receiver = Peer.Start("socket-wake", path, samples.ToString(CultureInfo.InvariantCulture));
        using Socket connection = listener.Accept();
        byte[] item = new byte[PeerCommands.ItemSize];
        for (int i = 0; i < samples; i++)
        {
            Pause();
            BinaryPrimitives.WriteInt64LittleEndian(item, Stopwatch.GetTimestamp());
            _ = connection.Send(item);
            _ = receiver.Expect("got");
        }

        return Parse(receiver.Expect("L "));
    }

    private static long[] InProcessWake(int samples)
    {
        using var queue = ConcurrentMappedQueue.Open(DataFiles.Scratch("wake-local.queue"), 1 << 20);
        var histogram = new LongHistogram(TimeSpan.TicksPerSecond * 10, 3);
        using var received = new SemaphoreSlim(0);
        Task receiver = Task.Run(async () =>
        {
            for (int i = 0; i < samples; i++)
            {
                byte[] got = await queue.DequeueAsync().ConfigureAwait(false);
                histogram.RecordValue(PeerCommands.ToNanoseconds(Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(got)));
                received.Release();
            }
        });
        byte[] item = new byte[PeerCommands.ItemSize];
        for (int i = 0; i < samples; i++)
        {
            Pause();
            BinaryPrimitives.WriteInt64LittleEndian(item, Stopwatch.GetTimestamp());
            queue.Enqueue(item);
            received.Wait();
        }

        receiver.GetAwaiter().GetResult();
        return Percentiles(histogram);
    }

    private static long[] DeadHolderRecovery(int rounds)
    {
        var histogram = new LongHistogram(TimeSpan.TicksPerSecond * 10, 3);
        byte[] item = new byte[PeerCommands.ItemSize];
        for (int round = 0; round < rounds; round++)
        {
            string path = DataFiles.Scratch("dead.queue");
            using MappedQueue queue = PeerCommands.OpenShared(path);
            using Peer holder = Peer.Start("hold-and-die", path, "20");
            holder.Send("go");

            // Wait until the holder holds the lock (the push below then has to wait for it), then push.
            Thread.Sleep(5);
            queue.Push(item);
            long returned = Stopwatch.GetTimestamp();
            long killed = long.Parse(holder.Expect("K ").AsSpan(2), CultureInfo.InvariantCulture);
            histogram.RecordValue(Math.Max(0, PeerCommands.ToNanoseconds(returned - killed)));
        }

        return Percentiles(histogram);
    }

    private static void Pause()
    {
        long until = Stopwatch.GetTimestamp() + (long)(s_gap.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(50);
        }
    }

    private static long[] Percentiles(LongHistogram h) =>
        [h.GetValueAtPercentile(50), h.GetValueAtPercentile(90), h.GetValueAtPercentile(99), h.GetValueAtPercentile(99.9), h.GetMaxValue()];

    private static long[] Parse(string line)
    {
        string[] parts = line.Split(' ');
        return [.. parts[1..6].Select(p => long.Parse(p, CultureInfo.InvariantCulture))];
    }

    private static int? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : null;
    }
}
