using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Spec;

/// <summary>
/// Single statements of emmap 2.1.3's behaviour (emmap-spec.md) that no other fixture pins: each test names the section
/// it checks, and either reproduces emmap's behaviour or the difference docs/emmap-mapping.md records.
/// </summary>
[TestFixture]
public sealed class EmmapBehaviourTests
{
    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("spec.data");
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private static MapOptions Writable(long size = 0) =>
        new() { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = size };

    private MappedFileStream WithContent(byte[] content, MapOptions? options = null)
    {
        File.WriteAllBytes(_path, content);
        return MappedFileStream.Open(_path, options ?? new MapOptions { Access = FileAccess.ReadWrite });
    }

    // §1.4: "file exists but is empty (size 0), Length L > 0 | file stretched to L (needs write), exist=>true" (open/4).
    [Test]
    public void OpenWindow_ExistingEmptyFileWritable_IsStretchedToTheWindowEndAndReportsExisted()
    {
        File.WriteAllBytes(_path, []);

        using (MappedFileStream stream = MappedFileStream.Open(_path, 0, 64, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            stream.Existed.ShouldBeTrue();
            stream.Length.ShouldBe(64);
        }

        File.ReadAllBytes(_path).ShouldBe(new byte[64]);
    }

    // §1.4 with a read-only window on an empty file: emmap fails (ftruncate on an O_RDONLY descriptor); here the window reaches
    // past the end, an IOException that writes nothing and does not send the caller to Fit, which needs write access.
    [Test]
    public void OpenWindow_ExistingEmptyFileReadOnly_ThrowsIOExceptionWithoutSuggestingFit()
    {
        File.WriteAllBytes(_path, []);

        string message = Should.Throw<IOException>(() => MappedFileStream.Open(_path, 0, 64)).Message;

        message.ShouldContain("read-only");
        message.ShouldNotContain("Fit");
        new FileInfo(_path).Length.ShouldBe(0);
        Should.Throw<NotSupportedException>(() => MappedFileStream.Open(_path, 0, 64, new MapOptions { Fit = true }));
    }

    // §2.1: "If Pos + Len > size, Len is clipped to size - Pos [verified: pread(M,10,100) on 16 bytes → 6 bytes]."
    [Test]
    public void ReadAt_RangeCrossingTheEnd_IsClippedToTheEnd([Values] bool direct)
    {
        byte[] content = Enumerable.Range(0, 16).Select(i => (byte)('a' + i)).ToArray();
        using MappedFileStream stream = WithContent(content, new MapOptions { Direct = direct });

        byte[] buffer = new byte[100];
        stream.ReadAt(10, buffer).ShouldBe(6);
        buffer[..6].ShouldBe(content[10..]);
        buffer[6..].ShouldAllBe(b => b == 0);

        using IMemoryOwner<byte> owner = stream.ReadAt(10, 100);
        owner.Memory.ToArray().ShouldBe(content[10..]);
    }

    // §2.1: "Len = 0 → {ok, <<>>}" (also at the end, where emmap raises badarg and .NET returns 0, as recorded in "Reading").
    [Test]
    public void ReadAt_NothingOrAtTheEnd_ReturnsZeroBytes()
    {
        using MappedFileStream stream = WithContent("0123456789abcdef"u8.ToArray());

        stream.ReadAt(3, Span<byte>.Empty).ShouldBe(0);
        stream.ReadAt(16, new byte[4]).ShouldBe(0);
        using IMemoryOwner<byte> empty = stream.ReadAt(3, 0);
        empty.Memory.Length.ShouldBe(0);
        using IMemoryOwner<byte> atEnd = stream.ReadAt(16, 4);
        atEnd.Memory.Length.ShouldBe(0);
    }

    // §2.2: "writing a 0-byte binary at Pos == size is ok [verified]"; "Does not change position".
    [Test]
    public void WriteAt_EmptyAtTheEnd_WritesNothingAndLeavesLengthAndPosition()
    {
        using MappedFileStream stream = WithContent("abcd"u8.ToArray());
        stream.Position = 1;

        stream.WriteAt(4, ReadOnlySpan<byte>.Empty);
        stream.WriteAt(2, "xy"u8);

        stream.Length.ShouldBe(4);
        stream.Position.ShouldBe(1);
        stream.Dispose();
        File.ReadAllBytes(_path).ShouldBe("abxy"u8.ToArray());
    }

    // §2.3: "If position == size → eof. Otherwise returns min(Len, size - position) bytes and advances position."
    [Test]
    public void Read_MoreThanIsLeft_ReturnsTheRestThenZeroAtTheEnd()
    {
        using MappedFileStream stream = WithContent("abcdef"u8.ToArray());
        stream.Position = 4;

        byte[] buffer = new byte[10];
        stream.Read(buffer).ShouldBe(2);
        buffer[..2].ShouldBe("ef"u8.ToArray());
        stream.Position.ShouldBe(6);
        stream.Read(buffer).ShouldBe(0);
        stream.Position.ShouldBe(6);
    }

    // §2.3 bug: "If the map was shrunk below position, returns {error, enomem} and moves position to size." The mapping
    // records the fix: Read returns 0 and leaves Position alone.
    [Test]
    public void Read_AfterAnotherHandleShrankBelowThePosition_ReturnsZeroAndKeepsThePosition([Values] bool readOnly)
    {
        using MappedFileStream reader = WithContent(
            Enumerable.Repeat((byte)7, 64).ToArray(),
            new MapOptions { Access = readOnly ? FileAccess.Read : FileAccess.ReadWrite });
        using MappedFileStream shrinker = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        reader.Position = 40;

        shrinker.SetLength(16);

        reader.Read(new byte[8]).ShouldBe(0);
        reader.Position.ShouldBe(40);
        reader.Length.ShouldBe(16);
    }

    // §2.4: "not found: the rest of the mapping up to size is returned without adding \n (including any zero bytes that pad
    // the file) [verified: <<"x",0,0>>]; position = size."
    [Test]
    public void ReadLine_NoNewlineBeforeZeroPadding_ReturnsTheRestWithThePadding()
    {
        using MappedFileStream stream = MappedFileStream.Open(_path, Writable(size: 3));
        stream.WriteAt(0, "x"u8);

        stream.ReadLine().ShouldBe(new byte[] { (byte)'x', 0, 0 });
        stream.Position.ShouldBe(3);
        stream.ReadLine().ShouldBeNull();
    }

    // §2.5: bof N → N; cur N → position + N; "== size allowed"; emmap's {eof, 2} (size - 2) is Seek(-2, End), as recorded.
    [Test]
    public void Seek_EachOrigin_GivesEmmapsPositionsWithDotNetsEndSign()
    {
        using MappedFileStream stream = WithContent(new byte[16]);

        stream.Seek(5, SeekOrigin.Begin).ShouldBe(5);
        stream.Seek(3, SeekOrigin.Current).ShouldBe(8);
        stream.Seek(0, SeekOrigin.Current).ShouldBe(8);
        stream.Seek(-2, SeekOrigin.End).ShouldBe(14);
        stream.Seek(0, SeekOrigin.End).ShouldBe(16);
        stream.Position.ShouldBe(16);
        Should.Throw<IOException>(() => stream.Seek(-17, SeekOrigin.End));
        stream.Position.ShouldBe(16);
    }

    // §2.7: "Same size: no-op, {ok, size}" (also with fixed_size, whose check comes first in emmap).
    [Test]
    public void Resize_ToTheCurrentLength_ReturnsItAndChangesNothing([Values] bool fixedSize)
    {
        byte[] content = "0123456789"u8.ToArray();
        File.WriteAllBytes(_path, content);
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, FixedSize = fixedSize });

