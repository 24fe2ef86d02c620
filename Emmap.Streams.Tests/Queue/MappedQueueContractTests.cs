using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

[TestFixture]
public sealed class MappedQueueContractTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("q.queue");

    private static byte[] Item(int index, int length)
    {
        byte[] item = new byte[length];
        for (int i = 0; i < length; i++)
        {
            item[i] = (byte)(index * 31 + i);
        }

        return item;
    }

    [Test]
    public void Open_InAMissingDirectory_ThrowsWhatFileStreamThrowsNamingTheQueuePath()
    {
        string path = _dir.File("missing/q.queue");
        Exception expected = Should.Throw<DirectoryNotFoundException>(() => new FileStream(path, FileMode.OpenOrCreate).Dispose());

        var thrown = Should.Throw<DirectoryNotFoundException>(() => MappedQueue.Open(path, 4096).Dispose());

        thrown.Message.ShouldBe(expected.Message);
        Directory.Exists(_dir.File("missing")).ShouldBeFalse();
    }

    [TestCase("name-too-long", typeof(PathTooLongException))]
    [TestCase("missing-directory-with-a-trailing-slash", typeof(DirectoryNotFoundException))]
    [LinuxOnly("a 256-byte name is too long for Linux file systems, and a trailing slash names a directory")]
    public void Open_PathThatCannotBeCreated_NamesTheQueuePathNotTheTemporaryFile(string kind, Type expected)
    {
        string path = kind == "name-too-long" ? _dir.File(new string('q', 256)) : _dir.File("missing") + "/";

        Exception thrown = Should.Throw(() => MappedQueue.Open(path, 4096).Dispose(), expected);

        thrown.Message.ShouldContain($"'{path}'");
        Directory.GetFileSystemEntries(_dir.Path).ShouldBeEmpty("nothing was created, not even the temporary file");
    }

    [Test]
    public void Verify_MissingFileOrDirectory_ThrowsWhatFileStreamThrowsAndCreatesNothing()
    {
        string missing = _dir.File("missing.queue");
        Exception expected = Should.Throw<FileNotFoundException>(() => new FileStream(missing, FileMode.Open, FileAccess.Read).Dispose());
        Should.Throw<FileNotFoundException>(() => MappedQueue.Verify(missing)).Message.ShouldBe(expected.Message);
        File.Exists(missing).ShouldBeFalse();

        string directory = _dir.File("directory");
        Directory.CreateDirectory(directory);
        expected = Should.Throw<UnauthorizedAccessException>(() => new FileStream(directory, FileMode.Open, FileAccess.Read).Dispose());
        Should.Throw<UnauthorizedAccessException>(() => MappedQueue.Verify(directory)).Message.ShouldBe(expected.Message);
    }

    [Test]
    [LinuxOnly("makes a named pipe with mkfifo")]
    public void Open_NamedPipeOrDevice_ThrowsNotARegularFileNotAnEmptyQueue([Values(false, true)] bool readOnly)
    {
        string fifo = NamedPipe.Make(_dir.File("q.fifo"));

        foreach (string path in new[] { fifo, "/dev/null" })
        {
            var thrown = Should.Throw<NotSupportedException>(() => MappedQueue.Open(path, 4096, new QueueOptions { ReadOnly = readOnly }).Dispose());
            thrown.Message.ShouldContain("not a regular file", customMessage: path);
        }

        Directory.GetFileSystemEntries(_dir.Path).ShouldBe(new[] { fifo });
    }

    [Test]
    public void Open_EmptyFile_ThrowsInvalidDataAndLeavesItEmpty([Values(false, true)] bool readOnly)
    {
        File.WriteAllBytes(QueuePath, []);

        var thrown = Should.Throw<InvalidDataException>(() => MappedQueue.Open(QueuePath, 4096, new QueueOptions { ReadOnly = readOnly }).Dispose());

        thrown.Message.ShouldBe($"'{QueuePath}' is empty, so it is not a queue.");
        new FileInfo(QueuePath).Length.ShouldBe(0);
    }

    [Test]
    public void Push_EmptyItem_IsAnItemInEveryPopAndPeekForm()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(ReadOnlySpan<byte>.Empty);
        queue.Push(ReadOnlySpan<byte>.Empty);
        queue.Push(ReadOnlySpan<byte>.Empty);
        queue.Push(ReadOnlySpan<byte>.Empty);

        queue.Count.ShouldBe(4);
        queue.IsEmpty.ShouldBeFalse();
        queue.PeekFront().ShouldBe(Array.Empty<byte>());
        queue.PeekBack().ShouldBe(Array.Empty<byte>());
        queue.Enumerate().Count().ShouldBe(4);
        queue.EnumerateReverse().Count().ShouldBe(4);

        queue.Pop().ShouldBe(Array.Empty<byte>());
        var writer = new ArrayBufferWriter<byte>();
        queue.TryPop(writer).ShouldBeTrue();
        writer.WrittenCount.ShouldBe(0);
        queue.PopInto(Span<byte>.Empty, out int written).ShouldBe(OperationStatus.Done);
        written.ShouldBe(0);
        queue.TryPop(span => span.Length, out int length).ShouldBeTrue();
        length.ShouldBe(0);

        queue.IsEmpty.ShouldBeTrue();
        queue.Pop().ShouldBeNull();
    }

    [Test]
    public void Push_EmptyItems_SurviveReopen()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push(ReadOnlySpan<byte>.Empty);
            queue.Push([1]);
            queue.Push(ReadOnlySpan<byte>.Empty);
        }

        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Count.ShouldBe(3);
            queue.Pop().ShouldBe(Array.Empty<byte>());
            queue.Pop().ShouldBe(new byte[] { 1 });
            queue.Pop().ShouldBe(Array.Empty<byte>());
            queue.Pop().ShouldBeNull();
        }
    }

    [Test]
    public void Open_BadArguments_ThrowAndCreateNothing()
    {
        Should.Throw<ArgumentNullException>(() => MappedQueue.Open(null!, 4096));
        Should.Throw<ArgumentException>(() => MappedQueue.Open("", 4096));
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, -1));
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, 8192, new QueueOptions { MaxIncrementSize = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, 8192, new QueueOptions { MaxIncrementSize = -5 }));
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, 8192, new QueueOptions { Durability = (QueueDurability)7 }));
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, 8192, new QueueOptions { BatchBytes = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, 8192, new QueueOptions { BatchInterval = TimeSpan.Zero }));
        Should.Throw<ArgumentOutOfRangeException>(() => ConcurrentMappedQueue.Open(QueuePath, 100));
        File.Exists(QueuePath).ShouldBeFalse();
        Directory.GetFiles(_dir.Path).ShouldBeEmpty();
    }

    [Test]
    public void Open_UnixCreateModeWithBitsThatAreNotPermissions_ThrowsOutOfRangeWhetherOrNotTheQueueExists()
    {
        var options = new QueueOptions { UnixCreateMode = (UnixFileMode)0x1000 };
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, 8192, options)).ParamName.ShouldBe("options");
        Directory.GetFiles(_dir.Path).ShouldBeEmpty();

        using (var queue = MappedQueue.Open(QueuePath, 8192))
        {
            queue.Push([7]);
        }

        byte[] before = File.ReadAllBytes(QueuePath);
        Should.Throw<ArgumentOutOfRangeException>(() => MappedQueue.Open(QueuePath, 8192, options)).ParamName.ShouldBe("options");
        Should.Throw<ArgumentOutOfRangeException>(() => ConcurrentMappedQueue.Open(QueuePath, 8192, options)).ParamName.ShouldBe("options");
        File.ReadAllBytes(QueuePath).ShouldBe(before);
    }

    [Test]
    public void QueueOptions_Defaults_AreTheIssues()
    {
        var options = new QueueOptions();
        options.FixedSize.ShouldBeFalse();
        options.AutoUnlink.ShouldBeFalse();
        options.MaxIncrementSize.ShouldBe(64L * 1024 * 1024);
        options.Durability.ShouldBe(QueueDurability.None);
        options.MultiProcess.ShouldBeFalse();
        default(QueueDurability).ShouldBe(QueueDurability.None);
        typeof(QueueFullException).IsSubclassOf(typeof(IOException)).ShouldBeTrue();
    }

    [Test]
    public void AllMembers_AfterDispose_ThrowObjectDisposed()
    {
        var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push([1]);
        queue.Dispose();

        Should.Throw<ObjectDisposedException>(() => queue.TryPush([1]));
        Should.Throw<ObjectDisposedException>(() => queue.PopAndPurge());
        Should.Throw<ObjectDisposedException>(() => queue.PeekBack());
        Should.Throw<ObjectDisposedException>(() => _ = queue.IsEmpty);
        Should.Throw<ObjectDisposedException>(() => queue.Purge());
        Should.Throw<ObjectDisposedException>(() => queue.Erase());
        Should.Throw<ObjectDisposedException>(() => queue.Flush());
        Should.Throw<ObjectDisposedException>(() => queue.Flush(true));
        Should.Throw<ObjectDisposedException>(() => queue.GetMetadata());
        Should.Throw<ObjectDisposedException>(() => queue.Enumerate().ToList());
        Should.Throw<ObjectDisposedException>(() => queue.EnumerateReverse().ToList());
        Should.Throw<ObjectDisposedException>(() => queue.PopInto(new byte[8], out _));
        Should.Throw<ObjectDisposedException>(() => queue.TryPop(s => 0, out _));
        Should.Throw<ObjectDisposedException>(() => queue.TryPopAndPurge(s => 0, out _));
        Should.Throw<ObjectDisposedException>(() => queue.Peek(0, (ReadOnlySpan<byte> s, ref int a) => true));
        Should.Throw<ObjectDisposedException>(() => queue.PeekReverse(0, (ReadOnlySpan<byte> s, ref int a) => true));
        Should.Throw<ObjectDisposedException>(() => queue.PopWhile(0, (ReadOnlySpan<byte> s, ref int a) => true));
        Should.Throw<ObjectDisposedException>(() => queue.TryPeekFront(0, (s, st) => 0, out _));

        using var again = MappedQueue.Open(QueuePath, 4096);
        again.Pop().ShouldBe(new byte[] { 1 });
    }

    [Test]
    public void Enumerate_StartedBeforeDispose_ThrowsObjectDisposedAtTheNextItem()
    {
        var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push([1]);
        queue.Push([2]);
        using IEnumerator<byte[]> items = queue.Enumerate().GetEnumerator();
        items.MoveNext().ShouldBeTrue();
        queue.Dispose();

        Should.Throw<ObjectDisposedException>(() => items.MoveNext());
    }

    [Test]
    public void PopWhile_FolderThrows_KeepsThatItemAndThoseAfter()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (byte i = 0; i < 5; i++)
        {
            queue.Push([i]);
        }

        Should.Throw<InvalidTimeZoneException>(() => queue.PopWhile(0, (ReadOnlySpan<byte> item, ref int seen) =>
        {
            if (item[0] == 2)
            {
                throw new InvalidTimeZoneException();
            }

            seen++;
            return true;
        }));

        queue.Count.ShouldBe(3);
        queue.Pop().ShouldBe(new byte[] { 2 });
    }

    [Test]
    public void Push_GrowThenDrainWithPlainPops_KeepsTheSizeAndReusesItWithoutGrowing()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < 200; i++)
        {
            queue.Push(Item(i, 100));
        }

        long grown = queue.GetMetadata().FileSize;
        grown.ShouldBeGreaterThan(4096);
        for (int i = 0; i < 200; i++)
        {
            queue.Pop().ShouldBe(Item(i, 100));
        }

        queue.GetMetadata().FileSize.ShouldBe(grown);

        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 150; i++)
            {
                queue.Push(Item(i + round, 100));
            }

            for (int i = 0; i < 150; i++)
            {
                queue.Pop().ShouldBe(Item(i + round, 100));
            }
        }

        queue.GetMetadata().FileSize.ShouldBe(grown);
        queue.Purge().ShouldBeTrue();
        queue.GetMetadata().FileSize.ShouldBe(4096);
        SizeOnDisk.ShouldBeWhileMapped(QueuePath, 4096);
    }

    [Test]
    public void Push_WrappedRingGrowsThenReopens_KeepsOrder()
    {
        var expected = new Queue<byte[]>();
        using (var queue = MappedQueue.Open(QueuePath, 8192, new QueueOptions { MaxIncrementSize = 8192 }))
        {
            int next = 0;
            for (int round = 0; round < 50; round++)
            {
                int pushes = 3 + round % 7;
                for (int i = 0; i < pushes; i++)
                {
                    byte[] item = Item(next++, 50 + (next * 37 % 900));
                    queue.Push(item);
                    expected.Enqueue(item);
                }

                for (int i = 0; i < 3 && expected.Count > 0; i++)
                {
                    queue.Pop().ShouldBe(expected.Dequeue());
                }
            }

            queue.Count.ShouldBe(expected.Count);
        }

        using (var queue = MappedQueue.Open(QueuePath, 8192))
        {
            queue.Enumerate().ShouldBe(expected.ToList());
            queue.EnumerateReverse().ShouldBe(expected.Reverse().ToList());
            queue.PeekBack().ShouldBe(expected.Last());
            while (expected.Count > 0)
            {
                queue.PopAndPurge().ShouldBe(expected.Dequeue());
            }

            queue.GetMetadata().FileSize.ShouldBe(8192);
        }
    }

    [Test]
    public void TryPush_FixedQueueFull_ReturnsFalseAndChangesNothing()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { FixedSize = true });
        int pushed = 0;
        while (queue.TryPush(Item(pushed, 200)))
        {
            pushed++;
        }

        QueueMetadata before = queue.GetMetadata();
        queue.TryPush(Item(0, 200)).ShouldBeFalse();
        Should.Throw<QueueFullException>(() => queue.Push(Item(0, 200)));
        queue.GetMetadata().ShouldBe(before);
        new FileInfo(QueuePath).Length.ShouldBe(4096);
        for (int i = 0; i < pushed; i++)
        {
            queue.Pop().ShouldBe(Item(i, 200));
        }
    }

    [Test]
    public void TryPush_FixedItemLargerThanTheRing_Throws()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { FixedSize = true });
        Should.Throw<ArgumentException>(() => queue.TryPush(new byte[8192]));
        queue.Count.ShouldBe(0);
    }

    [Test]
    public void ReadOnly_ChangingMembers_ThrowNotSupportedAndTheFileStays()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push([1]);
        }

        byte[] before = File.ReadAllBytes(QueuePath);
        using (var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { ReadOnly = true }))
        {
            queue.IsReadOnly.ShouldBeTrue();
            Should.Throw<NotSupportedException>(() => queue.Push([2]));
            Should.Throw<NotSupportedException>(() => queue.TryPush([2]));
            Should.Throw<NotSupportedException>(() => queue.Pop());
            Should.Throw<NotSupportedException>(() => queue.PopAndPurge());
            Should.Throw<NotSupportedException>(() => queue.Purge());
            Should.Throw<NotSupportedException>(() => queue.Erase());
            Should.Throw<NotSupportedException>(() => queue.TryPop(new ArrayBufferWriter<byte>()));
            queue.PeekFront().ShouldBe(new byte[] { 1 });
            queue.Count.ShouldBe(1);
        }

        File.ReadAllBytes(QueuePath).ShouldBe(before);
    }

    [Test]
    public void Erase_AfterGrowth_ThenPushesReuseTheInitialSize()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            for (int i = 0; i < 100; i++)
            {
                queue.Push(Item(i, 500));
            }

            queue.Erase();
            queue.Push(Item(7, 10));
        }

        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Count.ShouldBe(1);
            queue.Pop().ShouldBe(Item(7, 10));
            queue.GetMetadata().FileSize.ShouldBe(4096);
        }
    }

    [Test]
    public void Push_LargeItemsOfSeveralMiB_RoundTripAfterReopen()
    {
        byte[] big = Item(3, 5 * 1024 * 1024 + 7);
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push([9]);
            queue.Push(big);
            queue.Push([8]);
        }

        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Pop().ShouldBe(new byte[] { 9 });
            queue.PeekFront().ShouldBe(big);
            var writer = new ArrayBufferWriter<byte>();
            queue.TryPop(writer).ShouldBeTrue();
            writer.WrittenSpan.SequenceEqual(big).ShouldBeTrue();
            queue.PopAndPurge().ShouldBe(new byte[] { 8 });
            queue.GetMetadata().FileSize.ShouldBe(4096);
        }
    }

    [Test]
    public void PopInto_TooSmallBuffer_LeavesTheItemAndReportsItsSize()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(Item(1, 100));
        byte[] small = new byte[10];
        queue.PopInto(small, out int needed).ShouldBe(OperationStatus.DestinationTooSmall);
        needed.ShouldBe(100);
        queue.Count.ShouldBe(1);
        queue.PopInto(new byte[100], out int written).ShouldBe(OperationStatus.Done);
        written.ShouldBe(100);
        queue.PopInto(new byte[100], out written).ShouldBe(OperationStatus.NeedMoreData);
    }

    [Test]
    public void AsQueue_ReadOnlyOrWriteOnlyStream_RefusesWithArgumentExceptionUnlessAReadOnlyQueueCanReadIt()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push([1]);
        }

        byte[] before = File.ReadAllBytes(QueuePath);
        using (var readOnly = MappedFileStream.Open(QueuePath, new MapOptions { Access = FileAccess.Read }))
        {
            Should.Throw<ArgumentException>(() => readOnly.AsQueue(leaveOpen: true)).ParamName.ShouldBe("stream");
            using var queue = readOnly.AsQueue(new QueueOptions { ReadOnly = true }, leaveOpen: true);
            queue.Count.ShouldBe(1);
            Should.Throw<NotSupportedException>(() => queue.Push([2]));
        }

        using (var writeOnly = MappedFileStream.Open(QueuePath, new MapOptions { Access = FileAccess.Write }))
        {
            // Refused before anything reads the stream, as StreamReader refuses a stream it cannot read.
            Should.Throw<ArgumentException>(() => writeOnly.AsQueue(leaveOpen: true)).ParamName.ShouldBe("stream");
            Should.Throw<ArgumentException>(() => writeOnly.AsQueue(new QueueOptions { ReadOnly = true }, leaveOpen: true)).ParamName.ShouldBe("stream");
            writeOnly.CanWrite.ShouldBeTrue();
        }

        File.ReadAllBytes(QueuePath).ShouldBe(before);
    }

    [Test]
    public void AsQueue_NotLeaveOpen_DisposingTheQueueDisposesTheStream()
    {
        var stream = MappedFileStream.Open(QueuePath, new MapOptions { Access = FileAccess.ReadWrite, Mode = FileMode.OpenOrCreate, Size = 8192 });
        using (var queue = stream.AsQueue())
        {
            queue.Push([5]);
        }

        stream.CanRead.ShouldBeFalse();
        using var again = MappedQueue.Open(QueuePath, 4096);
        again.Pop().ShouldBe(new byte[] { 5 });
    }

    [Test]
    public void Purge_NonEmpty_KeepsTheGrownSize()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < 50; i++)
        {
            queue.Push(Item(i, 200));
        }

        long size = queue.GetMetadata().FileSize;
        queue.Purge().ShouldBeFalse();
        queue.GetMetadata().FileSize.ShouldBe(size);
        queue.Count.ShouldBe(50);
    }

    [Test]
    public void Metadata_CountMatchesHeadTailAndBytes()
    {
        using var queue = MappedQueue.Open(QueuePath, 8192);
        queue.Push(Item(0, 10));
        queue.Push(Item(1, 10));
        queue.Pop();
        QueueMetadata meta = queue.GetMetadata();
        meta.Count.ShouldBe(1);
        meta.Tail.ShouldBeGreaterThan(meta.Head);
        meta.UsedBytes.ShouldBe(meta.Tail - meta.Head);
        meta.FreeBytes.ShouldBe(meta.RingSize - meta.UsedBytes);
        meta.FileSize.ShouldBe(8192);
    }

    [Test]
    public void Dispose_ReadOnlyWithAutoUnlinkWhileTheOwnerHasTheQueue_KeepsTheFileAndTheOwnersItems([Values] bool shared)
    {
        using var owner = MappedQueue.Open(QueuePath, 4096, new QueueOptions { MultiProcess = shared });
        owner.Push([1]);
        using (var inspector = MappedQueue.Open(QueuePath, 4096, new QueueOptions { ReadOnly = true, AutoUnlink = true, MultiProcess = shared }))
        {
            inspector.Count.ShouldBe(1);
        }

        File.Exists(QueuePath).ShouldBeTrue("an inspector never deletes the queue it inspects");
        owner.Push([2]);
        owner.Dispose();

        using var reopened = MappedQueue.Open(QueuePath, 4096);
        reopened.Pop().ShouldBe(new byte[] { 1 });
        reopened.Pop().ShouldBe(new byte[] { 2 });
    }

    [Test]
    public void Dispose_ReadOnlyWithAutoUnlink_LeavesTheFile()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push([1]);
        }

        byte[] before = File.ReadAllBytes(QueuePath);
        using (var inspector = MappedQueue.Open(QueuePath, 4096, new QueueOptions { ReadOnly = true, AutoUnlink = true }))
        {
            inspector.PeekFront().ShouldBe(new byte[] { 1 });
        }

        File.ReadAllBytes(QueuePath).ShouldBe(before);
    }

    [Test]
    public void TryPop_HandlerErasesAGrownQueue_ThrowsInvalidOperationAsInSharedMode([Values] bool shared)
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { MultiProcess = shared });
        for (int i = 0; i < 100; i++)
        {
            queue.Push(Item(i, 300));
        }

        Should.Throw<InvalidOperationException>(() => queue.TryPop(item => { queue.Erase(); return item.Length; }, out _));

        queue.Count.ShouldBe(shared ? 100 : 0, "a shared queue refuses the erase; a single-process one did it, and the pop was not committed");
        queue.Push(Item(7, 10));
        queue.Pop().ShouldBe(shared ? Item(0, 300) : Item(7, 10));
    }

    [Test]
    public void TryPop_HandlerDisposesTheQueue_ThrowsInvalidOperationAndTheItemStays([Values] bool shared)
    {
        var options = new QueueOptions { MultiProcess = shared };
        using (var queue = MappedQueue.Open(QueuePath, 4096, options))
        {
            queue.Push([1]);
            Should.Throw<InvalidOperationException>(() => queue.TryPopAndPurge(item => { queue.Dispose(); return item.Length; }, out _));
        }

        using var reopened = MappedQueue.Open(QueuePath, 4096, options);
        reopened.Pop().ShouldBe(new byte[] { 1 });
    }

    [Test]
    public void Dispose_CalledByAHandlerOfASharedQueue_IsRefusedAndTheQueueStaysOpen()
    {
        var options = new QueueOptions { MultiProcess = true };
        using (var queue = MappedQueue.Open(QueuePath, 4096, options))
        {
            queue.Push([1]);
            queue.Push([2]);
            Exception? refused = null;
            queue.TryPop(item =>
            {
                refused = Should.Throw<InvalidOperationException>(queue.Dispose);
                return item.Length;
            }, out _).ShouldBeTrue();

            refused.ShouldNotBeNull();
            queue.Count.ShouldBe(1);
            queue.Push([3]);
        }

        using var reopened = MappedQueue.Open(QueuePath, 4096, options);
        reopened.Enumerate().ShouldBe([new byte[] { 2 }, new byte[] { 3 }]);
        MappedQueue.Verify(QueuePath).IsIntact.ShouldBeTrue();
    }

    [Test]
    public void TryPeekFrontAndBack_ReaderChangesTheQueue_ThrowInvalidOperationAsInSharedMode([Values] bool shared)
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { MultiProcess = shared });
        for (int i = 0; i < 100; i++)
        {
            queue.Push(Item(i, 300));
        }

        Should.Throw<InvalidOperationException>(() => queue.TryPeekFront(0, (item, _) => queue.Pop()!.Length, out _));
        Should.Throw<InvalidOperationException>(() => queue.TryPeekBack(0, (item, _) => { queue.Push([1]); return 0; }, out _));
        Should.Throw<InvalidOperationException>(() => queue.Peek(0, (ReadOnlySpan<byte> item, ref int seen) => { queue.Erase(); return true; }));
        while (queue.Count < 100)
        {
            queue.Push(Item(1, 300));
        }

        Should.Throw<InvalidOperationException>(() => queue.TryPeekFront(0, (item, _) => { queue.Erase(); return 0; }, out _));
    }

    [Test]
    public void PopWhile_FolderChangesTheQueueAndHalts_ThrowsInvalidOperationAsWhenItAccepts([Values] bool shared)
    {
        using var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { MultiProcess = shared });
        queue.Push([1]);
        queue.Push([2]);
        queue.Push([3]);

        Should.Throw<InvalidOperationException>(() => queue.PopWhile(0, (ReadOnlySpan<byte> item, ref int popped) =>
        {
            if (item[0] == 1)
            {
                return true;
            }

            queue.Push([9]);
            return false;
        }));

        queue.Enumerate().ShouldBe(shared
            ? [new byte[] { 2 }, new byte[] { 3 }]
            : [new byte[] { 2 }, new byte[] { 3 }, new byte[] { 9 }], "the first item was popped; a single-process queue took the push, and the halt popped nothing");
    }

    [Test]
    public void PopWhileAndPeek_FolderDisposesTheQueue_ThrowInvalidOperationAndNothingIsPopped()
    {
        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push([1]);
            Should.Throw<InvalidOperationException>(() => queue.PopWhile(0, (ReadOnlySpan<byte> item, ref int popped) =>
            {
                queue.Dispose();
                return false;
            }));
        }

        using (var queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Count.ShouldBe(1);
            Should.Throw<InvalidOperationException>(() => queue.Peek(0, (ReadOnlySpan<byte> item, ref int seen) =>
            {
                queue.Dispose();
                return true;
            }));
        }

        using var reopened = MappedQueue.Open(QueuePath, 4096);
        reopened.Pop().ShouldBe(new byte[] { 1 });
    }
}
