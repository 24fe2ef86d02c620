using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.TestHost;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// The thread that watches other processes for a shared <see cref="ConcurrentMappedQueue"/> is woken by its own process's waits
/// without a wake of the event word that every process's watchers sleep on.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ConcurrentMappedQueueWatcherWakeTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public async Task WaitToReadAsync_WhileTheWatcherIsIdle_DoesNotWakeOtherProcessesWaiters()
    {
        string path = _dir.File("idle.queue");
        using var inner = MappedQueue.Open(path, 65536, new QueueOptions { MultiProcess = true });
        using var queue = new ConcurrentMappedQueue(inner, leaveOpen: true);

        // A first wait starts the watcher; a push of this process ends it, and the watcher goes idle.
        ValueTask<bool> first = queue.Reader.WaitToReadAsync();
        await Task.Delay(300);
        queue.Enqueue(new byte[16]);
        (await first.AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue();
        queue.Dequeue().ShouldNotBeNull();
        await Task.Delay(300);

        // Each new wait of the same kind finds an idle watcher, which the watch request alone wakes.
        uint before = inner.EventWord;
        for (int i = 0; i < 5; i++)
        {
            ValueTask<bool> wait = queue.Reader.WaitToReadAsync();
            await Task.Delay(100);
            queue.Enqueue(new byte[16]);
            (await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue();
            queue.Dequeue().ShouldNotBeNull();
            await Task.Delay(100);
        }

        // Each push moves the event word once if the watcher had gone to sleep on it; an interrupt of an idle watcher would
        // move it once more per wait.
        (inner.EventWord - before).ShouldBeLessThanOrEqualTo(5u);
    }

    [Test]
    public async Task WaitToReadAsync_AfterTheWatcherFailedToSleep_IsStillWokenByAnotherProcessesPush([Values] bool forSpace)
    {
        string path = _dir.File("failed.queue");
        var options = new QueueOptions { MultiProcess = true, FixedSize = forSpace };
        using var inner = MappedQueue.Open(path, 4096, options);
        using var queue = new ConcurrentMappedQueue(inner, leaveOpen: true);
        if (forSpace)
        {
            for (long id = 0; inner.TryPush(QueueItems.Make(id, 64)); id++)
            {
            }
        }

        // The watcher starts inside the scope, so its first sleep fails with an I/O error; later ones go through.
        int failures = 0;
        Task wait;
        using (FaultInjection.Install(point => point == FaultPoint.Wait && Interlocked.Increment(ref failures) == 1 ? 5 : 0))
        {
            wait = forSpace ? queue.EnqueueAsync(new byte[64]).AsTask() : queue.Reader.WaitToReadAsync().AsTask();
            await Task.Delay(300);
        }

        failures.ShouldBeGreaterThanOrEqualTo(1, "the watcher tried to sleep");
        // Another process pops or pushes one item; only the watcher can wake this process's waiter for it.
        QueueChildResult child = forSpace
            ? QueueChild.Run("queue-shared-consume", path, "--count", "1", "--fixed", "--quiet")
            : QueueChild.Run("queue-shared-produce", path, "1", "1", "--quiet");
        child.Finished.ShouldBeTrue(child.Errors);

        (await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(10)))).ShouldBe(wait, "a watcher that failed once must not leave the waiters to sleep forever");
        await wait;
    }

    [Test]
    public async Task DequeueAsync_BesideAWaitThatIsCanceled_IsStillWokenByAnotherProcessesPush()
    {
        string path = _dir.File("one-left.queue");
        using var queue = ConcurrentMappedQueue.Open(path, 65536, new QueueOptions { MultiProcess = true });
        using var canceled = new CancellationTokenSource();
        Task<byte[]> leaving = queue.DequeueAsync(canceled.Token).AsTask();
        Task<byte[]> staying = queue.DequeueAsync().AsTask();
        await Task.Delay(100);

        canceled.Cancel();
        await Should.ThrowAsync<OperationCanceledException>(leaving);
        await Task.Delay(300);

        // The watcher looks after each sleep whether a call still waits: one does, so it must go on watching for it.
        QueueChildResult child = QueueChild.Run("queue-shared-produce", path, "1", "1", "--quiet");
        child.Finished.ShouldBeTrue(child.Errors);
        (await Task.WhenAny(staying, Task.Delay(TimeSpan.FromSeconds(10)))).ShouldBe(staying, "the remaining waiter was dropped with the canceled one");
        (await staying).ShouldNotBeEmpty();
    }

    [Test]
    public void SharedQueue_AbandonedAfterAWait_IsCollectedAndItsFileOpensAgain()
    {
        string path = _dir.File("abandoned.queue");

        WeakReference abandoned = WaitOnceThenAbandon(path);

        // The watcher goes idle once its last round ends; from then on nothing but the weak reference may hold the queue.
        AwaitCollection(abandoned);
        using var reopened = ConcurrentMappedQueue.Open(path, 65536, new QueueOptions { MultiProcess = true });
        reopened.TryDequeue(out byte[]? left).ShouldBeTrue();
        left.ShouldBe(new byte[] { 2 });
    }

    [Test]
    public void SharedQueue_AbandonedAfterACanceledWait_IsCollectedAndItsFileOpensAgain([Values] bool forSpace)
    {
        string path = _dir.File("canceled.queue");
        var options = new QueueOptions { MultiProcess = true, FixedSize = forSpace };

        WeakReference abandoned = CancelAWaitThenAbandon(path, options, out long count);

        // Nobody waits once the only wait is canceled, so the watcher must go idle and stop holding the queue.
        AwaitCollection(abandoned);
        using var reopened = ConcurrentMappedQueue.Open(path, 4096, options);
        reopened.Count.ShouldBe(count);
    }

    private static void AwaitCollection(WeakReference abandoned)
    {
        for (int i = 0; i < 50 && abandoned.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(100);
        }

        abandoned.IsAlive.ShouldBeFalse("the watcher thread kept the abandoned queue reachable");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CancelAWaitThenAbandon(string path, QueueOptions options, out long count)
    {
        var queue = ConcurrentMappedQueue.Open(path, 4096, options);
        if (options.FixedSize)
        {
            while (queue.TryEnqueue(new byte[64]))
            {
            }
        }

        using var canceled = new CancellationTokenSource();
        Task waiting = options.FixedSize ? queue.EnqueueAsync(new byte[64], canceled.Token).AsTask() : queue.DequeueAsync(canceled.Token).AsTask();
        Thread.Sleep(100);
        canceled.Cancel();
        Should.Throw<OperationCanceledException>(() => waiting.GetAwaiter().GetResult());
        count = queue.Count;
        return new WeakReference(queue);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference WaitOnceThenAbandon(string path)
    {
        var queue = ConcurrentMappedQueue.Open(path, 65536, new QueueOptions { MultiProcess = true });
        Task<byte[]> waiting = queue.DequeueAsync().AsTask();
        Thread.Sleep(100);
        queue.Enqueue([1]);
        waiting.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();
        waiting.Result.ShouldBe(new byte[] { 1 });
        queue.Enqueue([2]);
        return new WeakReference(queue);
    }
}
