using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Threading;
using Emmap.Streams.Testing;
using HdrHistogram;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// What a <see cref="Peer"/> process does (<c>--peer COMMAND ARGS</c>). Every command prints <c>ready</c> once set up.
/// <list type="bullet">
/// <item><c>queue-consume PATH BATCH</c>: pops 64-byte items from a shared queue into an <see cref="IBufferWriter{T}"/>, prints
/// <c>B</c> after every BATCH items; an empty item ends it, after it prints <c>A bytes items</c> (its allocations).</item>
/// <item><c>queue-consume-total PATH</c>: the same, printing <c>T total</c> whenever it finds the queue empty.</item>
/// <item><c>queue-produce PATH</c>: for each <c>go N</c> line on stdin pushes N 64-byte items, then prints <c>pushed</c>.</item>
/// <item><c>socket-consume PATH BATCH</c> and <c>pipe-consume NAME BATCH</c>: read 64-byte items from a Unix domain socket or a
/// named pipe through a buffered stream, and write one byte back after every BATCH items.</item>
/// <item><c>queue-wake PATH SAMPLES</c>, <c>socket-wake PATH SAMPLES</c>: receive items stamped with the sender's clock while
/// blocked (a futex wait, a socket read), and print the one-way latency percentiles: <c>L p50 p90 p99 p99.9 max</c> in ns.</item>
/// <item><c>hold-and-die PATH MS</c>: pushes into a shared queue and, holding the producers' lock, sleeps MS ms, prints
/// <c>K timestamp</c> and kills itself with SIGKILL.</item>
/// </list>
/// Waiting consumers spin briefly and then sleep until another process pushes, as a real consumer would; a spinning consumer
/// that never pauses would take the producer's cache line away on every look.
/// </summary>
internal static class PeerCommands
{
    /// <summary>The bytes of every item the cross-process cases carry.</summary>
    internal const int ItemSize = 64;

    internal static int Run(string[] args)
    {
        string command = args[1];
        return command switch
        {
            "queue-consume" => QueueConsume(args[2], int.Parse(args[3], CultureInfo.InvariantCulture), totals: false),
            "queue-consume-total" => QueueConsume(args[2], int.MaxValue, totals: true),
            "queue-produce" => QueueProduce(args[2]),
            "socket-consume" => StreamConsume(ConnectSocket(args[2]), int.Parse(args[3], CultureInfo.InvariantCulture)),
            "pipe-consume" => StreamConsume(ConnectPipe(args[2]), int.Parse(args[3], CultureInfo.InvariantCulture)),
            "queue-wake" => QueueWake(args[2], int.Parse(args[3], CultureInfo.InvariantCulture)),
            "socket-wake" => SocketWake(args[2], int.Parse(args[3], CultureInfo.InvariantCulture)),
            "hold-and-die" => HoldAndDie(args[2], int.Parse(args[3], CultureInfo.InvariantCulture)),
            _ => throw new ArgumentException($"Unknown peer command {command}."),
        };
    }

    /// <summary>Opens a queue shared with other processes.</summary>
    internal static MappedQueue OpenShared(string path) => MappedQueue.Open(path, 1 << 20, new QueueOptions { MultiProcess = true });

    /// <summary>
    /// Pops one item, spinning and then sleeping until another process pushes one; returns its length. Calls
    /// <paramref name="empty"/> whenever it finds the queue empty.
    /// </summary>
    internal static int PopWaiting(MappedQueue queue, ArrayBufferWriter<byte> into, Action? empty = null)
    {
        int spins = 0;
        while (true)
        {
            into.ResetWrittenCount();
            long tail = queue.TailWord;
            if (queue.TryPop(into))
            {
                return into.WrittenCount;
            }

            empty?.Invoke();

            if (++spins < 200)
            {
                Thread.SpinWait(30);
                continue;
            }

            queue.WaitForOtherProcesses(items: true, tail, space: false, observedHead: 0);
            spins = 0;
        }
    }

    private static int QueueConsume(string path, int batch, bool totals)
    {
        using MappedQueue queue = OpenShared(path);
        var into = new ArrayBufferWriter<byte>(ItemSize);
        Console.WriteLine("ready");
        long items = 0;
        long reported = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();

        // With totals, the running count goes out whenever the queue is found empty (and it changed since).
        Action? empty = totals ? () =>
        {
            if (items != reported)
            {
                reported = items;
                Console.WriteLine($"T {items}");
            }
        }
        : null;
        while (true)
        {
            if (PopWaiting(queue, into, empty) == 0)
            {
                break;
            }

            if (++items % batch == 0)
            {
                Console.WriteLine("B");
            }
        }

        Console.WriteLine($"A {GC.GetAllocatedBytesForCurrentThread() - allocated} {items}");
        return 0;
    }

