using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

[TestFixture]
public sealed class ConcurrentMappedQueueTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private static byte[] T(string term) => Encoding.UTF8.GetBytes(term);

    private static string S(byte[]? bytes) => bytes is null ? "nil" : Encoding.UTF8.GetString(bytes);

    [Test]
    public async Task Erase_FullFixedQueueWithAWaitingProducer_DropsEveryItemAndLetsTheProducerIn()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("erase.queue"), 4096, new QueueOptions { FixedSize = true });
        while (q.TryEnqueue(new byte[200]))
        {
        }

        q.Count.ShouldBeGreaterThan(5);
        byte[] late = new byte[200];
        late[0] = 42;
        ValueTask waiting = q.EnqueueAsync(late);
        waiting.IsCompleted.ShouldBeFalse();

        q.Erase();

        await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        q.Count.ShouldBe(1);
        q.Dequeue().ShouldBe(late);
        q.Dequeue().ShouldBeNull();
    }

    [Test]
    public void GenServerQueueTest_PortedToThisApi_Passes()
    {
        // emmap-spec.md §10.2 gen_server_queue_test, with this format's sizes.
        string file = _dir.File("queue2.bin");
        using (var q = ConcurrentMappedQueue.Open(file, 4096, new QueueOptions { AutoUnlink = true }))
        {
            q.Enqueue(T("a"));
            q.Enqueue(T("b"));
            q.Enqueue(T("c"));
            File.Exists(file).ShouldBeTrue();
            S(q.Dequeue()).ShouldBe("a");
            S(q.Inspect()).ShouldBe("b");
            S(q.Dequeue()).ShouldBe("b");
            Should.Throw<InvalidOperationException>(() => q.TryDequeue<string>(_ => throw new InvalidOperationException("failed"), out _)).Message.ShouldBe("failed");
            q.TryDequeue(item => S(item.ToArray()), out string? c).ShouldBeTrue();
            c.ShouldBe("c");
            q.Dequeue().ShouldBeNull();

            // Upstream: {N, Blob} with a 256-byte blob grows 512 -> 1024 -> 2048; here a 1000-byte blob grows 4096 -> 8192.
            byte[] blob = Enumerable.Repeat((byte)'x', 1000).ToArray();
            var sizes = new List<long>();
            for (byte n = 1; n <= 4; n++)
            {
                q.Enqueue([n, .. blob]);
                sizes.Add(q.Info().FileSize);
            }

            sizes.ShouldBe([4096L, 4096L, 4096L, 8192L]);
            long head = q.Info().Head;
            for (byte n = 1; n <= 3; n++)
            {
                q.Dequeue()![0].ShouldBe(n);
                q.Info().Head.ShouldBeGreaterThan(head);
                head = q.Info().Head;
                q.Info().FileSize.ShouldBe(8192);
            }

            q.Dequeue()![0].ShouldBe((byte)4);
            QueueMetadata drained = q.Info();
            (drained.Head == drained.Tail, drained.FileSize).ShouldBe((true, 4096L));
            q.Dequeue().ShouldBeNull();
        }

        File.Exists(file).ShouldBeFalse();
    }

    [Test]
    public void Enqueue_FixedQueueFull_ThrowsQueueFull()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("f.queue"), 4096, new QueueOptions { FixedSize = true });
        q.Enqueue(new byte[2000]);

        Should.Throw<QueueFullException>(() => q.Enqueue(new byte[2000]));
        q.TryEnqueue(new byte[2000]).ShouldBeFalse();
        q.Count.ShouldBe(1);
    }

    [Test]
    public void Enqueue_ManyProducersAndConsumers_EveryItemOnceInPerProducerOrder()
    {
        const int Producers = 4;
        const int PerProducer = 4000;
        using var q = ConcurrentMappedQueue.Open(_dir.File("c.queue"), 4096);
        var consumed = new ConcurrentBag<List<(int Producer, int Seq)>>();
        int produced = 0;

        Task[] producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            for (int seq = 0; seq < PerProducer; seq++)
            {
                byte[] item = Item(p, seq);
                if (seq % 3 == 0)
                {
                    await q.EnqueueAsync(item);
                }
                else if (seq % 3 == 1)
                {
                    await q.Writer.WriteAsync(item);
                }
                else
                {
                    q.Enqueue(item);
                }
            }

            if (Interlocked.Increment(ref produced) == Producers)
            {
                q.Writer.TryComplete().ShouldBeTrue();
            }
        })).ToArray();

        Task[] consumers = Enumerable.Range(0, 3).Select(c => Task.Run(async () =>
        {
            var mine = new List<(int, int)>();
            var writer = new ArrayBufferWriter<byte>();
            if (c == 0)
            {
                await foreach (byte[] item in q.Reader.ReadAllAsync())
                {
                    mine.Add(Parse(item));
                }
            }
            else
            {
                while (await q.Reader.WaitToReadAsync())
                {
                    if (c == 1 && q.TryDequeue(static item => Parse(item.ToArray()), out (int, int) got))
                    {
                        mine.Add(got);
                    }
                    else if (c == 2)
                    {
                        writer.ResetWrittenCount();
                        if (q.TryDequeue(writer))
                        {
                            mine.Add(Parse(writer.WrittenSpan.ToArray()));
                        }
                    }
                }
            }

            consumed.Add(mine);
        })).ToArray();

        Task.WaitAll([.. producers, .. consumers], TimeSpan.FromMinutes(2)).ShouldBeTrue();

        var all = consumed.SelectMany(list => list).ToList();
        all.Count.ShouldBe(Producers * PerProducer);
        all.Distinct().Count().ShouldBe(all.Count);
        foreach (List<(int Producer, int Seq)> list in consumed)
        {
            foreach (IGrouping<int, (int Producer, int Seq)> byProducer in list.GroupBy(x => x.Producer))
            {
                byProducer.Select(x => x.Seq).ShouldBe(byProducer.Select(x => x.Seq).Order(), "a consumer saw a producer's items out of order");
            }
        }

        q.Reader.Completion.IsCompletedSuccessfully.ShouldBeTrue();
        q.Info().FileSize.ShouldBe(4096);
    }

    [Test]
    public void TryDequeue_PolledEmptyThenAnotherThreadPushes_EveryOverloadReturnsTheItem()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("poll.queue"), 4096);
        var writer = new ArrayBufferWriter<byte>();
        for (int round = 0; round < 5; round++)
        {
            // Every pop finds the queue empty; then a push from another thread must be seen by the pop of this round.
            q.TryDequeue(out byte[]? none).ShouldBeFalse();
            none.ShouldBeNull();
            q.TryDequeue(writer).ShouldBeFalse();
            q.TryDequeue(static bytes => bytes.Length, out int _).ShouldBeFalse();
            q.TryDequeue(QueueSerializer.Utf8, out string? _).ShouldBeFalse();
            q.Reader.TryRead(out byte[]? _).ShouldBeFalse();

            string item = $"item {round}";
            Task.Run(() => q.Enqueue(T(item))).Wait(TimeSpan.FromSeconds(30)).ShouldBeTrue();

            switch (round)
            {
                case 0:
                    q.TryDequeue(out byte[]? bytes).ShouldBeTrue();
                    S(bytes).ShouldBe(item);
                    break;
                case 1:
                    writer.ResetWrittenCount();
                    q.TryDequeue(writer).ShouldBeTrue();
                    S(writer.WrittenSpan.ToArray()).ShouldBe(item);
                    break;
                case 2:
                    q.TryDequeue(static bytes => Encoding.UTF8.GetString(bytes), out string? handled).ShouldBeTrue();
                    handled.ShouldBe(item);
                    break;
                case 3:
                    q.TryDequeue(QueueSerializer.Utf8, out string? typed).ShouldBeTrue();
                    typed.ShouldBe(item);
                    break;
                default:
                    q.Reader.TryRead(out byte[]? read).ShouldBeTrue();
                    S(read).ShouldBe(item);
                    break;
            }
        }

        q.Count.ShouldBe(0);
    }

    [Test]
    public void TryDequeue_PolledEmptyThenErasedAndPushed_ReturnsTheItem()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("erase-poll.queue"), 4096);
        q.Enqueue(T("dropped"));
        q.Erase();
        q.TryDequeue(out byte[]? _).ShouldBeFalse();
        q.Erase();
        q.TryEnqueue(T("kept")).ShouldBeTrue();
        q.TryDequeue(out byte[]? item).ShouldBeTrue();
        S(item).ShouldBe("kept");
    }

    [Test]
    public void TryDequeue_DisposedAfterPollingEmpty_ThrowsObjectDisposed()
    {
        var q = ConcurrentMappedQueue.Open(_dir.File("disposed-poll.queue"), 4096);
        q.TryDequeue(out byte[]? _).ShouldBeFalse();
        q.Dispose();

        Should.Throw<ObjectDisposedException>(() => q.TryDequeue(out byte[]? _));
        Should.Throw<ObjectDisposedException>(() => q.TryDequeue(new ArrayBufferWriter<byte>()));
        Should.Throw<ObjectDisposedException>(() => q.TryDequeue(static bytes => bytes.Length, out int _));
        Should.Throw<ObjectDisposedException>(() => q.TryDequeue(QueueSerializer.Utf8, out string? _));
    }

    [Test]
    public void TryDequeue_ConsumersPollingWhileProducersPushInBursts_TakeEveryItemOnce()
    {
        const int Producers = 2;
        const int PerProducer = 10_000;
        const int Burst = 97;
        using var q = ConcurrentMappedQueue.Open(_dir.File("burst.queue"), 4096);
        int[] seen = new int[Producers * PerProducer];
        int taken = 0;
        long emptyPolls = 0;
        var deadline = Stopwatch.StartNew();
        bool TimeLeft() => deadline.Elapsed < TimeSpan.FromMinutes(1);

        // Threads of their own, so that the consumers poll while the producers push, whatever the thread pool's size.
        Thread[] consumers = [.. Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            var writer = new ArrayBufferWriter<byte>();
            while (Volatile.Read(ref taken) < seen.Length && TimeLeft())
            {
                writer.ResetWrittenCount();
                if (!q.TryDequeue(writer))
                {
                    Interlocked.Increment(ref emptyPolls);
                    continue;
                }

                (int producer, int seq) = Parse(writer.WrittenSpan.ToArray());
                Interlocked.Increment(ref seen[(producer * PerProducer) + seq]);
                Interlocked.Increment(ref taken);
            }
        }))];
        Thread[] producers = [.. Enumerable.Range(0, Producers).Select(p => new Thread(() =>
        {
            for (int seq = 0; seq < PerProducer; seq++)
            {
                if (seq % Burst == 0)
                {
                    // Each burst starts only after a consumer found the queue empty: a pop that polled an empty queue must
                    // still see the pushes that follow.
                    long polls = Interlocked.Read(ref emptyPolls);
                    while (Interlocked.Read(ref emptyPolls) == polls && TimeLeft())
                    {
                        Thread.Yield();
                    }
                }

                q.Enqueue(Item(p, seq));
            }
        }))];

        foreach (Thread thread in consumers.Concat(producers))
        {
            thread.Start();
        }

        foreach (Thread thread in consumers.Concat(producers))
        {
            thread.Join();
        }

        TimeLeft().ShouldBeTrue("the consumers stopped seeing items that were in the queue");
        taken.ShouldBe(seen.Length);
        seen.ShouldAllBe(count => count == 1);
        q.Count.ShouldBe(0);
    }

    [Test]
    public async Task DequeueAsync_EmptyQueue_CompletesWhenItemArrives()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("w.queue"), 4096);
        ValueTask<byte[]> pending = q.DequeueAsync();
        pending.IsCompleted.ShouldBeFalse();

        q.Enqueue(T("late"));

        S(await pending).ShouldBe("late");
        q.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public async Task DequeueAsync_Canceled_ThrowsAndTakesNothing()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("x.queue"), 4096);
        using var cancel = new CancellationTokenSource();
        ValueTask<byte[]> pending = q.DequeueAsync(cancel.Token);

        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(async () => await pending);
        q.Enqueue(T("kept"));
        S(q.Dequeue()).ShouldBe("kept");
    }

    [Test]
    public async Task EnqueueAsync_FixedQueueFull_WaitsForSpace()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("s.queue"), 4096, new QueueOptions { FixedSize = true });
        q.Enqueue(T(new string('a', 2000)));
        ValueTask pending = q.EnqueueAsync(T(new string('b', 2000)));
        pending.IsCompleted.ShouldBeFalse();

        S(q.Dequeue()).ShouldStartWith("a");

        await pending;
        S(q.Dequeue()).ShouldStartWith("b");
    }

    [Test]
    public async Task WriterWriteAsync_FixedQueueWithoutRoomForItem_WaitsForPopInsteadOfSpinning()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("ws.queue"), 4096, new QueueOptions { FixedSize = true });
        q.Enqueue(new byte[2000]);
        q.Info().FreeBytes.ShouldBeGreaterThan(0);

        ValueTask pending = q.Writer.WriteAsync(new byte[2000]);
        ValueTask<bool> wait = q.Writer.WaitToWriteAsync();

        pending.IsCompleted.ShouldBeFalse();
        wait.IsCompleted.ShouldBeFalse();
        q.Dequeue()!.Length.ShouldBe(2000);
        await pending;
        (await wait).ShouldBeTrue();
        q.Count.ShouldBe(1);
    }

    [Test]
    public async Task Writer_Completed_ReaderDrainsThenCompletes()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("r.queue"), 4096);
        await q.Writer.WriteAsync(T("1"));
        await q.Writer.WriteAsync(T("2"));
        q.Writer.TryComplete().ShouldBeTrue();

        q.Writer.TryWrite(T("3")).ShouldBeFalse();
        await Should.ThrowAsync<ChannelClosedException>(async () => await q.Writer.WriteAsync(T("3")));
        q.Reader.Completion.IsCompleted.ShouldBeFalse();
        var read = new List<string>();
        await foreach (byte[] item in q.Reader.ReadAllAsync())
        {
            read.Add(S(item));
        }

        read.ShouldBe(["1", "2"]);
        await q.Reader.Completion;
        q.Reader.Count.ShouldBe(0);
    }

    [Test]
    public async Task Writer_Completed_LeavesTheQueuesOwnEnqueuesOpenAndTheReaderReturnsTheirItems()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("after.queue"), 4096);
        q.Writer.TryComplete().ShouldBeTrue();
        await q.Reader.Completion;

        // Completion closes the channel faces only, as another process sharing the file could still push.
        q.Enqueue(T("4"));
        await q.EnqueueAsync(T("5"));
        q.Writer.TryWrite(T("6")).ShouldBeFalse();
        q.Reader.TryRead(out byte[]? first).ShouldBeTrue();
        S(first!).ShouldBe("4");
        S(await q.DequeueAsync()).ShouldBe("5");
        q.Reader.TryRead(out _).ShouldBeFalse();
    }

    [Test]
    public async Task Dispose_PendingWait_FailsWithObjectDisposed()
    {
        var q = ConcurrentMappedQueue.Open(_dir.File("d.queue"), 4096);
        ValueTask<byte[]> pending = q.DequeueAsync();

        q.Dispose();

        await Should.ThrowAsync<ObjectDisposedException>(async () => await pending);
        Should.Throw<ObjectDisposedException>(() => q.Enqueue(T("x")));
        q.Dispose();
    }

    [Test]
    public void Reader_ItemsQueued_PeekAndCountReflectQueue()
    {
        using var q = ConcurrentMappedQueue.Open(_dir.File("p.queue"), 4096);
        q.Reader.TryPeek(out _).ShouldBeFalse();
        q.Enqueue(T("x"));
        q.Enqueue(T("y"));

        q.Reader.TryPeek(out byte[]? front).ShouldBeTrue();
        S(front).ShouldBe("x");
        q.Reader.Count.ShouldBe(2);
        q.Reader.TryRead(out byte[]? first).ShouldBeTrue();
        S(first).ShouldBe("x");
    }

    private static byte[] Item(int producer, int seq)
    {
        byte[] item = new byte[8 + (seq % 200)];
        BinaryPrimitives.WriteInt32LittleEndian(item, producer);
        BinaryPrimitives.WriteInt32LittleEndian(item.AsSpan(4), seq);
        item.AsSpan(8).Fill((byte)seq);
        return item;
    }

    private static (int Producer, int Seq) Parse(byte[] item)
    {
        int seq = BinaryPrimitives.ReadInt32LittleEndian(item.AsSpan(4));
        item.Length.ShouldBe(8 + (seq % 200));
        item.AsSpan(8).IndexOfAnyExcept((byte)seq).ShouldBe(-1);
        return (BinaryPrimitives.ReadInt32LittleEndian(item), seq);
    }
}
