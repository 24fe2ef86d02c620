using System;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Queue.MultiProcess;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// The thread-safe queue in shared mode: its waits wake for what other processes do, its reader completes however the queue
/// was drained, and completing its writer from a handler the queue is running either completes it or changes nothing.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ConcurrentMappedQueueSharedWaitTests
{
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(10);
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public async Task ReaderCompletion_WriterCompletedThenAnotherProcessDrains_Completes()
    {
        string path = _dir.File("drain.queue");
        using var queue = ConcurrentMappedQueue.Open(path, 65536, new QueueOptions { MultiProcess = true });
        queue.Enqueue(QueueItems.Make(1, 64));
        queue.Enqueue(QueueItems.Make(2, 64));
        queue.Writer.TryComplete().ShouldBeTrue();

        using (SharedChild consumer = SharedChild.Start("consumer", "queue-shared-consume", path, "--count", "2"))
        {
            consumer.ShouldFinish();
        }

        // The reader sees the end of the data, as a channel's reader does...
        (await queue.Reader.WaitToReadAsync().AsTask().WaitAsync(s_guard)).ShouldBeFalse();
        await foreach (byte[] _ in queue.Reader.ReadAllAsync())
        {
            Assert.Fail("no item is left");
        }

        // ...and a channel's Completion completes once the writer is done and the reader has found it empty.
        await queue.Reader.Completion.WaitAsync(s_guard);
    }

    [Test]
    public async Task WriterWaitToWriteAsync_AnotherProcessEmptiedTheQueueWhileAReaderWaits_ReturnsTrue()
    {
        string path = _dir.File("space.queue");
        using ConcurrentMappedQueue queue = OpenFilledByTheWriter(path, 64, out long id);

        // The last write failed for lack of room; another process then takes every item.
        PopInAnotherProcess(path, id);

        queue.Count.ShouldBe(0);

        // A reader waits for items (the queue is empty), then the writer asks whether it may write.
        ValueTask<bool> read = queue.Reader.WaitToReadAsync();
        read.IsCompleted.ShouldBeFalse();

        // Let the watcher thread, started for the reader, go to sleep on the queue's event word.
        await Task.Delay(500);
        bool writable = await queue.Writer.WaitToWriteAsync().AsTask().WaitAsync(s_guard);
        writable.ShouldBeTrue();
        queue.Writer.TryWrite(QueueItems.Make(id, 64)).ShouldBeTrue();
        (await read.AsTask().WaitAsync(s_guard)).ShouldBeTrue();
    }

    [Test]
    public async Task WriterWaitToWriteAsync_AnotherProcessPoppedBeforeAnEnqueueAsyncBeganToWait_ReturnsTrue()
    {
        string path = _dir.File("pop-before-wait.queue");
        using ConcurrentMappedQueue queue = OpenFilledByTheWriter(path, 40, out long id);

        // The last write failed for lack of room; another process then pops one item, which this process does not see yet.
        PopInAnotherProcess(path, 1);

        // An item that one pop does not make room for waits (and looks at the head), then the writer asks whether it may
        // write: the pop came after its failed write, so it may.
        using var stop = new System.Threading.CancellationTokenSource();
        ValueTask large = queue.EnqueueAsync(new byte[2_000], stop.Token);
        large.IsCompleted.ShouldBeFalse();
        (await queue.Writer.WaitToWriteAsync().AsTask().WaitAsync(s_guard)).ShouldBeTrue();
        queue.Writer.TryWrite(QueueItems.Make(id, 40)).ShouldBeTrue();

        // And an EnqueueAsync that began to wait before another process's pop wakes for it, whoever looks at the head first.
        Task waiting = queue.EnqueueAsync(new byte[40], stop.Token).AsTask();
        PopInAnotherProcess(path, 1);

        queue.Writer.TryWrite(new byte[2_500]).ShouldBeFalse();
        await waiting.WaitAsync(s_guard);
        await stop.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(large.AsTask());
    }

    // A fixed-size 4 KiB shared queue that the channel writer filled with items of `size` bytes until a write was refused.
    private static ConcurrentMappedQueue OpenFilledByTheWriter(string path, int size, out long written)
    {
        var queue = ConcurrentMappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true, FixedSize = true });
        written = 0;
        while (queue.Writer.TryWrite(QueueItems.Make(written, size)))
        {
            written++;
        }

        return queue;
    }

    private static void PopInAnotherProcess(string path, long count)
    {
        using SharedChild consumer = SharedChild.Start(
            "consumer", "queue-shared-consume", path, "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--fixed", "--initial", "4096", "--quiet");
        consumer.ShouldFinish();
    }

    [Test]
    public void WriterTryComplete_FromAHandlerInSharedMode_EitherCompletesOrChangesNothing()
    {
        string path = _dir.File("handler.queue");
        using var queue = ConcurrentMappedQueue.Open(path, 65536, new QueueOptions { MultiProcess = true });
        queue.Enqueue(QueueItems.Make(1, 64));

        // A consumer that completes the writer when it sees the item it handles.
        Exception? thrown = null;
        try
        {
            queue.TryDequeue(_ => queue.Writer.TryComplete(), out bool _);
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }

        if (thrown is not null)
        {
            // The call failed, so the writer must still be open.
            queue.Writer.TryComplete().ShouldBeTrue($"TryComplete threw {thrown.GetType().Name} but the writer was completed");
        }
    }

    [Test]
    public async Task Dispose_FromAHandlerWhileTheWatcherRuns_ThrowsAndLeavesTheItem()
    {
        string path = _dir.File("dispose-in-handler.queue");
        var queue = ConcurrentMappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true, FixedSize = true });
        long id = 0;
        while (queue.TryEnqueue(QueueItems.Make(id, 200)))
        {
            id++;
        }

        // A producer waiting for space: the queue runs its watcher thread.
        Task producer = queue.EnqueueAsync(QueueItems.Make(id, 200)).AsTask();
        producer.IsCompleted.ShouldBeFalse();
        Task<Exception?> inHandler = Task.Run(() =>
        {
            try
            {
                queue.TryDequeue(_ => { queue.Dispose(); return 0; }, out int _);
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        });

        (await inHandler.WaitAsync(s_guard)).ShouldBeOfType<InvalidOperationException>();
        QueueItems.Check(queue.Dequeue()).ShouldBe(0, "the handler threw, so its item stayed");
        await producer.WaitAsync(s_guard);
        await queue.DisposeAsync();
    }

    [Test]
    public async Task EnqueueAsync_WaitingWhileAHandlerCompletesTheWriter_GetsInAfterThePop()
    {
        string path = _dir.File("complete-in-handler.queue");
        await using var queue = ConcurrentMappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true, FixedSize = true });
        long id = 0;
        while (queue.TryEnqueue(QueueItems.Make(id, 64)))
        {
            id++;
        }

        Task producer = queue.EnqueueAsync(QueueItems.Make(id, 64)).AsTask();
        producer.IsCompleted.ShouldBeFalse();
        queue.TryDequeue(_ => queue.Writer.TryComplete(), out bool completed).ShouldBeTrue();
        completed.ShouldBeTrue();

        // The pop made room for the waiting producer, and the writer stays completed.
        await producer.WaitAsync(s_guard);
        queue.Writer.TryComplete().ShouldBeFalse();
        queue.Writer.TryWrite(QueueItems.Make(id + 1, 64)).ShouldBeFalse();
    }
}
