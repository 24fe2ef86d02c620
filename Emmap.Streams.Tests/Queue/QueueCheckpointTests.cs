using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Queue.MultiProcess;
using Emmap.Streams.Tests.Support;
using Emmap.Streams.TestHost;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// A clean close writes an exact checkpoint (count and last item), and the next open takes it instead of scanning every record
/// (issue 14: a 10-million-item queue reopens in microseconds). The records are then checked as they are read: a damaged one
/// is never returned, and it makes the next open scan. A checkpoint whose count the records contradict (a forged slot) is
/// corrected before the queue acts on it, so it can hide nothing that a later push would then lose. The checkpoint is not taken
/// for a file that was truncated, whose last item is not where the checkpoint says, that another process still has open (a
/// single-process owner or a shared session), or when a shared session found a damaged record; a shared session never takes it.
/// </summary>
[TestFixture]
public sealed class QueueCheckpointTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Open_AfterCleanClose_TakesCountAndLastItemFromCheckpoint()
    {
        string path = Fill("clean.queue", 50);

        using MappedQueue queue = MappedQueue.Open(path, 4096);

        queue.CountFromCheckpoint.ShouldBeTrue();
        queue.Count.ShouldBe(50);
        QueueItems.Check(queue.PeekBack()).ShouldBe(49);
        queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(0, 50).Select(i => (long)i));
    }

    [Test]
    public void Dispose_OfAQueueOpenedAndClosedWithoutAChange_WritesNothing()
    {
        string path = Fill("unchanged.queue", 20);
        byte[] closed = ReadShared(path);

        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.Count.ShouldBe(20);
            QueueItems.Check(queue.PeekFront()).ShouldBe(0);
        }

        // The active slot says the same already: no slot is written (not even its sequence moves), and no other byte changes.
        ReadShared(path).ShouldBe(closed);
    }

    [Test]
    public void Push_ThatGrowsAQueueOpenedOnTrust_WritesASlotThatIsNoExactCheckpoint()
    {
        string path = Fill("grown.queue", 20);
        byte[] live;
        using (MappedQueue queue = OpenOnTrust(path))
        {
            for (int i = 20; i < 60; i++)
            {
                queue.Push(QueueItems.Make(i, 64));
            }

            queue.GetMetadata().FileSize.ShouldBeGreaterThan(4096);
            live = ReadShared(path);
        }

        // The growth's slot clears the flags (bit 1 with them) and the last item word.
        QueueSlotCodec.TryDecode(live.AsSpan(0, 128), out QueueSlot a).ShouldBe(QueueSlotCodec.Problem.None);
        QueueSlotCodec.TryDecode(live.AsSpan(512, 128), out QueueSlot b).ShouldBe(QueueSlotCodec.Problem.None);
        QueueSlot newest = a.Sequence > b.Sequence ? a : b;
        newest.FileSize.ShouldBeGreaterThan(4096);
        newest.Flags.ShouldBe(0);
        newest.LastItem.ShouldBe(0);
    }

    [Test]
    public void Open_AfterCrash_ScansEveryRecord()
    {
        string path = _dir.File("crash.queue");
        byte[] live;
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            for (int i = 0; i < 20; i++)
            {
                queue.Push(QueueItems.Make(i, 64));
            }

            live = ReadShared(path);
        }

        File.WriteAllBytes(path, live);
        using MappedQueue reopened = MappedQueue.Open(path, 4096);

        reopened.CountFromCheckpoint.ShouldBeFalse();
        reopened.Count.ShouldBe(20);
    }

    [Test]
    public void Pop_RecordDamagedAfterCleanClose_ThrowsAndNextOpenKeepsItemsBefore()
    {
        string path = Fill("damaged.queue", 10);
        Damage(path, item: 4);

        MappedQueue.Verify(path).Problems.ShouldContain(p => p.Contains("checkpoint", StringComparison.Ordinal));
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.CountFromCheckpoint.ShouldBeTrue();
            for (long id = 0; id < 4; id++)
            {
                QueueItems.Check(queue.Pop()).ShouldBe(id);
            }

            Should.Throw<InvalidDataException>(() => queue.Pop());
            queue.Count.ShouldBe(6, "the damaged record and what follows stay until the next open drops them");
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        reopened.CountFromCheckpoint.ShouldBeFalse("a damaged record withdraws the checkpoint's trust");
        reopened.Count.ShouldBe(0);
        reopened.Push(QueueItems.Make(100, 64));
        QueueItems.Check(reopened.Pop()).ShouldBe(100);
    }

    [TestCase(3)]
    [TestCase(0)]
    [TestCase(15)]
    public void Open_CheckpointCountContradictedByRecords_LosesNoItemAndNoLaterPush(long forgedCount)
    {
        // The slot says forgedCount items (its checksum recomputed, as a forger would); the records hold 10.
        string path = Fill("forged.queue", 10);
        ForgeCheckpointCount(path, forgedCount);

        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.CountFromCheckpoint.ShouldBeTrue();
            var popped = Enumerable.Range(0, 10).Select(_ => QueueItems.Check(queue.Pop())).ToList();
            popped.ShouldBe(Enumerable.Range(0, 10).Select(i => (long)i));
            queue.Pop().ShouldBeNull();
            for (int i = 0; i < 5; i++)
            {
                queue.Push(QueueItems.Make(100 + i, 64));
            }

            queue.Count.ShouldBe(5);
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe([100, 101, 102, 103, 104]);
    }

    [Test]
    public void Open_CheckpointCountTooHigh_DrainedQueueIsEmptyAndPeeksNothing()
    {
        // The slot says 15 items; the records hold 10. Once the last item is popped the count cannot stand: the queue is empty.
        string path = Fill("forged-high.queue", 10);
        ForgeCheckpointCount(path, 15);

        using MappedQueue queue = OpenOnTrust(path);
        PopsInOrder(queue, first: 0, count: 10);
        queue.Count.ShouldBe(0);
        queue.IsEmpty.ShouldBeTrue();
        queue.PeekBack().ShouldBeNull("the last item was popped");
        queue.PeekFront().ShouldBeNull();
        queue.TryPeekBack(0, static (item, _) => item.Length, out _).ShouldBeFalse();
    }

    [Test]
    public void Dispose_AfterPopsWithACheckpointCountTooHighForTheCursors_NextOpenDoesNotReturnPoppedItems()
    {
        // 50 is the most items the cursors leave room for; one pop later the close would state 49 in room for 45, a slot the
        // decoder refuses, so the older slot (before the pop) would win and bring item 0 back.
        string path = Fill("forged-room.queue", 10);
        ForgeCheckpointCount(path, 50);
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.CountFromCheckpoint.ShouldBeTrue();
            QueueItems.Check(queue.Pop()).ShouldBe(0);
        }

        QueueVerification verification = MappedQueue.Verify(path);
        verification.IsIntact.ShouldBeTrue();
        verification.Notes.ShouldNotContain(note => note.Contains("does not check out", StringComparison.Ordinal), "the close wrote a slot the decoder takes");
        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        reopened.CountFromCheckpoint.ShouldBeFalse("the close could not vouch for its count");
        reopened.Count.ShouldBe(9);
        reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(1, 9).Select(i => (long)i));
    }

    [Test]
    public void Push_ThatGrowsTheQueueWithACheckpointCountTooHigh_AProcessKilledAfterKeepsThePopAndThePushes()
    {
        // After one pop the trusted count is 49 in room for 45; the growth's slot must still be one the decoder takes, or a
        // crash would fall back to the slot before the growth: the popped item back, the acknowledged pushes gone.
        string path = Fill("forged-grow.queue", 10);
        ForgeCheckpointCount(path, 50);
        byte[] killed;
        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.CountFromCheckpoint.ShouldBeTrue();
            QueueItems.Check(queue.Pop()).ShouldBe(0);
            queue.Push(QueueItems.Make(10, 3000));
            queue.Push(QueueItems.Make(11, 64));
            new FileInfo(path).Length.ShouldBeGreaterThan(4096, "the big push grew the queue");
            killed = ReadShared(path);
        }

        string image = _dir.File("forged-grow-killed.queue");
        File.WriteAllBytes(image, killed);
        MappedQueue.Verify(image).Notes.ShouldNotContain(note => note.Contains("does not check out", StringComparison.Ordinal));
        using MappedQueue reopened = MappedQueue.Open(image, 4096);
        reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(1, 11).Select(i => (long)i));
    }

    [TestCase(15)]
    [TestCase(3)]
    public void Enumerate_AndPeekWithACheckpointCountContradictedByRecords_VisitEveryItemAndNoMore(long forgedCount)
    {
        string path = Fill("forged-walk.queue", 10);
        ForgeCheckpointCount(path, forgedCount);
        long[] ids = [.. Enumerable.Range(0, 10).Select(i => (long)i)];
        using MappedQueue queue = OpenOnTrust(path);
        queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(ids);
        queue.EnumerateReverse().Select(item => QueueItems.Check(item)).ShouldBe(ids.Reverse());
        queue.Peek(0, static (ReadOnlySpan<byte> _, ref int visited) => ++visited > 0).ShouldBe(10);
        queue.PeekReverse(0, static (ReadOnlySpan<byte> _, ref int visited) => ++visited > 0).ShouldBe(10);
        queue.Push(QueueItems.Make(10, 64));
        queue.EnumerateReverse().Select(item => QueueItems.Check(item)).First().ShouldBe(10);
        PopsInOrder(queue, first: 0, count: 11);
        queue.Pop().ShouldBeNull();
    }

    [Test]
    public void Enumerate_AndPeekWithARecordDamagedAfterCleanClose_ThrowAndLeaveTheItemsBeforeIt()
    {
        // The count comes from the checkpoint, so nothing has read the records yet: a walk that reaches the damaged one throws,
        // as a pop would, and changes nothing.
        string path = Fill("damaged-walk.queue", 10);
        Damage(path, 4);
        using MappedQueue queue = OpenOnTrust(path);
        Should.Throw<InvalidDataException>(() => queue.Enumerate().ToList());
        Should.Throw<InvalidDataException>(() => queue.EnumerateReverse().ToList());
        Should.Throw<InvalidDataException>(() => queue.Peek(0, static (ReadOnlySpan<byte> _, ref int visited) => ++visited > 0));
        Should.Throw<InvalidDataException>(() => queue.PeekReverse(0, static (ReadOnlySpan<byte> _, ref int visited) => ++visited > 0));
        queue.Peek(0, static (ReadOnlySpan<byte> _, ref int visited) => ++visited < 2).ShouldBe(2, "a walk that stops before the damage sees no damage");
        PopsInOrder(queue, first: 0, count: 4);
        Should.Throw<InvalidDataException>(() => queue.Pop());
    }

    [Test]
    public void PeekReverse_AndEnumerateReverseOverARecordDamagedAfterCleanClose_ThrowBeforeReturningAnyItem()
    {
        // The items after the damaged record are lost at the next open: a walk from the tail must not hand them out first.
        string path = Fill("damaged-reverse.queue", 10);
        Damage(path, 4);
        using MappedQueue queue = OpenOnTrust(path);
        int visited = 0;
        Should.Throw<InvalidDataException>(() => queue.PeekReverse(0, (ReadOnlySpan<byte> _, ref int seen) =>
        {
            visited++;
            return true;
        }));
        visited.ShouldBe(0);
        var yielded = new List<byte[]>();
        Should.Throw<InvalidDataException>(() =>
        {
            foreach (byte[] item in queue.EnumerateReverse())
            {
                yielded.Add(item);
            }
        });
        yielded.ShouldBeEmpty();
        PopsInOrder(queue, first: 0, count: 4);
        Should.Throw<InvalidDataException>(() => queue.Pop());
    }

    [TestCase(0, 6)]
    [TestCase(3, 8)]
    public void PopsAndPurge_AfterAWalkFoundDamageUnderACheckpointCountTooLow_KeepEveryItemBeforeTheDamage(long forgedCount, int damaged)
    {
        // The walk's damage report must not make the unchecked count the queue's own: the items before the damage are intact.
        string path = Fill("damaged-low-count.queue", 10);
        ForgeCheckpointCount(path, forgedCount);
        Damage(path, damaged);
        using (MappedQueue queue = OpenOnTrust(path))
        {
            Should.Throw<InvalidDataException>(() => queue.Enumerate().ToList());
            queue.IsEmpty.ShouldBeFalse();
            PopsInOrder(queue, first: 0, count: 2);
            queue.Purge();
            PopsInOrder(queue, first: 2, count: damaged - 2);
            queue.Pop().ShouldBeNull();
            queue.Push(QueueItems.Make(100, 64));
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe([100L]);
    }

    [Test]
    public void PeekBack_AfterAWalkFoundDamageUnderACheckpointCount_ThrowsRatherThanReturnAnItemPastTheDamage()
    {
        // The next open keeps items 0..3 only: item 9 must not be handed out as the newest.
        string path = Fill("damaged-peek-back.queue", 10);
        Damage(path, 4);
        using (MappedQueue queue = OpenOnTrust(path))
        {
            Should.Throw<InvalidDataException>(() => queue.Enumerate().ToList());
            Should.Throw<InvalidDataException>(() => queue.PeekBack());
            Should.Throw<InvalidDataException>(() => queue.TryPeekBack(0, static (ReadOnlySpan<byte> item, int _) => item.Length, out _));
            PopsInOrder(queue, first: 0, count: 4);
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        reopened.PeekBack().ShouldBeNull("the items before the damage were popped; the rest is gone");
    }

    [Test]
    public void CountAndIsEmpty_ReadDuringAWalkWithACheckpointCountOfZero_LeaveTheWalkGoing()
    {
        // Reading the count checks a count taken on trust against the records; that changes no item, so a walk in progress goes on.
        string path = Fill("forged-zero-walk.queue", 10);
        ForgeCheckpointCount(path, 0);
        using MappedQueue queue = OpenOnTrust(path);
        var counts = new List<long>();
        queue.Peek(0, (ReadOnlySpan<byte> _, ref int visited) =>
        {
            counts.Add(queue.Count);
            return ++visited > 0;
        }).ShouldBe(10);
        counts.ShouldAllBe(count => count == 10);

        string other = Fill("forged-zero-enumerate.queue", 10);
        ForgeCheckpointCount(other, 0);
        using MappedQueue reopened = OpenOnTrust(other);
        var ids = new List<long>();
        foreach (byte[] item in reopened.Enumerate())
        {
            reopened.IsEmpty.ShouldBeFalse();
            ids.Add(QueueItems.Check(item));
        }

        ids.ShouldBe(Enumerable.Range(0, 10).Select(i => (long)i));
    }

    [TestCase(8)]
    [TestCase(12)]
    public void EnumerateAndPeekBothWays_InASharedSessionWhosePushedWordIsWrong_VisitEveryItemAndReportNoDamage(long pushed)
    {
        // No checksum covers the shared count words: a walk goes by the records between the head and the tail, both ways.
        string path = Fill("shared-walk.queue", 0);
        using MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true });
        for (int i = 0; i < 10; i++)
        {
            queue.Push(QueueItems.Make(i, 64));
        }

        WriteWord(path, QueueLayout.PushedOffset, pushed);

        long[] ids = [.. Enumerable.Range(0, 10).Select(i => (long)i)];
        queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(ids);
        queue.EnumerateReverse().Select(item => QueueItems.Check(item)).ShouldBe(ids.Reverse());
        queue.Peek(0, static (ReadOnlySpan<byte> _, ref int visited) => ++visited > 0).ShouldBe(10);
        queue.PeekReverse(0, static (ReadOnlySpan<byte> _, ref int visited) => ++visited > 0).ShouldBe(10);
        ReadWord(path, QueueLayout.DamageSeenOffset).ShouldBe(0);
    }

    [Test]
    public void Open_AfterASharedSessionWhoseCountWordWasWrong_DrainedQueueIsEmptyAndPeeksNothing()
    {
        // The shared session's pushed word (no checksum covers it) gains one under the session; its last close states the count.
        string path = Fill("shared-count.queue", 3);
        using (MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true }))
        {
            WriteWord(path, QueueLayout.PushedOffset, ReadWord(path, QueueLayout.PushedOffset) + 1);
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        for (long id = 0; id < 3; id++)
        {
            QueueItems.Check(reopened.Pop()).ShouldBe(id);
        }

        reopened.Count.ShouldBe(0);
        reopened.PeekBack().ShouldBeNull("every item was popped");
        reopened.Pop().ShouldBeNull();
    }

    [Test]
    public void PurgeAndPeekFront_InASharedSessionWhosePushedWordIsTooLow_ReportDamageAndDropNoItem()
    {
        // The words say the queue is empty once 8 of its 10 items are popped: a purge must not drop the other two.
        string path = Fill("shared-low.queue", 0);
        using (MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true }))
        {
            for (int i = 0; i < 10; i++)
            {
                queue.Push(QueueItems.Make(i, 64));
            }

            WriteWord(path, QueueLayout.PushedOffset, 8);

            PopsInOrder(queue, first: 0, count: 8);
            Should.Throw<InvalidDataException>(() => queue.Purge());
            Should.Throw<InvalidDataException>(() => queue.PeekFront());
            queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe([8L, 9L]);
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        PopsInOrder(reopened, first: 8, count: 2);
        reopened.Pop().ShouldBeNull();
    }

    [Test]
    public void PopAndPurge_InASharedSessionWhosePushedWordIsTooLow_ReturnsTheItemItPopped()
    {
        // This process last saw the tail after 8 items (another process pushed 9 and 10 since), and the pushed word says 8. The
        // purge after the 8th pop finds items past that tail: the damage is reported, and the pop stands.
        string path = _dir.File("shared-pop-purge.queue");
        using MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true });
        for (int i = 0; i < 8; i++)
        {
            queue.Push(QueueItems.Make(i, 600));
        }

        long eighthTail = ReadWord(path, QueueLayout.TailWordOffset);
        queue.Push(QueueItems.Make(8, 600));
        queue.Push(QueueItems.Make(9, 600));
        long tenthTail = ReadWord(path, QueueLayout.TailWordOffset);
        WriteWord(path, QueueLayout.TailWordOffset, eighthTail);
        WriteWord(path, QueueLayout.PushedOffset, 8);
        queue.Count.ShouldBe(8);
        WriteWord(path, QueueLayout.TailWordOffset, tenthTail);

        for (long id = 0; id < 8; id++)
        {
            QueueItems.Check(queue.PopAndPurge()).ShouldBe(id);
        }

        queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe([8L, 9L]);
        ReadWord(path, QueueLayout.DamageSeenOffset).ShouldBe(1, "the contradicted count was reported");
    }

    [Test]
    public void CountAndAChannelReadersWait_InASharedSessionWhosePushedWordIsTooLow_ReportDamageInsteadOfAnEmptyQueue()
    {
        // After 8 of 10 pops the words say the queue is empty. A count of 0 would make a channel reader wait beside the last
        // two items for good: both report the damage, and the items stay.
        string path = _dir.File("shared-low-count.queue");
        using (var queue = new ConcurrentMappedQueue(MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true })))
        {
            for (int i = 0; i < 10; i++)
            {
                queue.Enqueue(QueueItems.Make(i, 64));
            }

            WriteWord(path, QueueLayout.PushedOffset, 8);
            for (long id = 0; id < 8; id++)
            {
                QueueItems.Check(queue.Dequeue()).ShouldBe(id);
            }

            Should.Throw<InvalidDataException>(() => queue.Count);
            Should.Throw<InvalidDataException>(async () => await queue.Reader.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            ReadWord(path, QueueLayout.DamageSeenOffset).ShouldBe(1, "the contradicted count was reported");
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        PopsInOrder(reopened, first: 8, count: 2);
    }

    [Test]
    public void Dequeue_AfterTheWriterCompletedInASharedSessionWhosePushedWordIsTooLow_ReturnsEveryItem()
    {
        // Once the writer is completed, each dequeue looks whether it drained the queue. From the 8th on, the words say 0 and
        // then fewer than none: that look must not throw after the item was taken.
        string path = _dir.File("shared-low-completed.queue");
        using var queue = new ConcurrentMappedQueue(MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true }));
        for (int i = 0; i < 10; i++)
        {
            queue.Enqueue(QueueItems.Make(i, 64));
        }

        WriteWord(path, QueueLayout.PushedOffset, 8);
        queue.Writer.TryComplete().ShouldBeTrue();
        for (long id = 0; id < 10; id++)
        {
            QueueItems.Check(queue.Dequeue()).ShouldBe(id);
        }

        queue.Dequeue().ShouldBeNull();
        ReadWord(path, QueueLayout.DamageSeenOffset).ShouldBe(1, "the contradicted count was reported");
    }

    [Test]
    public void PopAndPurge_OfTheLastItemInASharedSessionWhosePushedWordIsTooHigh_ReturnsTheItemItPopped()
    {
        // The queue has grown, so draining it purges, and the purge takes both locks, which check the words against the cursors:
        // 13 pushed with the head at the tail. That is reported through the damage word; the pop stands.
        string path = _dir.File("shared-high-purge.queue");
        using MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true });
        for (int i = 0; i < 10; i++)
        {
            queue.Push(QueueItems.Make(i, 600));
        }

        queue.GetMetadata().FileSize.ShouldBeGreaterThan(4096, "the queue grew");
        WriteWord(path, QueueLayout.PushedOffset, 13);
        for (long id = 0; id < 10; id++)
        {
            QueueItems.Check(queue.PopAndPurge()).ShouldBe(id);
        }

        ReadWord(path, QueueLayout.DamageSeenOffset).ShouldBe(1, "the contradicted count was reported");
        queue.Pop().ShouldBeNull();
    }

    [TestCase(8)]
    [TestCase(13)]
    public void PopWhile_DrainingASharedSessionWhosePushedWordIsWrong_ReturnsEveryItemItPopped(long pushed)
    {
        // The fold pops every item by the cursors, then purges as emmap does. The purge takes both locks, which check the words
        // against the cursors: that is reported through the damage word, and the fold's pops stand.
        string path = _dir.File("shared-popwhile.queue");
        using MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true });
        for (int i = 0; i < 10; i++)
        {
            queue.Push(QueueItems.Make(i, 64));
        }

        WriteWord(path, QueueLayout.PushedOffset, pushed);
        List<long> popped = queue.PopWhile(new List<long>(), static (ReadOnlySpan<byte> item, ref List<long> ids) =>
        {
            ids.Add(QueueItems.Check(item));
            return true;
        });

        popped.ShouldBe(Enumerable.Range(0, 10).Select(i => (long)i));
        ReadWord(path, QueueLayout.DamageSeenOffset).ShouldBe(1, "the contradicted count was reported");
        queue.Pop().ShouldBeNull();
    }

    [Test]
    public void PopAndPurge_WhoseRecountAfterThePopFailsToWriteTheHeader_ReturnsTheItemItPopped()
    {
        // The slot says 1 item; the records hold 3, the last damaged at rest. Popping item 0 brings the count taken on trust to
        // 0 with an item left, so the purge recounts, cuts the queue at the damage and writes the header, whose flush fails.
        string path = Fill("forged-purge-repair.queue", 3);
        Damage(path, 2);
        ForgeCheckpointCount(path, 1);
        using MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { Durability = QueueDurability.Always });
        queue.CountFromCheckpoint.ShouldBeTrue();
        bool repairing = false;
        CrashPoints.Hook = point => repairing |= point == CrashPoints.FlipTorn;
        try
        {
            using (FaultInjection.Install(point => repairing && point == FaultPoint.Sync ? 5 : 0))
            {
                QueueItems.Check(queue.PopAndPurge()).ShouldBe(0);
            }
        }
        finally
        {
            CrashPoints.Hook = null;
        }

        repairing.ShouldBeTrue("the purge recounted and wrote the header");
        QueueItems.Check(queue.Pop()).ShouldBe(1);
        queue.Pop().ShouldBeNull();
    }

    [Test]
    public void PopAndPurge_CheckpointCountTooLow_PurgesOnlyWhenRecordsAreGone()
    {
        // The slot says 3 items; the records hold 10. The pop that brings the trusted count to 0 must not purge (which would move
        // the head to the tail and drop the other 7).
        string path = Fill("forged-purge.queue", 10);
        ForgeCheckpointCount(path, 3);

        using (MappedQueue queue = MappedQueue.Open(path, 4096))
        {
            queue.CountFromCheckpoint.ShouldBeTrue();
            var popped = Enumerable.Range(0, 10).Select(_ => QueueItems.Check(queue.PopAndPurge())).ToList();
            popped.ShouldBe(Enumerable.Range(0, 10).Select(i => (long)i));
            queue.PopAndPurge().ShouldBeNull();
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        reopened.Count.ShouldBe(0);
    }

    [Test]
    public void Erase_CheckpointCountZeroOverItems_IsDurableLikeAnyEraseAndAFailedFlushKeepsEveryItem()
    {
        string path = Fill("forged-erase.queue", 10);
        ForgeCheckpointCount(path, 0);
        using MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { Durability = QueueDurability.Always });
        queue.CountFromCheckpoint.ShouldBeTrue();
        using (FaultInjection.Install(point => point == FaultPoint.Sync ? 5 : 0))
        {
            Should.Throw<IOException>(queue.Erase);
        }

        queue.Count.ShouldBe(10, "the erase that could not be made durable did not happen");
        queue.Erase();
        queue.Count.ShouldBe(0);
        queue.Pop().ShouldBeNull();
    }

    [Test]
    public void Open_CheckpointLastItemNotAtTail_ScansAndPeekBackGivesLastItem()
    {
        // The slot names item 5 (logical position 5 * 80) as the last one; the records end with item 9.
        string path = Fill("forged-last.queue", 10);
        ForgeCheckpointWord(path, word: 12, value: 5 * 80);

        using MappedQueue queue = MappedQueue.Open(path, 4096);

        queue.CountFromCheckpoint.ShouldBeFalse();
        queue.Count.ShouldBe(10);
        QueueItems.Check(queue.PeekBack()).ShouldBe(9);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Open_FileTruncatedAfterCleanClose_ScansEvenOnceItsSizeIsRestored(bool readOnly)
    {
        // A wrapped queue of items 25-41 (64 bytes, 80 a record): 25-37 run from offset 3024 to the ring's end at 4096, 38-41 from
        // the ring start. A cut at 3200 loses 27-37 but keeps the last item, so the checkpoint's last record still checks out. A
        // writable open gives the file its size back (the lost bytes read as zeros) before it looks at the checkpoint: it must
        // still not take the checkpoint's 17 items.
        string path = _dir.File("truncated.queue");
        using (MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { FixedSize = true }))
        {
            for (int i = 0; i < 30; i++)
            {
                queue.Push(QueueItems.Make(i, 64));
            }

            for (int i = 0; i < 25; i++)
            {
                queue.Pop();
            }

            for (int i = 30; i < 42; i++)
            {
                queue.Push(QueueItems.Make(i, 64));
            }

            queue.GetMetadata().TailOffset.ShouldBe(1024 + (4 * 80), "the last items wrapped to the ring start");
        }

        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(3200);
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = readOnly });

        reopened.CountFromCheckpoint.ShouldBeFalse();
        reopened.Count.ShouldBe(2);
        reopened.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe([25, 26]);
    }

    [Test]
    public void Open_ReadOnlyWhileOwnerProcessHasQueueOpen_ScansUntilOwnerCloses()
    {
        string path = Fill("owned.queue", 10);
        using SharedChild owner = SharedChild.Start("owner", "queue-hold", path);
        owner.WaitUntilReady();

        using (MappedQueue reader = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true }))
        {
            reader.CountFromCheckpoint.ShouldBeFalse("another process has the queue open: it may change it at any moment");
            reader.Count.ShouldBe(10);
        }

        owner.Send("close");
        owner.ShouldFinish();
        using MappedQueue after = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true });
        after.CountFromCheckpoint.ShouldBeTrue();
        after.Count.ShouldBe(10);
    }

    [Test]
    public void Open_SharedSession_CheckpointOfLastCloseTakenOnlyOnceNoProcessIsLeft()
    {
        string path = _dir.File("shared.queue");
        var shared = new QueueOptions { MultiProcess = true };
        using SharedChild holder = SharedChild.Start("holder", "queue-shared-hold", path, "--initial", "4096");
        holder.WaitUntilReady();
        using (MappedQueue queue = MappedQueue.Open(path, 4096, shared))
        {
            for (int i = 0; i < 10; i++)
            {
                queue.Push(QueueItems.Make(i, 64));
            }
        }

        using (MappedQueue reader = MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = true }))
        {
            reader.CountFromCheckpoint.ShouldBeFalse("the holder still has the queue open");
            reader.Count.ShouldBe(10);
        }

        // The holder leaves last: it writes the session's exact checkpoint.
        holder.Send("close");
        holder.ShouldFinish();
        using (MappedQueue alone = MappedQueue.Open(path, 4096))
        {
            alone.CountFromCheckpoint.ShouldBeTrue();
            alone.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(0, 10).Select(i => (long)i));
        }

        // A new session always scans: its processes share the count through the header's words, not through this instance.
        using MappedQueue session = MappedQueue.Open(path, 4096, shared);
        session.CountFromCheckpoint.ShouldBeFalse();
        session.Count.ShouldBe(10);
    }

    [Test]
    public void Pop_DamageFoundInSharedSession_LastCloseWritesNoExactCheckpoint()
    {
        string path = Fill("shared-damaged.queue", 10);
        using (MappedQueue queue = MappedQueue.Open(path, 4096, new QueueOptions { MultiProcess = true }))
        {
            // The record changes under the open session (media damage, a stray write): the session's scan passed it already.
            Damage(path, item: 4);
            for (long id = 0; id < 4; id++)
            {
                QueueItems.Check(queue.Pop()).ShouldBe(id);
            }

            Should.Throw<InvalidDataException>(() => queue.Pop());
        }

        using MappedQueue reopened = MappedQueue.Open(path, 4096);
        reopened.CountFromCheckpoint.ShouldBeFalse("a process of the session found a damaged record");
        reopened.Count.ShouldBe(0, "the scan keeps nothing from the damaged record on");
    }

    private string Fill(string name, int items)
    {
        string path = _dir.File(name);
        using MappedQueue queue = MappedQueue.Open(path, 4096);
        for (int i = 0; i < items; i++)
        {
            queue.Push(QueueItems.Make(i, 64));
        }

        return path;
    }

    // Opens the queue and checks that it took its count from the checkpoint.
    private static MappedQueue OpenOnTrust(string path)
    {
        MappedQueue queue = MappedQueue.Open(path, 4096);
        bool trusted = queue.CountFromCheckpoint;
        if (!trusted)
        {
            queue.Dispose();
        }

        trusted.ShouldBeTrue("the open took the count from the checkpoint");
        return queue;
    }

    // Pops `count` items and checks that they are `first`, `first + 1`, and so on.
    private static void PopsInOrder(MappedQueue queue, long first, long count)
    {
        for (long id = first; id < first + count; id++)
        {
            QueueItems.Check(queue.Pop()).ShouldBe(id);
        }
    }

    // Flips a payload byte of item `item` (64-byte items take 80 bytes from offset 1024).
    // Written in place (never truncating), so it is safe while the queue is mapped.
    private static void Damage(string path, int item)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Position = 1024 + (item * 80) + 16 + 30;
        int value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0x40));
    }

    private static void ForgeCheckpointCount(string path, long count) => ForgeCheckpointWord(path, word: 9, count);

    // Sets a word of the active slot and recomputes its checksum, as a forger would.
    private static void ForgeCheckpointWord(string path, int word, long value)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int active = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)) >= BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(512 + 16)) ? 0 : 512;
        Span<byte> slot = bytes.AsSpan(active, 128);
        BinaryPrimitives.WriteInt64LittleEndian(slot[(word * 8)..], value);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[120..], QueueChecksum.Slot(slot));
        File.WriteAllBytes(path, bytes);
    }

    private static long ReadWord(string path, int offset) => BinaryPrimitives.ReadInt64LittleEndian(ReadShared(path).AsSpan(offset));

    // Writes a header word in place, as another process (or a fault) would, while the queue is open.
    private static void WriteWord(string path, int offset, long value)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        byte[] word = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(word, value);
        file.WriteAt(offset, word);
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
