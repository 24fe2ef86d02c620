using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

[TestFixture]
public sealed class ConcurrentMappedQueueContractTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("q.queue");

    [Test]
    public async Task Writer_OverAReadOnlyQueue_RefusesWithNotSupportedAndTheFileKeepsItsItems()
    {
        using (var owner = ConcurrentMappedQueue.Open(QueuePath, 4096))
        {
            owner.Enqueue([1, 2, 3]);
        }

        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096, new QueueOptions { ReadOnly = true });

        Should.Throw<NotSupportedException>(() => queue.Writer.TryWrite(new byte[] { 9 }));
        await Should.ThrowAsync<NotSupportedException>(async () => await queue.Writer.WriteAsync(new byte[] { 9 }));
        Should.Throw<NotSupportedException>(() => queue.Enqueue([9]));
        queue.Count.ShouldBe(1);
        queue.Reader.TryPeek(out byte[]? front).ShouldBeTrue();
        front.ShouldBe(new byte[] { 1, 2, 3 });
    }

    [Test]
    public async Task EveryDequeueForm_DrainingAGrownQueue_ShrinksItToTheInitialSize()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        for (int form = 0; form < 5; form++)
        {
            for (int i = 0; i < 40; i++)
            {
                queue.Enqueue(new byte[300]);
            }

            queue.Info().FileSize.ShouldBeGreaterThan(4096);
            for (int i = 0; i < 40; i++)
            {
                bool popped = form switch
                {
                    0 => queue.Dequeue() is not null,
                    1 => queue.TryDequeue(out _),
                    2 => queue.TryDequeue(new ArrayBufferWriter<byte>()),
                    3 => queue.TryDequeue(span => span.Length, out _),
                    _ => (await queue.DequeueAsync()).Length == 300,
                };
                popped.ShouldBeTrue();
            }

            queue.IsEmpty.ShouldBeTrue();
            queue.Info().FileSize.ShouldBe(4096, $"form {form}");
        }
    }

    [Test]
    public async Task ReaderTryReadAndReadAsync_DrainingAGrownQueue_ShrinkItToTheInitialSize()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < 40; i++)
        {
            await queue.Writer.WriteAsync(new byte[300]);
        }

        for (int i = 0; i < 20; i++)
        {
            queue.Reader.TryRead(out _).ShouldBeTrue();
        }

        for (int i = 0; i < 20; i++)
        {
            (await queue.Reader.ReadAsync()).Length.ShouldBe(300);
        }

        queue.Info().FileSize.ShouldBe(4096);
    }

    [Test]
    public void TryDequeue_HandlerThrows_LeavesTheItemAndTheCount()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        queue.Enqueue([1]);
        queue.Enqueue([2]);

        Should.Throw<FormatException>(() => queue.TryDequeue<int>(_ => throw new FormatException(), out _));

        queue.Count.ShouldBe(2);
        queue.Inspect().ShouldBe(new byte[] { 1 });
        queue.Dequeue().ShouldBe(new byte[] { 1 });
    }

    [Test]
    public void Inspect_EmptyQueue_ReturnsNull()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        queue.Inspect().ShouldBeNull();
        queue.Dequeue().ShouldBeNull();
        queue.TryDequeue(out byte[]? item).ShouldBeFalse();
        item.ShouldBeNull();
        queue.Reader.TryPeek(out _).ShouldBeFalse();
    }

    [Test]
    public async Task DequeueAsync_SeveralWaitersOneCanceled_TheOthersStillGetOneItemEach()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        using var cancel = new CancellationTokenSource();
        ValueTask<byte[]> canceled = queue.DequeueAsync(cancel.Token);
        Task<byte[]> first = queue.DequeueAsync().AsTask();
        Task<byte[]> second = queue.DequeueAsync().AsTask();
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(async () => await canceled);

        queue.Enqueue([1]);
        queue.Enqueue([2]);
        byte[][] got = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));

        got.ShouldBe([[1], [2]], ignoreOrder: true);
        queue.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public async Task EnqueueAsync_TokenCanceledBeforeTheCall_EnqueuesNothingThoughThereIsSpace()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        ValueTask enqueue = queue.EnqueueAsync(new byte[] { 1 }, cancel.Token);

        enqueue.IsCanceled.ShouldBeTrue("as ChannelWriter.WriteAsync and DequeueAsync are with a canceled token");
        await Should.ThrowAsync<OperationCanceledException>(async () => await enqueue);
        queue.Count.ShouldBe(0);
    }

    [Test]
    public async Task EnqueueAsync_CanceledWhileWaitingForSpace_PushesNothingLater()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096, new QueueOptions { FixedSize = true });
        int pushed = 0;
        while (queue.TryEnqueue(new byte[200]))
        {
            pushed++;
        }

        using var cancel = new CancellationTokenSource();
        ValueTask waiting = queue.EnqueueAsync(new byte[200], cancel.Token);
        waiting.IsCompleted.ShouldBeFalse();
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(async () => await waiting);

        queue.Dequeue().ShouldNotBeNull();
        await Task.Delay(50);
        queue.Count.ShouldBe(pushed - 1);
    }

    [Test]
    public async Task WriterComplete_WhileDequeueAsyncWaits_ItThrowsChannelClosedAndCompletionFinishes()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        ValueTask<byte[]> waiting = queue.DequeueAsync();
        Task<bool> waitToRead = queue.Reader.WaitToReadAsync().AsTask();

        queue.Writer.Complete();

        await Should.ThrowAsync<ChannelClosedException>(async () => await waiting);
        (await waitToRead.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeFalse();
        await queue.Reader.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        queue.Writer.TryWrite(new byte[] { 1 }).ShouldBeFalse();
        queue.Writer.TryComplete().ShouldBeFalse();
    }

    [Test]
    public async Task WriterComplete_WithItems_CompletionWaitsUntilTheLastIsDequeued()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        queue.Enqueue([1]);
        queue.Enqueue([2]);
        queue.Writer.Complete();
        await Should.ThrowAsync<ChannelClosedException>(async () => await queue.Writer.WriteAsync(new byte[] { 3 }));

        queue.Reader.Completion.IsCompleted.ShouldBeFalse();
        queue.Dequeue().ShouldBe(new byte[] { 1 });
        queue.Reader.Completion.IsCompleted.ShouldBeFalse();
        (await queue.Reader.ReadAsync()).ShouldBe(new byte[] { 2 });
        await queue.Reader.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Dispose_WhileTheReaderAwaitsCompletion_CompletionFailsInsteadOfHanging()
    {
        var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        Task completion = queue.Reader.Completion;
        queue.Dispose();

        await Should.ThrowAsync<ObjectDisposedException>(() => completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Should.Throw<ObjectDisposedException>(() => queue.Enqueue([1]));
        Should.Throw<ObjectDisposedException>(() => queue.Dequeue());
        Should.Throw<ObjectDisposedException>(() => queue.Inspect());
        Should.Throw<ObjectDisposedException>(() => queue.Info());
        Should.Throw<ObjectDisposedException>(() => queue.Erase());
        Should.Throw<ObjectDisposedException>(() => queue.Flush());
        await Should.ThrowAsync<ObjectDisposedException>(async () => await queue.DequeueAsync());
        await Should.ThrowAsync<ObjectDisposedException>(async () => await queue.EnqueueAsync(new byte[] { 1 }));
    }

    [Test]
    public void Constructor_LeaveOpen_KeepsTheMappedQueueUsable()
    {
        using var inner = MappedQueue.Open(QueuePath, 4096);
        using (var queue = new ConcurrentMappedQueue(inner, leaveOpen: true))
        {
            queue.Enqueue([7]);
        }

        inner.Pop().ShouldBe(new byte[] { 7 });
        var owning = new ConcurrentMappedQueue(inner);
        owning.Dispose();
        Should.Throw<ObjectDisposedException>(() => inner.Pop());
    }

    [Test]
    public void Open_SecondWrapperOnTheSameFile_ThrowsIOException()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        Should.Throw<IOException>(() => ConcurrentMappedQueue.Open(QueuePath, 4096));
        queue.Enqueue([1]);
        queue.Count.ShouldBe(1);
    }
}
