using System;
using System.Buffers;
using System.Globalization;
using System.Threading;
using Emmap.Streams.Testing;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Child-process commands for the queue's crash and cross-process tests (<c>queue-*</c>). Every line on stdout is one
/// acknowledgement, printed only after the operation returned: <c>P id</c> (pushed), <c>O id</c> (popped),
/// <c>E</c> (pop found the queue empty), <c>erasing</c> then <c>X</c> (around an erase), <c>ready</c>, <c>done</c>.
/// <list type="bullet">
/// <item><c>queue-churn PATH FIRST-ID SEED OPS [OPTIONS]</c>: a random mix of pushes (ids from FIRST-ID), pops of every kind and
/// purges.</item>
/// <item><c>queue-script PATH FIRST-ID [OPTIONS]</c>: a fixed sequence that passes every crash point: growth while wrapped, wrap
/// markers, shrinking, repositioning an empty queue, erase.</item>
/// <item><c>queue-open PATH [OPTIONS]</c>: opens (and so recovers) the queue, prints its item count, closes it.</item>
/// <item><c>queue-hold PATH</c>: opens the queue, prints <c>ready</c>, waits for a line on stdin, closes it.</item>
/// <item><c>queue-handler-kill PATH [OPTIONS]</c>: pops with a handler (at least once) that prints <c>H id</c> and then kills the
/// process with SIGKILL, before the pop can commit.</item>
/// </list>
/// Options: <c>--crash POINT K</c> kills the process with SIGKILL at the K-th time it reaches crash point POINT
/// (<c>any</c> matches every point); <c>--durability None|Batched|Always</c>; <c>--fixed</c> for a fixed-size queue; <c>--shared</c>
/// opens it in shared mode (<see cref="QueueOptions.MultiProcess"/>);
/// <c>--large</c> to mix in items of several MiB; <c>--size N</c> for the initial size; <c>--trace</c> prints <c>H POINT</c>
/// to stderr at each crash point.
/// Item bytes follow Emmap.Streams.Tests.Queue.QueueItems: an 8-byte id, then bytes derived from it.
/// </summary>
internal static class QueueCommands
{
    public static int? Run(string[] args) => args[0] switch
    {
        "queue-churn" => Churn(args),
        "queue-script" => Script(args),
        "queue-open" => OpenOnly(args),
        "queue-hold" => Hold(args[1]),
        "queue-handler-kill" => HandlerKill(args),
        _ => SharedQueueCommands.Run(args),
    };

