using System;
using System.Threading.Tasks;
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
}