    private static int QueueProduce(string path)
    {
        using MappedQueue queue = OpenShared(path);
        byte[] item = new byte[ItemSize];
        Console.WriteLine("ready");
        while (Console.ReadLine() is { } line)
        {
            long count = long.Parse(line.AsSpan(3), CultureInfo.InvariantCulture);
            for (long i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(item, i);
                queue.Push(item);
            }

            Console.WriteLine("pushed");
        }

        return 0;
    }

    private static NetworkStream ConnectSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static NamedPipeClientStream ConnectPipe(string name)
    {
        var pipe = new NamedPipeClientStream(".", name, PipeDirection.InOut);
        pipe.Connect();
        return pipe;
    }

    private static int StreamConsume(Stream connection, int batch)
    {
        using Stream raw = connection;
        using var input = new BufferedStream(raw, 1 << 16);
        byte[] item = new byte[ItemSize];
        Console.WriteLine("ready");
        long items = 0;
        while (input.ReadAtLeast(item, ItemSize, throwOnEndOfStream: false) == ItemSize)
        {
            if (++items % batch == 0)
            {
                raw.WriteByte(1);
            }
        }

        return 0;
    }

    private static int QueueWake(string path, int samples)
    {
        using MappedQueue queue = OpenShared(path);
        var into = new ArrayBufferWriter<byte>(ItemSize);
        var histogram = new LongHistogram(TimeSpan.TicksPerSecond * 10, 3);
        Console.WriteLine("ready");
        for (int i = 0; i < samples; i++)
        {
            // Sleep on the futex at once: this measures the wake-up, not a spin.
            while (true)
            {
                into.ResetWrittenCount();
                long tail = queue.TailWord;
                if (queue.TryPop(into))
                {
                    break;
                }

                queue.WaitForOtherProcesses(items: true, tail, space: false, observedHead: 0);
            }

            long now = Stopwatch.GetTimestamp();
            histogram.RecordValue(ToNanoseconds(now - BinaryPrimitives.ReadInt64LittleEndian(into.WrittenSpan)));
            Console.WriteLine("got");
        }

        PrintPercentiles(histogram);
        return 0;
    }

    private static int SocketWake(string path, int samples)
    {
        using Stream connection = ConnectSocket(path);
        byte[] item = new byte[ItemSize];
        var histogram = new LongHistogram(TimeSpan.TicksPerSecond * 10, 3);
        Console.WriteLine("ready");
        for (int i = 0; i < samples; i++)
        {
            connection.ReadExactly(item);
            long now = Stopwatch.GetTimestamp();
            histogram.RecordValue(ToNanoseconds(now - BinaryPrimitives.ReadInt64LittleEndian(item)));
            Console.WriteLine("got");
        }

        PrintPercentiles(histogram);
        return 0;
    }

    private static int HoldAndDie(string path, int milliseconds)
    {
        AppContext.SetSwitch(CrashPoints.SwitchName, true);
        using MappedQueue queue = OpenShared(path);
        Console.WriteLine("ready");
        _ = Console.ReadLine();
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.SharedClaimed)
            {
                Thread.Sleep(milliseconds);
                Console.WriteLine($"K {Stopwatch.GetTimestamp()}");
                Console.Out.Flush();
                Process.GetCurrentProcess().Kill();
                Thread.Sleep(Timeout.Infinite);
            }
        };
        queue.Push(new byte[ItemSize]);
        return 1;
    }

    /// <summary>Prints <c>L p50 p90 p99 p99.9 max</c> in nanoseconds.</summary>
    internal static void PrintPercentiles(LongHistogram histogram) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"L {histogram.GetValueAtPercentile(50)} {histogram.GetValueAtPercentile(90)} {histogram.GetValueAtPercentile(99)} {histogram.GetValueAtPercentile(99.9)} {histogram.GetMaxValue()}"));

    /// <summary>Stopwatch ticks to nanoseconds (the same clock in every process: CLOCK_MONOTONIC on Linux).</summary>
    internal static long ToNanoseconds(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));
}
