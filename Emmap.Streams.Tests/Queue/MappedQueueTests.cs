using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

using Emmap.Streams.TestHost;
using Emmap.Streams.Testing;

namespace Emmap.Streams.Tests.Queue;

[TestFixture]
public sealed class MappedQueueTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("q.queue");

    private static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    private static string Text(byte[]? value) => value is null ? "<null>" : Encoding.UTF8.GetString(value);

    [Test]
    public void Open_NewFile_CreatesEmptyQueueOfInitialSize()
    {
        using var queue = MappedQueue.Open(QueuePath, 8192);

        queue.Count.ShouldBe(0);
        queue.IsEmpty.ShouldBeTrue();
        new FileInfo(QueuePath).Length.ShouldBe(8192);
        QueueMetadata meta = queue.GetMetadata();
        meta.FileSize.ShouldBe(8192);
        meta.InitialSize.ShouldBe(8192);
        meta.RingOffset.ShouldBeLessThanOrEqualTo(1024);
        Directory.GetFiles(_dir.Path).ShouldBe([QueuePath]);
    }

    [Test]
    public void Open_MissingFileWithA250ByteName_CreatesIt()
    {
        string path = _dir.File(new string('q', 250));
        using (new FileStream(path, FileMode.CreateNew))
        {
        }

        File.Delete(path);

        using var queue = MappedQueue.Open(path, 8192);

        queue.Push(Text("a"));
        Text(queue.Pop()).ShouldBe("a");
        new FileInfo(path).Length.ShouldBe(8192);
        Directory.GetFiles(_dir.Path).ShouldBe([path]);
    }

    [Test]
    public void Open_InitialSizeBelow4096_Throws()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, 4095));
        File.Exists(QueuePath).ShouldBeFalse();
    }

    [Test]
    public void Open_FileThatIsNotAQueue_ThrowsInvalidDataAndKeepsTheFile()
    {
        byte[] content = Enumerable.Range(0, 8192).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(QueuePath, content);

        Should.Throw<InvalidDataException>(() => MappedQueue.Open(QueuePath, 4096, new QueueOptions { AutoUnlink = true }));

        SharedFile.ReadAllBytes(QueuePath).ShouldBe(content);
    }

    [Test]
    public void Open_EmptyExistingFile_ThrowsInvalidData()
    {
        File.WriteAllBytes(QueuePath, []);

        Should.Throw<InvalidDataException>(() => MappedQueue.Open(QueuePath, 4096));
    }

    [Test]
    public void Pop_AfterPushes_ReturnsItemsInOrderThenNull()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("a"));
        queue.Push(Text("bb"));
        queue.Push([]);
        queue.Push(Text("dddd"));

        queue.Count.ShouldBe(4);
        Text(queue.Pop()).ShouldBe("a");
        Text(queue.Pop()).ShouldBe("bb");
        queue.Pop().ShouldBe([]);
        Text(queue.Pop()).ShouldBe("dddd");
        queue.Pop().ShouldBeNull();
        queue.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public void PeekFrontAndBack_NonEmpty_ReturnEndsWithoutRemoving()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.PeekFront().ShouldBeNull();
        queue.PeekBack().ShouldBeNull();

        queue.Push(Text("first"));
        Text(queue.PeekFront()).ShouldBe("first");
        Text(queue.PeekBack()).ShouldBe("first");
        queue.Push(Text("second"));
        queue.Push(Text("third"));

        Text(queue.PeekFront()).ShouldBe("first");
        Text(queue.PeekBack()).ShouldBe("third");
        queue.Count.ShouldBe(3);
    }

    [Test]
    public void TryPop_BufferWriter_AppendsItemAndReportsEmpty()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("x1"));
        queue.Push(Text("y22"));
        var writer = new ArrayBufferWriter<byte>();

        queue.TryPop(writer).ShouldBeTrue();
        queue.TryPop(writer).ShouldBeTrue();
        queue.TryPop(writer).ShouldBeFalse();

        Encoding.UTF8.GetString(writer.WrittenSpan).ShouldBe("x1y22");
    }

    [Test]
    public void PopInto_CallerBuffer_PopsWhenItFitsAndReportsSizeWhenNot()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        Span<byte> small = stackalloc byte[4];
        Span<byte> large = stackalloc byte[64];
        queue.PopInto(large, out int none).ShouldBe(OperationStatus.NeedMoreData);
        none.ShouldBe(0);
        queue.Push(Text("twelve bytes"));

        queue.PopInto(small, out int needed).ShouldBe(OperationStatus.DestinationTooSmall);
        needed.ShouldBe(12);
        queue.Count.ShouldBe(1);

        queue.PopInto(large, out int written).ShouldBe(OperationStatus.Done);
        Encoding.UTF8.GetString(large[..written]).ShouldBe("twelve bytes");
        queue.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public void TryPop_HandlerReturns_CommitsAndReturnsResult()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("hello"));
        queue.Push(Text("next"));

        queue.TryPop(item => item.Length, out int length).ShouldBeTrue();

        length.ShouldBe(5);
        Text(queue.PeekFront()).ShouldBe("next");
    }

    [Test]
    public void TryPop_HandlerThrows_LeavesItemAtHead()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("keep"));

        Should.Throw<InvalidOperationException>(() => queue.TryPop<int>(_ => throw new InvalidOperationException("failed"), out _))
            .Message.ShouldBe("failed");

        queue.Count.ShouldBe(1);
        Text(queue.Pop()).ShouldBe("keep");
    }

    [Test]
    public void TryPop_EmptyQueue_ReturnsFalseWithoutCallingHandler()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        bool called = false;

        queue.TryPop(_ => called = true, out _).ShouldBeFalse();

        called.ShouldBeFalse();
    }

    [Test]
    public void TryPop_HandlerChangesQueue_ThrowsAndDoesNotCommit()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("a"));

        Should.Throw<InvalidOperationException>(() => queue.TryPop(_ => { queue.Push(Text("b")); return 0; }, out _));

        Text(queue.Pop()).ShouldBe("a");
        Text(queue.Pop()).ShouldBe("b");
    }

    [Test]
    public void TryPop_StatefulHandler_PassesState()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("abc"));

        queue.TryPop(10, static (item, state) => item.Length + state, out int result).ShouldBeTrue();

        result.ShouldBe(13);
    }

    [Test]
    public void Peek_FolderHalts_VisitsHeadToTailUntilThen()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        foreach (string s in new[] { "a", "b", "c", "d" })
        {
            queue.Push(Text(s));
        }

        string all = queue.Peek(string.Empty, (ReadOnlySpan<byte> item, ref string acc) => { acc += Encoding.UTF8.GetString(item); return true; });
        string firstTwo = queue.Peek(string.Empty, (ReadOnlySpan<byte> item, ref string acc) => { acc += Encoding.UTF8.GetString(item); return acc.Length < 2; });

        all.ShouldBe("abcd");
        firstTwo.ShouldBe("ab");
        queue.Count.ShouldBe(4);
    }

    [Test]
    public void PeekReverse_AllItems_VisitsTailToHead()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        foreach (string s in new[] { "a", "b", "c" })
        {
            queue.Push(Text(s));
        }

        string reversed = queue.PeekReverse(string.Empty, (ReadOnlySpan<byte> item, ref string acc) => { acc += Encoding.UTF8.GetString(item); return true; });

        reversed.ShouldBe("cba");
    }

    [Test]
    public void PeekReverseAndEnumerateReverse_OverSeveralBlocksOfAWrappedQueue_VisitEveryItemTailToHead()
    {
        // More items than one block of the walk from the tail, in a fixed ring that has wrapped, so that blocks start
        // anywhere in the ring and markers lie inside them.
        int total = (2 * MappedQueue.ReverseBlock) + 7;
        using var queue = MappedQueue.Open(QueuePath, 512 * 1024, new QueueOptions { FixedSize = true });
        var model = new Queue<int>();
        for (int i = 0; i < 10_000; i++)
        {
            // 32 bytes a record: the head and the tail move 320 KB into the ring, so the pushes below wrap.
            queue.Push(BitConverter.GetBytes(i));
            BitConverter.ToInt32(queue.Pop()!).ShouldBe(i);
        }

        for (int i = 0; i < total; i++)
        {
            queue.Push(BitConverter.GetBytes(i));
            model.Enqueue(i);
        }

        int[] expected = [.. model.Reverse()];
        List<int> visited = queue.PeekReverse(new List<int>(), (ReadOnlySpan<byte> item, ref List<int> acc) =>
        {
            acc.Add(BitConverter.ToInt32(item));
            return true;
        });
        visited.ShouldBe(expected);
        queue.EnumerateReverse().Select(item => BitConverter.ToInt32(item)).ShouldBe(expected);

        // A folder that halts inside a middle block stops there.
        int halted = queue.PeekReverse(0, (ReadOnlySpan<byte> item, ref int acc) => ++acc < MappedQueue.ReverseBlock + 10);
        halted.ShouldBe(MappedQueue.ReverseBlock + 10);
    }

    [Test]
    public void EnumerateReverse_QueueChangedAfterTheLastBlock_ThrowsInvalidOperationBeforeTheNextBlock()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < MappedQueue.ReverseBlock + 5; i++)
        {
            queue.Push(BitConverter.GetBytes(i));
        }

        using IEnumerator<byte[]> items = queue.EnumerateReverse().GetEnumerator();
        for (int i = 0; i < 5; i++)
        {
            items.MoveNext().ShouldBeTrue();
        }

        queue.Pop().ShouldNotBeNull();
        Should.Throw<InvalidOperationException>(() => items.MoveNext());
    }

    [Test]
    public void Enumerate_BothDirections_YieldCopiesInOrder()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        foreach (string s in new[] { "1", "22", "333" })
        {
            queue.Push(Text(s));
        }

        queue.Enumerate().Select(Text).ShouldBe(["1", "22", "333"]);
        queue.EnumerateReverse().Select(Text).ShouldBe(["333", "22", "1"]);
        queue.Count.ShouldBe(3);
    }

    [Test]
    public void Enumerate_QueueChangedMeanwhile_Throws()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("1"));
        queue.Push(Text("2"));

        Should.Throw<InvalidOperationException>(() =>
        {
            foreach (byte[] _ in queue.Enumerate())
            {
                queue.Push(Text("3"));
            }
        });
    }

    [Test]
    public void PopWhile_PopsUntilFolderHalts_LeavingThatItem()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        foreach (int i in Enumerable.Range(1, 5))
        {
            queue.Push([(byte)i]);
        }

        int sum = queue.PopWhile(0, (ReadOnlySpan<byte> item, ref int acc) =>
        {
            if (item[0] == 4)
            {
                return false;
            }

            acc += item[0];
            return true;
        });

        sum.ShouldBe(6);
        queue.Count.ShouldBe(2);
        queue.PeekFront().ShouldBe(new byte[] { 4 });
    }

    [Test]
    public void PopWhile_RunsOut_PopsAllAndPurges()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < 200; i++)
        {
            queue.Push(new byte[100]);
        }

        queue.GetMetadata().FileSize.ShouldBeGreaterThan(4096);

        int popped = queue.PopWhile(0, (ReadOnlySpan<byte> _, ref int n) => { n++; return true; });

        popped.ShouldBe(200);
        queue.IsEmpty.ShouldBeTrue();
        queue.GetMetadata().FileSize.ShouldBe(4096);
        SizeOnDisk.ShouldBeWhileMapped(QueuePath, 4096);

        queue.Dispose();
        SizeOnDisk.Of(QueuePath).ShouldBe(4096);
    }

    [Test]
    public void Push_PastCapacity_GrowsByDoubling()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        var sizes = new List<long>();
        for (int i = 0; i < 300; i++)
        {
            queue.Push(QueueItems.Make(i, 100));
            long size = queue.GetMetadata().FileSize;
            if (sizes.Count == 0 || sizes[^1] != size)
            {
                sizes.Add(size);
            }
        }

        sizes.ShouldBe([4096L, 8192L, 16384L, 32768L, 65536L]);
        new FileInfo(QueuePath).Length.ShouldBe(65536);
        Enumerable.Range(0, 300).Select(_ => QueueItems.Check(queue.Pop())).ShouldBe(Enumerable.Range(0, 300).Select(i => (long)i));
    }

    [Test]
    public void Push_PastMaxIncrement_GrowsByIncrement()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { MaxIncrementSize = 8192 });
        var sizes = new List<long>();
        for (int i = 0; i < 300; i++)
        {
            queue.Push(QueueItems.Make(i, 100));
            long size = queue.GetMetadata().FileSize;
            if (sizes.Count == 0 || sizes[^1] != size)
            {
                sizes.Add(size);
            }
        }

        sizes.ShouldBe([4096L, 8192L, 16384L, 24576L, 32768L, 40960L]);
    }

    [Test]
    public void Push_ConsumerSlightlyBehind_ReusesRingWithoutGrowing()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        long next = 0;
        long expected = 0;
        for (int round = 0; round < 5000; round++)
        {
            queue.Push(QueueItems.Make(next++, 40 + (round % 50)));
            if (queue.Count > 20)
            {
                QueueItems.Check(queue.Pop()).ShouldBe(expected++);
            }
        }

        queue.GetMetadata().FileSize.ShouldBe(4096);
        queue.GetMetadata().Head.ShouldBeGreaterThan(10 * 3072);
    }

    [Test]
    public void Push_FixedSizeFull_ThrowsQueueFullAndWritesNothing()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { FixedSize = true });
        int pushed = 0;
        while (queue.TryPush(QueueItems.Make(pushed, 100)))
        {
            pushed++;
        }

        QueueMetadata before = queue.GetMetadata();
        byte[] fileBefore = ReadShared(QueuePath);

        QueueFullException ex = Should.Throw<QueueFullException>(() => queue.Push(QueueItems.Make(999, 100)));

        ex.ShouldBeAssignableTo<IOException>();
        queue.GetMetadata().ShouldBe(before);
        ReadShared(QueuePath).ShouldBe(fileBefore);
        new FileInfo(QueuePath).Length.ShouldBe(4096);
        Enumerable.Range(0, pushed).Select(_ => QueueItems.Check(queue.Pop())).ShouldBe(Enumerable.Range(0, pushed).Select(i => (long)i));
    }

    [Test]
    public void GetMetadataAndVerify_AfterPopsAndAWrap_GiveTheFileOffsetsOfHeadAndTailAndThePayloadBytesChecked()
    {
        // A 3 KiB ring from offset 1024; a 64-byte item takes an 80-byte record.
        using (var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { FixedSize = true }))
        {
            for (int i = 0; i < 30; i++)
            {
                queue.Push(QueueItems.Make(i, 64));
            }

            for (int i = 0; i < 20; i++)
            {
                QueueItems.Check(queue.Pop()).ShouldBe(i);
            }

            // Eight more records end at 4064; the ninth does not fit before 4096, so a 32-byte skip marker sends it and the
            // tenth to the ring start.
            for (int i = 30; i < 40; i++)
            {
                queue.Push(QueueItems.Make(i, 64));
            }

            QueueMetadata metadata = queue.GetMetadata();
            metadata.HeadOffset.ShouldBe(1024 + (20 * 80));
            metadata.TailOffset.ShouldBe(1024 + (2 * 80));
            metadata.Head.ShouldBe(20 * 80);
            metadata.Tail.ShouldBe((38 * 80) + 32 + (2 * 80));
            metadata.Count.ShouldBe(20);
        }

        QueueVerification verification = MappedQueue.Verify(QueuePath);

        verification.IsIntact.ShouldBeTrue();
        verification.ItemsChecked.ShouldBe(20);
        verification.BytesChecked.ShouldBe(20 * 64, "payload bytes only: no record header, padding or skip marker");
        verification.Metadata!.Value.HeadOffset.ShouldBe(1024 + (20 * 80));
    }

    [Test]
    public void Push_Fixed8KiB_Holds56ItemsOf100Bytes()
    {
        // A 7 KiB ring after the 1 KiB header; a 100-byte item takes a 128-byte record.
        using var queue = MappedQueue.Open(QueuePath, 8192, new QueueOptions { FixedSize = true });
        int pushed = 0;
        while (queue.TryPush(new byte[100]))
        {
            pushed++;
        }

        pushed.ShouldBe(56);
    }

    [Test]
    public void Push_FixedItemLargerThanRing_ThrowsArgumentException()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { FixedSize = true });

        Should.Throw<ArgumentException>(() => queue.Push(new byte[4000]));
        Should.Throw<ArgumentException>(() => queue.TryPush(new byte[4000]));
        queue.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public void Push_FixedAfterTwoPopsOfSameSize_AlwaysFits([Values(8, 50, 100, 333, 700, 1000)] int size)
    {
        var random = new Random(size);
        for (int trial = 0; trial < 50; trial++)
        {
            string path = _dir.File($"two-{size}-{trial}.queue");
            using var queue = MappedQueue.Open(path, 4096, new QueueOptions { FixedSize = true });

            // Random history first, so the cursors sit anywhere in the ring.
            for (int i = random.Next(200); i > 0; i--)
            {
                if (!queue.TryPush(new byte[random.Next(1, 600)]) || random.Next(3) == 0)
                {
                    queue.Pop();
                }
            }

            while (queue.TryPush(new byte[size]))
            {
            }

            // Pop and refill until the two items at the head are of that size too.
            while (queue.Count > 0 && queue.Enumerate().Take(2).Any(item => item.Length != size))
            {
                queue.Pop();
                while (queue.TryPush(new byte[size]))
                {
                }
            }

            if (queue.Count < 2)
            {
                continue;
            }

            queue.Pop()!.Length.ShouldBe(size);
            queue.PeekFront()!.Length.ShouldBe(size);
            queue.Pop();

            queue.TryPush(new byte[size]).ShouldBeTrue($"trial {trial}: {queue.GetMetadata()}");
        }
    }

    [Test]
    public void Push_EmptyQueueNearRingEnd_TakesItemAsLargeAsTheRing()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { FixedSize = true });
        queue.Push(new byte[2000]);
        queue.Pop();
        long ring = queue.GetMetadata().RingSize;

        queue.Push(QueueItems.Make(1, (int)ring - 16));

        QueueItems.Check(queue.Pop()).ShouldBe(1);
    }

    [Test]
    public void Dispose_ThenReopen_KeepsItems()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            for (int i = 0; i < 100; i++)
            {
                queue.Push(QueueItems.Make(i, QueueItems.SizeOf(i)));
            }

            for (int i = 0; i < 30; i++)
            {
                queue.Pop();
            }
        }

        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Count.ShouldBe(70);
            queue.Enumerate().Select(item => QueueItems.Check(item)).ShouldBe(Enumerable.Range(30, 70).Select(i => (long)i));
            QueueItems.Check(queue.PeekBack()).ShouldBe(99);
        }
    }

    [Test]
    public void Open_ExistingQueue_IgnoresInitialSizeAndKeepsOriginal()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            for (int i = 0; i < 100; i++)
            {
                queue.Push(new byte[100]);
            }
        }

        long grown = new FileInfo(QueuePath).Length;
        using var reopened = MappedQueue.Open(QueuePath, 65536);

        reopened.GetMetadata().FileSize.ShouldBe(grown);
        reopened.GetMetadata().InitialSize.ShouldBe(4096);
        reopened.Erase();
        reopened.GetMetadata().FileSize.ShouldBe(4096);
    }

    [Test]
    public void PopAndPurge_LastItem_ShrinksToInitialSize()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < 100; i++)
        {
            queue.Push(QueueItems.Make(i, 100));
        }

        for (int i = 0; i < 99; i++)
        {
            queue.PopAndPurge().ShouldNotBeNull();
            queue.GetMetadata().FileSize.ShouldBeGreaterThan(4096);
        }

        QueueItems.Check(queue.PopAndPurge()).ShouldBe(99);

        queue.GetMetadata().FileSize.ShouldBe(4096);
        SizeOnDisk.ShouldBeWhileMapped(QueuePath, 4096);
        queue.PopAndPurge().ShouldBeNull();
        queue.Push(Text("after"));
        Text(queue.Pop()).ShouldBe("after");

        queue.Dispose();
        SizeOnDisk.Of(QueuePath).ShouldBe(4096);
    }

    [Test]
    public void TryPopAndPurge_LastItem_ShrinksAndReturnsHandlerResult()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < 50; i++)
        {
            queue.Push(new byte[100]);
        }

        int total = 0;
        while (queue.TryPopAndPurge(item => item.Length, out int length))
        {
            total += length;
        }

        total.ShouldBe(5000);
        SizeOnDisk.ShouldBeWhileMapped(QueuePath, 4096);

        queue.Dispose();
        SizeOnDisk.Of(QueuePath).ShouldBe(4096);
    }

    [Test]
    public void Purge_NonEmpty_ReturnsFalseAndKeepsItems()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("a"));

        queue.Purge().ShouldBeFalse();

        queue.Count.ShouldBe(1);
    }

    [Test]
    public void Purge_Empty_ReturnsTrue()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Text("a"));
        queue.Pop();

        queue.Purge().ShouldBeTrue();

        queue.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public void Erase_DropsAllItemsAndShrinks()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < 100; i++)
        {
            queue.Push(new byte[100]);
        }

        queue.Erase();

        queue.Count.ShouldBe(0);
        queue.Pop().ShouldBeNull();
        SizeOnDisk.ShouldBeWhileMapped(QueuePath, 4096);

        queue.Dispose();
        SizeOnDisk.Of(QueuePath).ShouldBe(4096);
    }

    [Test]
    public void Count_AfterPushesAndPops_TracksItems()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (int i = 1; i <= 50; i++)
        {
            queue.Push(new byte[i]);
            queue.Count.ShouldBe(i);
        }

        for (int i = 49; i >= 0; i--)
        {
            queue.Pop();
            queue.Count.ShouldBe(i);
        }
    }

    [Test]
    public void GetMetadata_PushAndPop_ReportsLogicalCursors()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        QueueMetadata empty = queue.GetMetadata();
        queue.Push(new byte[10]);
        QueueMetadata one = queue.GetMetadata();
        queue.Pop();
        QueueMetadata popped = queue.GetMetadata();

        empty.Head.ShouldBe(empty.Tail);
        one.Tail.ShouldBe(empty.Tail + 32);
        one.Count.ShouldBe(1);
        one.UsedBytes.ShouldBe(32);
        popped.Head.ShouldBe(one.Tail);
        popped.FreeBytes.ShouldBe(popped.RingSize);
    }

    [Test]
    public void PushAndPop_StoreLogicalPositionsInTheCursorWordsAndOpenStoresItsProcessInTheOwnerWord()
    {
        byte[] open;
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push(new byte[10]);
            queue.Push(new byte[100]);
            queue.Pop();
            open = SharedFile.ReadAllBytes(QueuePath);
        }

        byte[] closed = SharedFile.ReadAllBytes(QueuePath);

        BinaryPrimitives.ReadInt64LittleEndian(open.AsSpan(256)).ShouldBe(32, "the head word");
        BinaryPrimitives.ReadInt64LittleEndian(open.AsSpan(320)).ShouldBe(32 + 128, "the tail word");
        BinaryPrimitives.ReadUInt32LittleEndian(open.AsSpan(384)).ShouldBe((uint)Environment.ProcessId, "the owner word's low half");
        BinaryPrimitives.ReadInt64LittleEndian(closed.AsSpan(384)).ShouldBe(0, "the close gives the owner word back");
        foreach (byte[] bytes in new[] { open, closed })
        {
            // Version 1 writes nothing else in the header: the reserved lines and the bytes after slot B stay zero.
            foreach ((int from, int to) in new[] { (128, 256), (264, 320), (328, 384), (392, 512), (640, 1024) })
            {
                bytes.AsSpan(from, to - from).IndexOfAnyExcept((byte)0).ShouldBe(-1, $"bytes {from}-{to}");
            }
        }
    }

    [Test]
    public void Open_TwiceInOneProcess_ThrowsIOException()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);

        Should.Throw<IOException>(() => MappedQueue.Open(QueuePath, 4096)).Message.ShouldContain("already open");
    }

    [Test]
    public void Open_AfterUndisposedQueueWasCollected_Succeeds()
    {
        OpenPushAndForget(QueuePath);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        using var queue = MappedQueue.Open(QueuePath, 4096);

        Text(queue.Pop()).ShouldBe("left behind");
    }

    [Test]
    public void Open_AfterDispose_Succeeds()
    {
        MappedQueue.Open(QueuePath, 4096).Dispose();

        using var queue = MappedQueue.Open(QueuePath, 4096);

        queue.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public void Open_ReadOnlyWhileOpenForWriting_SeesItemsAndRefusesChanges()
    {
        using var writer = MappedQueue.Open(QueuePath, 4096);
        writer.Push(Text("one"));
        writer.Push(Text("two"));

        using var reader = MappedQueue.Open(QueuePath, 4096, new QueueOptions { ReadOnly = true });

        reader.IsReadOnly.ShouldBeTrue();
        reader.Count.ShouldBe(2);
        reader.Enumerate().Select(Text).ShouldBe(["one", "two"]);
        Should.Throw<NotSupportedException>(() => reader.Push(Text("x")));
        Should.Throw<NotSupportedException>(() => reader.Pop());
        Should.Throw<NotSupportedException>(() => reader.Purge());
    }

    [Test]
    public void Open_ReadOnlyMissingFile_ThrowsFileNotFound()
    {
        Should.Throw<FileNotFoundException>(() => MappedQueue.Open(QueuePath, 4096, new QueueOptions { ReadOnly = true }));
    }

    [Test]
    public void Dispose_AutoUnlink_DeletesFile()
    {
        var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { AutoUnlink = true });
        queue.Push(Text("x"));
        File.Exists(QueuePath).ShouldBeTrue();

        queue.Dispose();

        File.Exists(QueuePath).ShouldBeFalse();
    }

    [Test]
    [LinuxOnly("on Windows a file that is open cannot be renamed over")]
    public void Dispose_AutoUnlinkAfterAnotherFileWasRenamedOverThePath_KeepsThatFile()
    {
        var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { AutoUnlink = true });
        queue.Push(Text("x"));
        string replacement = QueuePath + ".new";
        File.WriteAllText(replacement, "not the queue");
        File.Move(replacement, QueuePath, overwrite: true);

        queue.Dispose();

        File.ReadAllText(QueuePath).ShouldBe("not the queue");
    }

    [Test]
    public void Dispose_Twice_IsHarmlessAndLaterCallsThrow()
    {
        var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Dispose();
        queue.Dispose();

        Should.Throw<ObjectDisposedException>(() => queue.Push(Text("x")));
        Should.Throw<ObjectDisposedException>(() => queue.Pop());
        Should.Throw<ObjectDisposedException>(() => queue.TryPop(new ArrayBufferWriter<byte>()));
        Should.Throw<ObjectDisposedException>(() => _ = queue.Count);
        Should.Throw<ObjectDisposedException>(() => queue.PeekFront());
    }

    [Test]
    public void AsQueue_BlankStream_FormatsNewQueue()
    {
        var map = new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 16384 };
        using (var queue = MappedFileStream.Open(QueuePath, map).AsQueue())
        {
            queue.Push(Text("via stream"));
            queue.GetMetadata().InitialSize.ShouldBe(16384);
        }

        using var reopened = MappedQueue.Open(QueuePath, 4096);
        Text(reopened.Pop()).ShouldBe("via stream");
    }

    [Test]
    public void AsQueue_LeaveOpen_KeepsStreamUsable()
    {
        var map = new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096 };
        using var stream = MappedFileStream.Open(QueuePath, map);
        using (var queue = stream.AsQueue(leaveOpen: true))
        {
            queue.Push(Text("x"));
        }

        stream.CanRead.ShouldBeTrue();
        stream.Length.ShouldBe(4096);
    }

    [Test]
    public void AsQueue_PrivateMapping_Throws()
    {
        File.WriteAllBytes(QueuePath, new byte[4096]);
        using var stream = MappedFileStream.Open(QueuePath, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private });

        Should.Throw<ArgumentException>(() => stream.AsQueue(leaveOpen: true)).Message.ShouldContain("shared");
    }

    [Test]
    public void AsQueue_WindowThatEndsBeforeTheFile_IsFixedSizeAndReportsFull()
    {
        // A queue in the first 8 KiB of a 16 KiB file: the window cannot change length, so the queue cannot grow.
        File.WriteAllBytes(QueuePath, new byte[16384]);
        using var queue = MappedFileStream.Open(QueuePath, 0, 8192, new MapOptions { Access = FileAccess.ReadWrite }).AsQueue();

        queue.IsFixedSize.ShouldBeTrue();
        int pushed = 0;
        while (queue.TryPush(new byte[100]))
        {
            pushed++;
        }

        pushed.ShouldBe(56);
        Should.Throw<QueueFullException>(() => queue.Push(new byte[100]));
        new FileInfo(QueuePath).Length.ShouldBe(16384);
    }

    [Test]
    public void AsQueue_Window_AnotherHandleShrinksTheFilePastTheWindowDuringAPushOrAPop_TheOperationStands([Values] bool multiProcess)
    {
        // A queue in the first 8 KiB of a 64 KiB file, and another handle of the whole file that cuts it to 40 KiB while a
        // push writes its record and while a pop's handler runs: nothing of the queue is cut, so neither may fail.
        File.WriteAllBytes(QueuePath, new byte[65536]);
        var map = new MapOptions { Access = FileAccess.ReadWrite };
        using var whole = MappedFileStream.Open(QueuePath, map);
        using var queue = MappedFileStream.Open(QueuePath, 0, 8192, map).AsQueue(new QueueOptions { MultiProcess = multiProcess });
        queue.Push("first"u8);

        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PushHeader, () => whole.SetLength(48 * 1024));
        queue.Push("second"u8);
        CrashPoints.Hook = null;
        queue.TryPop(item =>
        {
            whole.SetLength(40 * 1024);
            return item.ToArray();
        }, out byte[]? popped).ShouldBeTrue();

        whole.Length.ShouldBe(40 * 1024, "both cuts were made");
        popped.ShouldBe("first"u8.ToArray());
        queue.Pop().ShouldBe("second"u8.ToArray());
        queue.Count.ShouldBe(0);
    }

    [Test]
    public void AsQueue_FixedSizeStream_NeverGrows()
    {
        var map = new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096, FixedSize = true };
        using var queue = MappedFileStream.Open(QueuePath, map).AsQueue();

        queue.IsFixedSize.ShouldBeTrue();
        while (queue.TryPush(new byte[100]))
        {
        }

        Should.Throw<QueueFullException>(() => queue.Push(new byte[100]));
        new FileInfo(QueuePath).Length.ShouldBe(4096);
    }

    [Test]
    public void Push_MultiMebibyteItems_RoundTrip()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(QueueItems.Make(1, 3 << 20));
        queue.Push(QueueItems.Make(2, 10));
        queue.Push(QueueItems.Make(3, 5 << 20));

        QueueItems.Check(queue.Pop()).ShouldBe(1);
        QueueItems.Check(queue.Pop()).ShouldBe(2);
        QueueItems.Check(queue.Pop()).ShouldBe(3);
    }

    [Test]
    public void Push_GrowthWhileWrapped_KeepsOrder([Values(1, 5, 20, 60)] int popsBeforeGrowth)
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        long next = 0;
        long expected = 0;

        // Fill, pop some so the tail wraps into the ring start, then force several growths while wrapped.
        for (int i = 0; i < 25; i++)
        {
            queue.Push(QueueItems.Make(next++, 100));
        }

        for (int i = 0; i < Math.Min(popsBeforeGrowth, 25); i++)
        {
            QueueItems.Check(queue.Pop()).ShouldBe(expected++);
        }

        for (int i = 0; i < 400; i++)
        {
            queue.Push(QueueItems.Make(next++, QueueItems.SizeOf(next)));
            if (i % 7 == 0)
            {
                QueueItems.Check(queue.Pop()).ShouldBe(expected++);
            }
        }

        while (queue.Pop() is { } item)
        {
            QueueItems.Check(item).ShouldBe(expected++);
        }

        expected.ShouldBe(next);
    }

    [Test]
    public void Push_PositionsPast4GiB_WrapGrowAndReopenKeepOrder()
    {
        // Start the cursors at 5 GiB, as if 5 GiB had already passed through the queue (emmap's 32-bit offsets corrupt here).
        const long start = 5L << 30;
        MappedQueue.Open(QueuePath, 4096).Dispose();
        using (var stream = MappedFileStream.Open(QueuePath, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            var slot = new QueueSlot(Sequence: 10, FileSize: 4096, RingSize: QueueLayout.RingSizeFor(4096), Base: start, Head: start, Tail: start, Count: 0, InitialSize: 4096, Flags: 0);
            byte[] image = new byte[QueueLayout.SlotSize];
            QueueSlotCodec.Encode(slot, image);
            stream.WriteAt(QueueLayout.SlotAOffset, image);
            stream.AtomicWrite(QueueLayout.HeadWordOffset, start);
            stream.AtomicWrite(QueueLayout.TailWordOffset, start);
        }

        long next = 0;
        long expected = 0;
        for (int round = 0; round < 3; round++)
        {
            using var queue = MappedQueue.Open(QueuePath, 4096);
            queue.GetMetadata().Head.ShouldBeGreaterThanOrEqualTo(start);
            for (int i = 0; i < 300; i++)
            {
                queue.Push(QueueItems.Make(next++, QueueItems.SizeOf(next)));
                if (i % 3 != 0)
                {
                    QueueItems.Check(queue.Pop()).ShouldBe(expected++);
                }
            }
        }

        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.GetMetadata().FileSize.ShouldBeGreaterThan(4096);
            while (queue.PopAndPurge() is { } item)
            {
                QueueItems.Check(item).ShouldBe(expected++);
            }

            expected.ShouldBe(next);
            queue.GetMetadata().Tail.ShouldBeGreaterThan(start + 100_000);
        }
    }

    [Test]
    public void Open_ConcurrentCreators_AllSeeOneValidQueue()
    {
        var errors = new List<Exception>();
        var threads = Enumerable.Range(0, 4).Select(i => new System.Threading.Thread(() =>
        {
            try
            {
                for (int attempt = 0; attempt < 20; attempt++)
                {
                    try
                    {
                        using MappedQueue queue = MappedQueue.Open(QueuePath, 4096 * (i + 1));
                        queue.Push([(byte)i]);
                        return;
                    }
                    catch (IOException ex) when (ex.Message.Contains("already open", StringComparison.Ordinal))
                    {
                        System.Threading.Thread.Sleep(1);
                    }
                }
            }
            catch (Exception ex)
            {
                lock (errors)
                {
                    errors.Add(ex);
                }
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        errors.ShouldBeEmpty();
        using var final = MappedQueue.Open(QueuePath, 4096);
        final.Count.ShouldBe(4);
        Directory.GetFiles(_dir.Path).ShouldBe([QueuePath]);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void OpenPushAndForget(string path) => MappedQueue.Open(path, 4096).Push(Text("left behind"));

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
