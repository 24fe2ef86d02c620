using System;
using System.Buffers;
using System.Globalization;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Child-process commands for the shared-mode queue tests (<c>queue-shared-*</c>): every process opens the queue with
/// <see cref="QueueOptions.MultiProcess"/>. Acknowledgements as in <see cref="QueueCommands"/>: <c>P id</c> after a push
/// returned, <c>O id</c> after a pop returned, <c>H id</c> from inside a pop's handler (before the pop commits), then
/// <c>ready</c> and <c>done</c>.
/// <list type="bullet">
/// <item><c>queue-shared-produce PATH PRODUCER COUNT</c>: pushes COUNT items, ids <c>PRODUCER * 10^7 + i</c>.</item>
/// <item><c>queue-shared-consume PATH</c>: pops until it pops the stop item (id -1) or, with <c>--count N</c>, N items; waits
/// for items with <c>DequeueAsync</c> (woken by other processes' pushes). <c>--handler</c> pops with a handler instead.</item>
/// <item><c>queue-shared-churn PATH FIRST-ID SEED OPS</c>: random pushes (some large enough to grow the file), pops of every
/// kind and purges (which shrink it).</item>
/// <item><c>queue-shared-hold PATH</c>: opens the queue, prints <c>ready</c>, waits for a line on stdin, closes it.</item>
/// </list>
/// Options: <c>--size N</c> item bytes; <c>--quiet</c> prints no acknowledgements; <c>--backlog N</c> makes a producer wait while the
/// queue holds more than N items; <c>--initial N</c> the initial size;
/// <c>--fixed</c>; <c>--durability D</c>; <c>--crash POINT K</c> and <c>--trace</c> as for the other queue commands.
/// </summary>
public static class SharedQueueCommands
{
    /// <summary>The id of the item that tells a consumer to stop.</summary>
    public const long StopId = -1;

    /// <summary>How far apart the id ranges of producers are.</summary>
    public const long ProducerStride = 10_000_000;

    public static int? Run(string[] args) => args[0] switch
    {
        "queue-shared-produce" => Produce(args),
        "queue-shared-consume" => Consume(args),
        "queue-shared-churn" => Churn(args),
        "queue-shared-hold" => Hold(args),
        _ => null,
    };

    private static QueueOptions Options(string[] args) => new()
    {
        MultiProcess = true,
        FixedSize = QueueCommands.HasFlag(args, "--fixed"),
        Durability = Enum.Parse<QueueDurability>(QueueCommands.Option(args, "--durability") ?? "None"),
    };

    private static long InitialSize(string[] args) => QueueCommands.Option(args, "--initial") is { } s ? QueueCommands.Parse(s) : 65536;

    private static int Produce(string[] args)
    {
        QueueCommands.InstallCrashHook(args);
        string path = args[1];
        long producer = QueueCommands.Parse(args[2]);
        long count = QueueCommands.Parse(args[3]);
        int? size = QueueCommands.Option(args, "--size") is { } s ? (int)QueueCommands.Parse(s) : null;
        bool quiet = QueueCommands.HasFlag(args, "--quiet");
        long backlog = QueueCommands.Option(args, "--backlog") is { } b ? QueueCommands.Parse(b) : long.MaxValue;
        using MappedQueue queue = MappedQueue.Open(path, InitialSize(args), Options(args));
        Console.WriteLine("ready");
        for (long i = 0; i < count; i++)
        {
            while (i % 32 == 0 && backlog != long.MaxValue && queue.Count > backlog)
            {
                System.Threading.Thread.Sleep(1);
            }

            long id = (producer * ProducerStride) + i;
            queue.Push(QueueItems.Make(id, size ?? QueueItems.SizeOf(id)));
            if (!quiet)
            {
                Console.WriteLine($"P {id}");
            }
        }

        Console.WriteLine("done");
        return 0;
    }

    private static int Consume(string[] args)
    {
        QueueCommands.InstallCrashHook(args);
        string path = args[1];
        bool handler = QueueCommands.HasFlag(args, "--handler");
        bool quiet = QueueCommands.HasFlag(args, "--quiet");
        long limit = QueueCommands.Option(args, "--count") is { } c ? QueueCommands.Parse(c) : long.MaxValue;
        using var queue = new ConcurrentMappedQueue(MappedQueue.Open(path, InitialSize(args), Options(args)));
        Console.WriteLine("ready");
        for (long popped = 0; popped < limit;)
        {
            long id;
            if (handler)
            {
                if (!queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    break;
                }

                // At least once: the acknowledgement is printed inside the handler, before the pop commits.
                if (!queue.TryDequeue(
                    item =>
                    {
                        long seen = QueueItems.Check(item);
                        if (seen != StopId && !quiet)
                        {
                            Console.WriteLine($"H {seen}");
                        }

                        return seen;
                    },
                    out id))
                {
                    continue;
                }
            }
            else
            {
                id = QueueItems.Check(queue.DequeueAsync().AsTask().GetAwaiter().GetResult());
                if (id != StopId && !quiet)
                {
                    Console.WriteLine($"O {id}");
                }
            }

            if (id == StopId)
            {
                break;
            }

            popped++;
        }

        Console.WriteLine("done");
        return 0;
    }

    private static int Churn(string[] args)
    {
        QueueCommands.InstallCrashHook(args);
        string path = args[1];
        long nextId = QueueCommands.Parse(args[2]);
        var random = new Random((int)QueueCommands.Parse(args[3]));
        long operations = QueueCommands.Parse(args[4]);
        using MappedQueue queue = MappedQueue.Open(path, InitialSize(args), Options(args));
        var writer = new ArrayBufferWriter<byte>();
        Console.WriteLine("ready");
        for (long op = 0; op < operations; op++)
        {
            int roll = random.Next(100);
            if (roll < 50)
            {
                // Now and then an item of up to 200 KiB, so that the file grows (and shrinks again when drained).
                int size = random.Next(30) == 0 ? 64 * 1024 + random.Next(140 * 1024) : QueueItems.SizeOf(nextId);
                if (queue.TryPush(QueueItems.Make(nextId, size)))
                {
                    Console.WriteLine($"P {nextId}");
                    nextId++;
                }
            }
            else if (roll < 65)
            {
                Ack(queue.Pop());
            }
            else if (roll < 80)
            {
                writer.ResetWrittenCount();
                if (queue.TryPop(writer))
                {
                    Console.WriteLine($"O {QueueItems.Check(writer.WrittenSpan)}");
                }
            }
            else if (roll < 95)
            {
                Ack(queue.PopAndPurge());
            }
            else
            {
                _ = queue.Purge();
            }
        }

        Console.WriteLine("done");
        return 0;
    }

    private static int Hold(string[] args)
    {
        using MappedQueue queue = MappedQueue.Open(args[1], InitialSize(args), Options(args));
        Console.WriteLine("ready");
        _ = Console.ReadLine();
        return 0;
    }

    private static void Ack(byte[]? item)
    {
        if (item is not null)
        {
            long id = QueueItems.Check(item);
            Console.WriteLine(id == StopId ? "S" : string.Create(CultureInfo.InvariantCulture, $"O {id}"));
        }
    }
}
