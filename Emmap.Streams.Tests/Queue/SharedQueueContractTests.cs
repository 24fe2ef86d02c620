using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Queue.MultiProcess;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// Issue 12's contract seen from one process while real child processes of the test host act on the same file: what another
/// process pushed, popped, grew or shrank is what this process's next call sees.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SharedQueueContractTests
{
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(60);
    private static readonly QueueOptions s_shared = new() { MultiProcess = true };
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("shared.queue");

    [Test]
    public void CountPeeksAndPurge_AfterAnotherProcessPushed_SeeItsItemsAtOnce()
    {
        using MappedQueue queue = MappedQueue.Open(QueuePath, 65536, s_shared);
        queue.Purge().ShouldBeTrue();
        using (SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", QueuePath, "3", "5", "--quiet"))
        {
            producer.ShouldFinish();
        }

        queue.Count.ShouldBe(5);
        queue.IsEmpty.ShouldBeFalse();
        queue.Purge().ShouldBeFalse();
        QueueItems.Check(queue.PeekFront()).ShouldBe(3 * SharedQueueCommands.ProducerStride);
        QueueItems.Check(queue.PeekBack()).ShouldBe((3 * SharedQueueCommands.ProducerStride) + 4);
        queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(
            Enumerable.Range(0, 5).Select(i => (3 * SharedQueueCommands.ProducerStride) + i));
        queue.GetMetadata().Count.ShouldBe(5);
        for (int i = 0; i < 5; i++)
        {
            QueueItems.Check(queue.Pop()).ShouldBe((3 * SharedQueueCommands.ProducerStride) + i);
        }

        queue.Pop().ShouldBeNull();
        queue.Purge().ShouldBeTrue();
    }

    [Test]
    public void GrowthAndShrink_WhileAnotherProcessMapsTheFile_EachSideSeesTheOthersSize()
    {
        using MappedQueue queue = MappedQueue.Open(QueuePath, 65536, s_shared);
        using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", QueuePath);
        holder.WaitUntilReady();

        // Another process grows the file with items far larger than the initial size; this one pops them.
        using (SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", QueuePath, "1", "6", "--size", "300000", "--quiet"))
        {
            producer.ShouldFinish();
        }

        queue.GetMetadata().FileSize.ShouldBeGreaterThan(6L * 300000);
        for (int i = 0; i < 6; i++)
        {
            byte[]? item = queue.PopAndPurge();
            item.ShouldNotBeNull().Length.ShouldBe(300000);
            QueueItems.Check(item).ShouldBe(SharedQueueCommands.ProducerStride + i);
        }

        queue.GetMetadata().FileSize.ShouldBe(65536, "the drained queue shrinks at PopAndPurge while another process maps it");

        // This process grows it again, and another process drains it and shrinks it.
        for (int i = 0; i < 4; i++)
        {
            queue.Push(QueueItems.Make((2 * SharedQueueCommands.ProducerStride) + i, 200000));
        }

        using (SharedChild consumer = SharedChild.Start("consumer", "queue-shared-consume", QueuePath, "--count", "4"))
        {
            consumer.ShouldFinish();
            consumer.Lines().Where(line => line.StartsWith("O ", StringComparison.Ordinal)).ShouldBe(
                Enumerable.Range(0, 4).Select(i => $"O {(2 * SharedQueueCommands.ProducerStride) + i}"));
        }

        queue.GetMetadata().FileSize.ShouldBe(65536);
        queue.Count.ShouldBe(0);
        queue.Push(QueueItems.Make(9, 64));
        QueueItems.Check(queue.Pop()).ShouldBe(9);
        holder.Send("close");
        holder.ShouldFinish();
        MappedQueue.Verify(QueuePath).IsIntact.ShouldBeTrue();
    }

    [Test]
    public void Erase_WhileAnotherProcessHasItOpen_DropsEveryonesItemsAndItsPushesFollow()
    {
        using MappedQueue queue = MappedQueue.Open(QueuePath, 65536, s_shared);
        using (SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", QueuePath, "1", "50", "--size", "5000", "--quiet"))
        {
            producer.ShouldFinish();
        }

        using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", QueuePath);
        holder.WaitUntilReady();
        queue.Count.ShouldBe(50);
        queue.Erase();
        queue.Count.ShouldBe(0);
        queue.GetMetadata().FileSize.ShouldBe(65536);

        using (SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", QueuePath, "2", "3", "--quiet"))
        {
            producer.ShouldFinish();
        }

        for (int i = 0; i < 3; i++)
        {
            QueueItems.Check(queue.Pop()).ShouldBe((2 * SharedQueueCommands.ProducerStride) + i);
        }

        queue.Pop().ShouldBeNull();
        holder.Send("close");
        holder.ShouldFinish();
    }

    [Test]
    public async Task DequeueAsync_CanceledBeforeAnotherProcessPushes_TakesNothing()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 65536, s_shared);
        using var cancel = new CancellationTokenSource();
        ValueTask<byte[]> waiting = queue.DequeueAsync(cancel.Token);
        await Task.Delay(100);
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(async () => await waiting);

        using (SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", QueuePath, "1", "1", "--quiet"))
        {
            producer.ShouldFinish();
        }

        queue.Count.ShouldBe(1);
        byte[] item = await queue.DequeueAsync().AsTask().WaitAsync(s_hangGuard);
        QueueItems.Check(item).ShouldBe(SharedQueueCommands.ProducerStride);
    }

    [Test]
    public async Task ReaderReadAsync_AnotherProcessPushes_CompletesWithoutPolling()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 65536, s_shared);
        Task<byte[]> reading = queue.Reader.ReadAsync().AsTask();
        await Task.Delay(100);
        reading.IsCompleted.ShouldBeFalse();

        using (SharedChild producer = SharedChild.Start("producer", "queue-shared-produce", QueuePath, "4", "2", "--quiet"))
        {
            producer.ShouldFinish();
        }

        QueueItems.Check(await reading.WaitAsync(s_hangGuard)).ShouldBe(4 * SharedQueueCommands.ProducerStride);
        queue.Reader.Count.ShouldBe(1);
    }
}
