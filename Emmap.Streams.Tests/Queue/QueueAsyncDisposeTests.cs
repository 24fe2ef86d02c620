using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// <c>DisposeAsync</c> of the queues whose closing may wait for the device: the caller gets control back while the durable flush
/// runs on the thread pool, the queue refuses calls at once, and nothing committed is lost.
/// </summary>
[TestFixture]
public sealed class QueueAsyncDisposeTests
{
    // A guard against a hung flush, not a timing assertion: a synchronous close returns after it, completed.
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(10);

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("async.queue");

    [TestCase(QueueDurability.Always)]
    [TestCase(QueueDurability.Batched)]
    public async Task DisposeAsync_DurableQueue_FlushesOffTheCallersThreadAndKeepsItems(QueueDurability durability)
    {
        MappedQueue queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { Durability = durability });
        queue.Push("kept"u8);

        using (var flush = new BlockedFlush())
        {
            ValueTask closing = queue.DisposeAsync();

            flush.Started.Wait(s_guard).ShouldBeTrue();
            closing.IsCompleted.ShouldBeFalse();
            Should.Throw<ObjectDisposedException>(() => queue.Push("late"u8));
            flush.Release();
            await closing;
            flush.Thread.ShouldNotBe(flush.Caller);
        }

        using MappedQueue reopened = MappedQueue.Open(QueuePath, 4096);
        reopened.Count.ShouldBe(1);
        Encoding.UTF8.GetString(reopened.Pop()!).ShouldBe("kept");
    }

    [Test]
    public async Task DisposeAsync_NoDurability_ClosesBeforeReturning()
    {
        MappedQueue queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push("kept"u8);

        ValueTask closing = queue.DisposeAsync();

        closing.IsCompleted.ShouldBeTrue();
        await closing;
        using MappedQueue reopened = MappedQueue.Open(QueuePath, 4096);
        reopened.Count.ShouldBe(1);
    }

    [Test]
    public async Task DisposeAsync_CalledTwiceAndWithDispose_ClosesOnce()
    {
        MappedQueue queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { Durability = QueueDurability.Always });
        queue.Push("kept"u8);

        ValueTask first = queue.DisposeAsync();
        queue.Dispose();
        await queue.DisposeAsync();
        await first;

        using MappedQueue reopened = MappedQueue.Open(QueuePath, 4096);
        reopened.Count.ShouldBe(1);
    }

    [Test]
    public async Task DisposeAsync_TypedQueue_FlushesOffTheCallersThread()
    {
        MappedQueue<string> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Utf8, new QueueOptions { Durability = QueueDurability.Batched });
        queue.Push("typed");

        using (var flush = new BlockedFlush())
        {
            ValueTask closing = queue.DisposeAsync();

            flush.Started.Wait(s_guard).ShouldBeTrue();
            closing.IsCompleted.ShouldBeFalse();
            Should.Throw<ObjectDisposedException>(() => queue.Push("late"));
            flush.Release();
            await closing;
        }

        Should.Throw<ObjectDisposedException>(() => queue.Queue.Count);
        using MappedQueue<string> reopened = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Utf8);
        reopened.TryPop(out string? item).ShouldBeTrue();
        item.ShouldBe("typed");
    }

    [Test]
    public async Task DisposeAsync_ConcurrentQueue_FlushesOffTheCallersThreadAndFailsWaiters()
    {
        ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096, new QueueOptions { Durability = QueueDurability.Always });
        ValueTask<byte[]> waiter = queue.DequeueAsync();

        using (var flush = new BlockedFlush())
        {
            ValueTask closing = queue.DisposeAsync();

            flush.Started.Wait(s_guard).ShouldBeTrue();
            closing.IsCompleted.ShouldBeFalse();
            Should.Throw<ObjectDisposedException>(() => queue.Enqueue("late"u8));
            flush.Release();
            await closing;
            flush.Thread.ShouldNotBe(flush.Caller);
        }

        await Should.ThrowAsync<ObjectDisposedException>(async () => await waiter);
    }

    /// <summary>Holds the first durable flush on this async flow until released, and notes which thread ran it.</summary>
    private sealed class BlockedFlush : IDisposable
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly IDisposable _hook;
        private int _blocked;

        public BlockedFlush()
        {
            Caller = Environment.CurrentManagedThreadId;
            _hook = FaultInjection.Install(point =>
            {
                if (point == FaultPoint.Sync && Interlocked.Exchange(ref _blocked, 1) == 0)
                {
                    Thread = Environment.CurrentManagedThreadId;
                    Started.Set();
                    _release.Wait(s_guard);
                }

                return 0;
            });
        }

        public ManualResetEventSlim Started { get; } = new();

        public int Caller { get; }

        public int Thread { get; private set; }

        public void Release() => _release.Set();

        public void Dispose()
        {
            _release.Set();
            _hook.Dispose();
            _release.Dispose();
            Started.Dispose();
        }
    }
}