    internal static long Parse(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    private static MappedQueue OpenQueue(string path, string[] args)
    {
        InstallCrashHook(args);
        var options = new QueueOptions
        {
            FixedSize = HasFlag(args, "--fixed"),
            Durability = Enum.Parse<QueueDurability>(Option(args, "--durability") ?? "None"),
            MultiProcess = HasFlag(args, "--shared"),
        };
        long size = Option(args, "--size") is { } s ? Parse(s) : 4096;
        return MappedQueue.Open(path, size, options);
    }

    private static int Churn(string[] args)
    {
        string path = args[1];
        long nextId = Parse(args[2]);
        var random = new Random((int)Parse(args[3]));
        long operations = Parse(args[4]);
        bool large = HasFlag(args, "--large");
        using MappedQueue queue = OpenQueue(path, args);
        var writer = new ArrayBufferWriter<byte>();
        Console.WriteLine("ready");
        for (long op = 0; op < operations; op++)
        {
            int roll = random.Next(100);
            if (roll < 52)
            {
                int size = large && random.Next(40) == 0 ? (2 << 20) + random.Next(4 << 20) : QueueItems.SizeOf(nextId);
                byte[] item = QueueItems.Make(nextId, size);
                if (queue.TryPush(item))
                {
                    Console.WriteLine($"P {nextId}");
                    nextId++;
                }
                else if (queue.Count > 0)
                {
                    Ack(queue.Pop());
                }
            }
            else if (roll < 66)
            {
                Ack(queue.Pop());
            }
            else if (roll < 76)
            {
                writer.ResetWrittenCount();
                if (queue.TryPop(writer))
                {
                    Console.WriteLine($"O {QueueItems.Check(writer.WrittenSpan)}");
                }
                else
                {
                    Console.WriteLine("E");
                }
            }
            else if (roll < 86)
            {
                if (queue.TryPop(static item => QueueItems.Check(item), out long id))
                {
                    Console.WriteLine($"O {id}");
                }
                else
                {
                    Console.WriteLine("E");
                }
            }
            else if (roll < 96)
            {
                Ack(queue.PopAndPurge());
            }
            else
            {
                queue.Purge();
            }
        }

        Console.WriteLine("done");
        return 0;
    }

    private static int Script(string[] args)
    {
        string path = args[1];
        long nextId = Parse(args[2]);
        using MappedQueue queue = OpenQueue(path, args);
        Console.WriteLine("ready");
        void Push(int size)
        {
            queue.Push(QueueItems.Make(nextId, size));
            Console.WriteLine($"P {nextId}");
            nextId++;
        }

        for (int round = 0; round < 3; round++)
        {
            // Fill a little, drain most of it so the cursors move into the ring, then wrap and grow while wrapped.
            for (int i = 0; i < 20; i++)
            {
                Push(100);
            }

            for (int i = 0; i < 15; i++)
            {
                Ack(queue.Pop());
            }

            for (int i = 0; i < 60; i++)
            {
                Push(40 + (i * 37 % 300));
                if (i % 4 == 0)
                {
                    Ack(queue.Pop());
                }
            }

            // Drain with purge: the queue shrinks back to its initial size.
            while (queue.Count > 0)
            {
                Ack(queue.PopAndPurge());
            }

            // An empty queue whose tail sits mid-ring takes an item nearly as large as the ring.
            Push(1500);
            Ack(queue.Pop());
            Push(2900);
            Ack(queue.Pop());

            Push(64);
            Push(64);
            Console.WriteLine("erasing");
            queue.Erase();
            Console.WriteLine("X");
        }

        Console.WriteLine("done");
        return 0;
    }

    private static int OpenOnly(string[] args)
    {
        using MappedQueue queue = OpenQueue(args[1], args);
        Console.WriteLine(queue.Count.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine("done");
        return 0;
    }

    private static int Hold(string path)
    {
        using MappedQueue queue = MappedQueue.Open(path, 4096);
        Console.WriteLine("ready");
        _ = Console.ReadLine();
        return 0;
    }

    private static int HandlerKill(string[] args)
    {
        using MappedQueue queue = OpenQueue(args[1], args);
        Console.WriteLine("ready");
        _ = queue.TryPop(
            static item =>
            {
                Console.WriteLine($"H {QueueItems.Check(item)}");
                Console.Out.Flush();
                SelfKill.Now();
                return 0;
            },
            out int _);
        Console.WriteLine("done");
        return 0;
    }

    private static void Ack(byte[]? item) => Console.WriteLine(item is null ? "E" : $"O {QueueItems.Check(item)}");

    internal static void InstallCrashHook(string[] args)
    {
        bool trace = HasFlag(args, "--trace");
        int at = Array.IndexOf(args, "--crash");
        if (at < 0 && !trace)
        {
            return;
        }

        AppContext.SetSwitch(CrashPoints.SwitchName, true);
        string point = at >= 0 ? args[at + 1] : string.Empty;
        long remaining = at >= 0 ? Parse(args[at + 2]) : long.MaxValue;
        CrashPoints.Hook = name =>
        {
            if (trace)
            {
                Console.Error.WriteLine($"H {name}");
            }

            if ((point == "any" || point == name) && Interlocked.Decrement(ref remaining) == 0)
            {
                SelfKill.Now();
            }
        };
    }

    internal static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    internal static bool HasFlag(string[] args, string name) => Array.IndexOf(args, name) >= 0;
}