        stream.Resize(10).ShouldBe(10);
        stream.SetLength(10);

        stream.Length.ShouldBe(10);
        stream.Dispose();
        File.ReadAllBytes(_path).ShouldBe(content);
    }

    // §2.7: "resize/1 = resize(File, 0)" and "NewSize == 0 means automatic": Resize(0) grows, it does not empty the stream
    // (SetLength(0) does that).
    [Test]
    public void Resize_Zero_IsAutomaticGrowthWhileSetLengthZeroEmpties()
    {
        using MappedFileStream stream = MappedFileStream.Open(_path, Writable(size: 16));

        stream.Resize(0).ShouldBe(32);
        stream.Length.ShouldBe(32);

        stream.SetLength(0);
        stream.Length.ShouldBe(0);
        SizeOnDisk.ShouldBeWhileMapped(_path, 0);
    }

    // §4.1: "if auto_unlink, unlink(path) immediately [...]; the path is forgotten so it happens once. Closing twice → ok."
    [Test]
    public void Dispose_AutoUnlinkTwice_DeletesTheFileOnlyAtTheFirst()
    {
        var stream = MappedFileStream.Open(_path, new MapOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Size = 8,
            AutoUnlink = true,
        });

        stream.Dispose();
        File.Exists(_path).ShouldBeFalse();

        File.WriteAllBytes(_path, "newcomer"u8.ToArray());
        stream.Dispose();

        File.ReadAllBytes(_path).ShouldBe("newcomer"u8.ToArray());
    }

    // §4.1: "If a handle is never closed, the resource destructor unmaps (and auto-unlinks) on GC."
    [Test]
    public void AutoUnlink_StreamNeverDisposed_DeletesTheFileWhenFinalized([Values] bool writable)
    {
        File.WriteAllBytes(_path, "abandoned"u8.ToArray());

        OpenAndAbandon(_path, writable);
        for (int i = 0; i < 3 && File.Exists(_path); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        File.Exists(_path).ShouldBeFalse();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OpenAndAbandon(string path, bool writable)
    {
        var stream = MappedFileStream.Open(path, new MapOptions
        {
            Access = writable ? FileAccess.ReadWrite : FileAccess.Read,
            AutoUnlink = true,
        });
        stream.ReadByte().ShouldBe('a');
    }

    // §4.1 applied to emmap_queue: a queue handle that is never closed is auto-unlinked by emmap's resource destructor. Here
    // QueueOptions.AutoUnlink acts in Dispose only (recorded in the mapping): an abandoned queue keeps its file and its items.
    [Test]
    public void QueueAutoUnlink_QueueNeverDisposed_KeepsTheFileAndItsItems()
    {
        string file = _dir.File("abandoned.bin");

        PushAndAbandon(file);
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        File.Exists(file).ShouldBeTrue();
        using MappedQueue reopened = MappedQueue.Open(file, 4096, new QueueOptions { AutoUnlink = true });
        reopened.Pop().ShouldBe("left"u8.ToArray());
        reopened.Dispose();
        File.Exists(file).ShouldBeFalse();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PushAndAbandon(string file)
    {
        MappedQueue queue = MappedQueue.Open(file, 4096, new QueueOptions { AutoUnlink = true });
        queue.Push("left"u8);
    }

    // §1.2 {chmod, Mode}, default 8#600, which emmap_queue:open/3 passes through to emmap:open: a new queue file gets 0600, or
    // the mode given.
    [Test]
    [LinuxOnly("checks Unix permission bits (QueueOptions.UnixCreateMode)")]
    public void QueueOpen_NewFile_GetsOwnerOnlyPermissionsOrTheModeGiven()
    {
        string plain = _dir.File("plain.bin");
        string shared = _dir.File("shared.bin");
        var groupReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

        MappedQueue.Open(plain, 4096).Dispose();
        MappedQueue.Open(shared, 4096, new QueueOptions { UnixCreateMode = groupReadable }).Dispose();

        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(plain).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(shared).ShouldBe(groupReadable);
        }
    }

    // §4.3: "each successful open leaks one fd for the life of the OS process [verified: 50 open/close cycles → +50 fds]";
    // §11 issue #9: failed opens leaked one each too. Here neither leaves a descriptor behind.
    [Test]
    [LinuxOnly("counts descriptors in /proc/self/fd")]
    public void OpenAndDispose_ManyCyclesAndFailedOpens_LeaveNoDescriptor()
    {
        File.WriteAllBytes(_path, new byte[64]);
        for (int i = 0; i < 50; i++)
        {
            using (var writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
            {
                writer.WriteByte((byte)i);
            }

            using (var reader = MappedFileStream.Open(_path))
            {
                reader.ReadByte().ShouldBe(i);
            }
        }

        Should.Throw<IOException>(() => MappedFileStream.Open(_path, 32, 64, new MapOptions { Access = FileAccess.ReadWrite }));
        Should.Throw<IOException>(() => MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite }));
        Should.Throw<NotSupportedException>(() => MappedFileStream.Open(_path, new MapOptions { Fit = true, Size = 128 }));
        Should.Throw<InvalidDataException>(() => MappedCounters.Open(_path, 1));

        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    // §6.3 step 2: emmap reopens an existing queue only with Size equal to the file size (else "File ... has different
    // size"); here an existing queue opens as it is, whatever initialSize, and keeps the initial size it was created with.
    [Test]
    public void QueueOpen_ExistingQueueWithAnotherInitialSize_OpensItAsItIs()
    {
        string file = _dir.File("queue.bin");
        using (MappedQueue created = MappedQueue.Open(file, 8192))
        {
            created.Push("kept"u8);
        }

        using MappedQueue reopened = MappedQueue.Open(file, 4096);

        reopened.Count.ShouldBe(1);
        reopened.PeekFront().ShouldBe("kept"u8.ToArray());
        QueueMetadata metadata = reopened.GetMetadata();
        metadata.FileSize.ShouldBe(8192);
        metadata.InitialSize.ShouldBe(8192);
    }

    // §6.4: "pop(Q, Acc0, Fun/2) [...] on {halt, A} the current element is not popped and A is returned."
    [Test]
    public void PopWhile_FolderHalts_ReturnsTheAccumulatorOfTheHaltingCallAndKeepsThatItem()
    {
        using MappedQueue queue = MappedQueue.Open(_dir.File("fold.bin"), 4096);
        foreach (byte item in new byte[] { 1, 2, 3 })
        {
            queue.Push([item]);
        }

        int result = queue.PopWhile(0, (ReadOnlySpan<byte> item, ref int acc) =>
        {
            acc = (acc * 10) + item[0];
            return item[0] != 2;
        });

        result.ShouldBe(12);
        queue.Count.ShouldBe(2);
        queue.PeekFront().ShouldBe(new byte[] { 2 });
    }

    // §6.4: "peek(Q, Acc0, Fun/2): iterates head→tail; Fun(Term, Acc) must return {cont, Acc1} or {halt, Acc1}; returns the
    // final Acc. No modification." rpeek: the same, tail→head.
    [Test]
    public void PeekAndPeekReverse_FolderHalts_ReturnTheAccumulatorOfTheHaltingCallAndChangeNothing()
    {
        using MappedQueue queue = MappedQueue.Open(_dir.File("peek.bin"), 4096);
        foreach (byte item in new byte[] { 1, 2, 3 })
        {
            queue.Push([item]);
        }

        queue.Peek(0, (ReadOnlySpan<byte> item, ref int acc) =>
        {
            acc = (acc * 10) + item[0];
            return item[0] != 2;
        }).ShouldBe(12);
        queue.PeekReverse(0, (ReadOnlySpan<byte> item, ref int acc) =>
        {
            acc = (acc * 10) + item[0];
            return item[0] != 2;
        }).ShouldBe(32);

        queue.Count.ShouldBe(3);
        queue.PeekFront().ShouldBe(new byte[] { 1 });
    }

    // §6.5: "dequeue(Name) -> Term | nil (uses pop_and_purge)"; "try_dequeue(Name, Fun/1) [...] via try_pop_and_purge": each
    // form of the thread-safe dequeue that drains a grown queue gives the space back.
    [Test]
    public void ConcurrentTryDequeue_EachFormDrainingAGrownQueue_PurgesIt([Values(0, 1, 2)] int form)
    {
        using var queue = ConcurrentMappedQueue.Open(_dir.File("gen.bin"), 4096);
        byte[] blob = new byte[1000];
        for (int i = 0; i < 4; i++)
        {
            queue.Enqueue(blob);
        }

        queue.Info().FileSize.ShouldBe(8192);

        int popped = 0;
        bool more = true;
        while (more)
        {
            more = form switch
            {
                0 => queue.TryDequeue(out byte[]? _),
                1 => queue.TryDequeue(new ArrayBufferWriter<byte>()),
                _ => queue.TryDequeue(static bytes => bytes.Length, out int _),
            };
            popped += more ? 1 : 0;
        }

        popped.ShouldBe(4);
        QueueMetadata drained = queue.Info();
        (drained.Count, drained.FileSize).ShouldBe((0L, 4096L));
    }
}
