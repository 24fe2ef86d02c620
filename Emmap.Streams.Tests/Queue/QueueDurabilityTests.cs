using System.Diagnostics;
using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using System;
using System.Linq;

using Emmap.Streams.TestHost;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>What each durability mode asks of the device, observed through the native fault-injection seam.</summary>
[TestFixture]
public sealed class QueueDurabilityTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Push_None_DoesNotFlush()
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        using var queue = MappedQueue.Open(_dir.File("n.queue"), 4096);
        int afterOpen = syncs;

        queue.Push(new byte[10]);
        queue.Pop();

        syncs.ShouldBe(afterOpen);
    }

    [Test]
    public void Grow_InSharedModeWithoutDurability_SyncsTheMovedRecordsBeforeTheSlotThatPointsAtThem()
    {
        // Another process may have pushed the moved records in Always mode: once the new slot reaches the device without
        // them, a power loss would lose items that process was told are durable.
        GrowWrappedAndCheckTheMovedRecordsAreSyncedBeforeTheSlot(
            _dir.File("g.queue"), new QueueOptions { MultiProcess = true }, slotFlipSeen: false);
    }

    [Test]
    public void PushAndPop_Always_FlushBeforeReturning()
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        using var queue = MappedQueue.Open(_dir.File("a.queue"), 4096, new QueueOptions { Durability = QueueDurability.Always });

        int before = syncs;
        queue.Push(new byte[10]);
        int afterPush = syncs;
        queue.Pop();
        int afterPop = syncs;

        afterPush.ShouldBeGreaterThan(before);
        afterPop.ShouldBeGreaterThan(afterPush);
    }

    [Test]
    public void Push_AlwaysFlushFails_ItemIsNotInQueue()
    {
        string path = _dir.File("a.queue");
        using (var queue = MappedQueue.Open(path, 4096, new QueueOptions { Durability = QueueDurability.Always }))
        {
            queue.Push(QueueItems.Make(1, 20));
            using (FaultInjection.Install(point => point == FaultPoint.Sync ? 5 : 0))
            {
                Should.Throw<IOException>(() => queue.Push(QueueItems.Make(2, 20)));
            }

            queue.Count.ShouldBe(1);
            QueueItems.Check(queue.PeekBack()).ShouldBe(1);
            queue.Push(QueueItems.Make(3, 20));
        }

        using var reopened = MappedQueue.Open(path, 4096);
        reopened.Enumerate().ShouldAllBe(item => QueueItems.Check(item) != 2);
        reopened.Count.ShouldBe(2);
    }

    [Test]
    public void Push_AlwaysGrowthHeaderFlushFails_TheSlotItWroteIsPutBack()
    {
        string path = _dir.File("g.queue");
        using var queue = MappedQueue.Open(path, 4096, new QueueOptions { Durability = QueueDurability.Always });
        using (FaultInjection.Install(point => point == FaultPoint.Sync ? 5 : 0))
        {
            Should.Throw<IOException>(() => queue.Push(QueueItems.Make(1, 8192)));
        }

        queue.Count.ShouldBe(0);
        queue.GetMetadata().FileSize.ShouldBe(4096);
        using var raw = new MappedFileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        MappedQueue.ReadHeader(raw, path).Slot.FileSize.ShouldBe(4096, "the newest valid slot is the one before the growth");
    }

    [Test]
    public void Pop_AlwaysFlushFails_ItemStaysAtHead()
    {
        using var queue = MappedQueue.Open(_dir.File("a.queue"), 4096, new QueueOptions { Durability = QueueDurability.Always });
        queue.Push(QueueItems.Make(1, 20));
        var writer = new System.Buffers.ArrayBufferWriter<byte>();

        using (FaultInjection.Install(point => point == FaultPoint.Sync ? 5 : 0))
        {
            Should.Throw<IOException>(() => queue.Pop());
            Should.Throw<IOException>(() => queue.TryPop(writer));
        }

        writer.WrittenCount.ShouldBe(0);
        QueueItems.Check(queue.Pop()).ShouldBe(1);
    }

    [Test]
    public void Push_SharedAlways_RecordFlushFailsBeforeTheCommitAndNothingIsPushed_HeaderFlushFailsAfterItAndTheItemStays()
    {
        using var queue = MappedQueue.Open(_dir.File("sa.queue"), 4096, new QueueOptions { MultiProcess = true, Durability = QueueDurability.Always });
        queue.Push(QueueItems.Make(1, 20));

        // The first sync of a push is its record's, before the tail word commits it.
        using (FailNthSync(1))
        {
            Should.Throw<IOException>(() => queue.Push(QueueItems.Make(2, 20)));
        }

        queue.Count.ShouldBe(1);
        QueueItems.Check(queue.PeekBack()).ShouldBe(1);

        // The next is the header's, after the commit, which other processes may already have acted on: the push stands.
        IOException error;
        using (FailNthSync(2))
        {
            error = Should.Throw<IOException>(() => queue.Push(QueueItems.Make(3, 20)));
        }

        error.Message.ShouldContain("may not survive power loss");
        queue.Count.ShouldBe(2);
        queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe([1L, 3L]);
    }

    [Test]
    public void Push_Batched_ReturnsAtOnceAndAFlushFollows()
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        using var queue = MappedQueue.Open(_dir.File("b.queue"), 4096, new QueueOptions { Durability = QueueDurability.Batched });
        int before = Volatile.Read(ref syncs);

        for (int i = 0; i < 100; i++)
        {
            queue.Push(new byte[10]);
            queue.Pop();
        }

        // The pushes did not flush inline (each would have cost a sync), but one group flush comes.
        Volatile.Read(ref syncs).ShouldBeLessThan(before + 100);
        WaitFor(() => Volatile.Read(ref syncs) > before).ShouldBeTrue("no group flush followed the batched pushes");
    }

    [Test]
    public void Push_BatchedBytesReached_GroupFlushStartsWithoutWaitingForTheInterval()
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        var options = new QueueOptions { Durability = QueueDurability.Batched, BatchInterval = TimeSpan.FromMinutes(1), BatchBytes = 4096 };
        using var queue = MappedQueue.Open(_dir.File("bb.queue"), 65536, options);
        int before = Volatile.Read(ref syncs);

        // Below BatchBytes the group flush waits for the interval (a minute here).
        queue.Push(new byte[100]);
        Thread.Sleep(200);
        Volatile.Read(ref syncs).ShouldBe(before, "a push below BatchBytes started the group flush before its interval");

        // Reaching BatchBytes starts it at once.
        queue.Push(new byte[4000]);
        WaitFor(() => Volatile.Read(ref syncs) > before).ShouldBeTrue("BatchBytes were pushed but no group flush started");
    }

    [Test]
    public void Pop_BatchedBytesReachedByPushesAndPops_GroupFlushStartsWithoutWaitingForTheInterval()
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        var options = new QueueOptions { Durability = QueueDurability.Batched, BatchInterval = TimeSpan.FromMinutes(1), BatchBytes = 4096 };
        using var queue = MappedQueue.Open(_dir.File("bp.queue"), 65536, options);
        int before = Volatile.Read(ref syncs);

        // Three records of 1024 bytes pushed: 3072 bytes, below BatchBytes.
        for (int i = 0; i < 3; i++)
        {
            queue.Push(new byte[1008]);
        }

        Thread.Sleep(200);
        Volatile.Read(ref syncs).ShouldBe(before, "3 KiB pushed started the group flush before its interval");

        // A pop of one record brings the bytes changed since the last flush to BatchBytes: pops need their flush too.
        queue.Pop();
        WaitFor(() => Volatile.Read(ref syncs) > before).ShouldBeTrue("BatchBytes were pushed and popped but no group flush started");
    }

    [TestCase(QueueDurability.Batched)]
    [TestCase(QueueDurability.Always)]
    public void Grow_InDurableMode_SyncsTheMovedRecordsBeforeTheSlotThatPointsAtThem(QueueDurability durability)
    {
        // The new slot makes the copy the only place of the records it moves: a power loss that finds the slot on the device
        // without them would lose items that were durable before the growth.
        GrowWrappedAndCheckTheMovedRecordsAreSyncedBeforeTheSlot(
            _dir.File("gd.queue"), new QueueOptions { Durability = durability }, slotFlipSeen: true);
    }

    [TestCase(QueueDurability.Batched)]
    [TestCase(QueueDurability.Always)]
    public void Dispose_InDurableMode_SyncsTheRecordsBeforeTheCheckpointThatVouchesForThem(QueueDurability durability)
    {
        // A clean close writes an exact checkpoint that the next open takes instead of checking the records; on the device
        // without the records it would vouch for items a power loss took.
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        var options = new QueueOptions { Durability = durability, BatchInterval = TimeSpan.FromMinutes(1) };
        string path = _dir.File("cd.queue");
        var queue = MappedQueue.Open(path, 4096, options);
        for (int i = 0; i < 5; i++)
        {
            queue.Push(QueueItems.Make(i, 64));
        }

        int? syncsAtSlot = null;
        CrashPoints.Hook = point =>
        {
            if (point == CrashPoints.FlipTorn)
            {
                syncsAtSlot ??= Volatile.Read(ref syncs);
            }
        };
        int before = Volatile.Read(ref syncs);
        try
        {
            queue.Dispose();
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        syncsAtSlot.ShouldNotBeNull("the close wrote a checkpoint");
        syncsAtSlot.Value.ShouldBeGreaterThan(before, "the records are synced before the checkpoint slot is written");
        Volatile.Read(ref syncs).ShouldBeGreaterThan(syncsAtSlot.Value, "the checkpoint is synced before Dispose returns");
        using var reopened = MappedQueue.Open(path, 4096);
        reopened.CountFromCheckpoint.ShouldBeTrue();
        reopened.Count.ShouldBe(5);
    }

    [Test]
    public void Dispose_BatchedFinalFlushFailsOrAFailureWaits_DoesNotThrowAndKeepsTheItems()
    {
        string path = _dir.File("df.queue");
        MappedQueue queue = OpenWithAFailedGroupFlush("df.queue");
        queue.BatchFailurePending.ShouldBeTrue();
        int attempts = 0;
        using (FaultInjection.Install(point =>
        {
            if (point == FaultPoint.Sync)
            {
                Interlocked.Increment(ref attempts);
                return 5;
            }

            return 0;
        }))
        {
            Should.NotThrow(queue.Dispose);
        }

        attempts.ShouldBeGreaterThan(0, "the close tried its durable flush");
        using var reopened = MappedQueue.Open(path, 4096);
        QueueItems.Check(reopened.Pop()).ShouldBe(1);
    }

    [Test]
    public void Dispose_None_DoesNotFlush()
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        string path = _dir.File("cn.queue");
        var queue = MappedQueue.Open(path, 4096);
        queue.Push(QueueItems.Make(1, 64));
        int before = Volatile.Read(ref syncs);

        queue.Dispose();

        Volatile.Read(ref syncs).ShouldBe(before);
        using var reopened = MappedQueue.Open(path, 4096);
        QueueItems.Check(reopened.Pop()).ShouldBe(1);
    }

    [Test]
    public void Push_BatchedFlushFailed_NextChangeReportsItOnce()
    {
        using MappedQueue queue = OpenWithAFailedGroupFlush("b.queue");
        long count = queue.Count;

        IOException error = Should.Throw<IOException>(() => queue.Push(QueueItems.Make(2, 10)));

        error.Message.ShouldContain("batched");
        queue.Count.ShouldBe(count);
        queue.Push(QueueItems.Make(3, 10));
        queue.Count.ShouldBe(count + 1);
    }

    [Test]
    public void Flush_ToDiskAfterABatchedFlushFailed_ReportsTheFailureOnce()
    {
        using MappedQueue queue = OpenWithAFailedGroupFlush("fb.queue");

        // A later sync that succeeds does not cover pages whose write-back failed: no durable point may be claimed over them.
        Should.Throw<IOException>(() => queue.Flush(flushToDisk: true)).Message.ShouldContain("batched");
        queue.BatchFailurePending.ShouldBeFalse();
        queue.Flush(flushToDisk: true);
        queue.Count.ShouldBe(1);
    }

    [Test]
    [UnsupportedOSPlatform("windows")] // Windows publishes a new file by a move, which NTFS journals with the file.
    public void Open_NewQueueOrCounterFile_SyncsTheDirectoryOnceTheFileIsLinkedIn()
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point =>
        {
            if (point == FaultPoint.SyncDirectory)
            {
                Interlocked.Increment(ref syncs);
            }

            return 0;
        });

        // Power loss after a new file's contents were synced could otherwise leave its directory without the name.
        using (MappedQueue.Open(_dir.File("d.queue"), 4096))
        {
        }

        syncs.ShouldBe(1);
        using (MappedQueue.Open(_dir.File("d.queue"), 4096))
        {
        }

        syncs.ShouldBe(1, "an existing queue publishes nothing");
        using (MappedCounters.Open(_dir.File("d.counters"), 4))
        {
        }

        syncs.ShouldBe(2);
    }

    [Test]
    public void Flush_ToDisk_Syncs()
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        using var queue = MappedQueue.Open(_dir.File("f.queue"), 4096);
        queue.Push(new byte[10]);
        int before = syncs;

        queue.Flush(flushToDisk: true);

        syncs.ShouldBeGreaterThan(before);
    }

    // Grows a wrapped queue (FillWrapped) with one push: the records the growth moves are synced before the slot that points
    // at them is written (and, if slotFlipSeen, that slot's write is seen after the copy).
    private static void GrowWrappedAndCheckTheMovedRecordsAreSyncedBeforeTheSlot(
        string path, QueueOptions options, bool slotFlipSeen)
    {
        int syncs = 0;
        using var _ = FaultInjection.Install(point => { if (point == FaultPoint.Sync) { Interlocked.Increment(ref syncs); } return 0; });
        using var queue = MappedQueue.Open(path, 4096, options);
        FillWrapped(queue);

        int? syncsAtCopied = null;
        int? syncsAtTorn = null;
        bool copied = false;
        CrashPoints.Hook = point =>
        {
            copied |= point == CrashPoints.GrowCopying;
            if (point == CrashPoints.GrowCopied)
            {
                syncsAtCopied = Volatile.Read(ref syncs);
            }
            else if (point == CrashPoints.FlipTorn && syncsAtCopied is not null)
            {
                syncsAtTorn ??= Volatile.Read(ref syncs);
            }
        };
        int before = Volatile.Read(ref syncs);
        try
        {
            queue.Push(QueueItems.Make(55, 2048));
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        copied.ShouldBeTrue("the items wrapped, so the growth moved some of them");
        syncsAtCopied.ShouldNotBeNull();
        syncsAtCopied.Value.ShouldBeGreaterThan(before, "the moved records are synced before the new slot is written");
        if (slotFlipSeen)
        {
            syncsAtTorn.ShouldNotBeNull();
        }

        queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(25, 31).Select(i => (long)i));
    }

    // Items 25-54 of 64 bytes in a 4 KiB queue, wrapped around the ring's end, so that the next growth moves some of them.
    private static void FillWrapped(MappedQueue queue)
    {
        for (int i = 0; i < 30; i++)
        {
            queue.Push(QueueItems.Make(i, 64));
        }

        for (int i = 0; i < 25; i++)
        {
            queue.Pop();
        }

        for (int i = 30; i < 55; i++)
        {
            queue.Push(QueueItems.Make(i, 64));
        }
    }

    private static IDisposable FailNthSync(int n)
    {
        int seen = 0;
        return FaultInjection.Install(point => point == FaultPoint.Sync && Interlocked.Increment(ref seen) == n ? 5 : 0);
    }

    // A Batched queue holding one item, whose group flush failed: the failure is recorded and not yet reported.
    private MappedQueue OpenWithAFailedGroupFlush(string name)
    {
        int failNext = 0;
        int failed = 0;
        using var _ = FaultInjection.Install(point =>
        {
            if (point == FaultPoint.Sync && Interlocked.Exchange(ref failNext, 0) == 1)
            {
                Interlocked.Increment(ref failed);
                return 5;
            }

            return 0;
        });
        MappedQueue queue = MappedQueue.Open(_dir.File(name), 4096, new QueueOptions { Durability = QueueDurability.Batched });
        Volatile.Write(ref failNext, 1);
        queue.Push(QueueItems.Make(1, 10));
        WaitFor(() => Volatile.Read(ref failed) == 1).ShouldBeTrue();

        // The hook counts the failure before the flush throws; the timer thread records it a moment later.
        WaitFor(() => queue.BatchFailurePending).ShouldBeTrue();
        return queue;
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20))
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }
}
