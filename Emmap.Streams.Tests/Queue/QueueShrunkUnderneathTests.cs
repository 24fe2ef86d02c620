using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using Emmap.Streams.TestHost;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// A queue's file shrunk by another handle of the same process, before a push or a pop or while it runs. The queue owns its
/// file, so this is misuse, but it must still end in a clear exception with nothing done, or in an operation that stands
/// whole: never a push the call reports as failed although the tail word kept it, nor one that reports success for bytes that
/// went with the cut.
/// </summary>
[TestFixture]
public sealed class QueueShrunkUnderneathTests
{
    private const int FileSize = 4096;

    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("q.queue");
    }

    [TearDown]
    public void TearDown()
    {
        CrashPoints.Hook = null;
        _dir.Dispose();
    }

    [Test]
    public void Push_FileShrunkIntoTheRingBeforehand_ThrowsIOExceptionAndWritesNothing()
    {
        using MappedQueue queue = MappedQueue.Open(_path, FileSize);
        queue.Push(QueueItems.Make(1, 64));
        using MappedFileStream other = OpenOther();
        other.SetLength(2048);

        Should.Throw<IOException>(() => queue.Push(QueueItems.Make(2, 64))).Message.ShouldContain("shrunk");

        other.SetLength(FileSize);
        queue.Count.ShouldBe(1);
        ReadTailWord(other).ShouldBe(QueueLayout.RecordSize(64), "the tail word still ends at the first item");
    }

    [Test]
    public void TryPop_FileShrunkIntoTheRingBeforehand_ThrowsIOExceptionAndDeliversNothing()
    {
        using MappedQueue queue = MappedQueue.Open(_path, FileSize);
        queue.Push(QueueItems.Make(1, 64));
        using MappedFileStream other = OpenOther();
        other.SetLength(QueueLayout.HeaderSize);
        var writer = new ArrayBufferWriter<byte>();

        Should.Throw<IOException>(() => queue.TryPop(writer)).Message.ShouldContain("shrunk");

        writer.WrittenCount.ShouldBe(0);
        queue.Count.ShouldBe(1);
    }

    [TestCase(PopForm.Pop)]
    [TestCase(PopForm.PopInto)]
    [TestCase(PopForm.Handler)]
    public void PopsPastTheFirstItem_FileShrunkIntoTheRingBeforehand_ThrowIOExceptionAndLeaveTheItem(PopForm form)
    {
        using MappedQueue queue = MappedQueue.Open(_path, FileSize);
        queue.Push(QueueItems.Make(1, 64));
        queue.Push(QueueItems.Make(2, 64));
        QueueItems.Check(queue.Pop()).ShouldBe(1);
        using MappedFileStream other = OpenOther();
        other.SetLength(QueueLayout.HeaderSize);
        byte[] buffer = new byte[64];
        bool handled = false;

        Action pop = form switch
        {
            PopForm.Pop => () => queue.Pop(),
            PopForm.PopInto => () => queue.PopInto(buffer, out _),
            _ => () => queue.TryPop(item => handled = true, out _),
        };
        Should.Throw<IOException>(pop).Message.ShouldContain("shrunk");

        handled.ShouldBeFalse("no handler sees bytes of a cut range");
        queue.Count.ShouldBe(1);
        ReadHeadWord(other).ShouldBe(QueueLayout.RecordSize(64));
    }

    [Test]
    public void Push_CutThroughItsRecordAfterTheTailWordWasStored_ThrowsAndPutsTheTailWordBack()
    {
        using MappedQueue queue = MappedQueue.Open(_path, FileSize);
        queue.Push(QueueItems.Make(1, 64));
        using MappedFileStream other = OpenOther();
        long tailBefore = ReadTailWord(other);

        // The second record lies at [1024 + 80, 1024 + 160): the cut to 1100 reaches it, and leaves the header.
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PushHeader, () => other.SetLength(1100));
        Should.Throw<IOException>(() => queue.Push(QueueItems.Make(2, 64))).Message.ShouldContain("did not happen");

        queue.Count.ShouldBe(1);
        ReadTailWord(other).ShouldBe(tailBefore, "a push reported as failed must not stay committed in the file");
    }

    [Test]
    public void Push_CutPastItsRecordWhileItRan_Stands()
    {
        using MappedQueue queue = MappedQueue.Open(_path, FileSize);
        queue.Push(QueueItems.Make(1, 64));
        using MappedFileStream other = OpenOther();

        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PushHeader, () => other.SetLength(2048));
        queue.Push(QueueItems.Make(2, 64));

        queue.Count.ShouldBe(2);
        ReadTailWord(other).ShouldBe(2 * QueueLayout.RecordSize(64));
        other.SetLength(FileSize);
        QueueItems.Check(queue.Pop()).ShouldBe(1);
        QueueItems.Check(queue.Pop()).ShouldBe(2);
    }

    [Test]
    public void TryPop_CutBelowItsRecordAfterTheCopyButPastTheHeader_StandsWithTheItem()
    {
        using MappedQueue queue = MappedQueue.Open(_path, FileSize);
        queue.Push(QueueItems.Make(1, 64));
        using MappedFileStream other = OpenOther();
        var writer = new ArrayBufferWriter<byte>();

        // The item was copied and its checksum checked before the cut: what the caller gets is what was pushed.
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PopRead, () => other.SetLength(QueueLayout.HeaderSize));
        queue.TryPop(writer).ShouldBeTrue();

        QueueItems.Check(writer.WrittenSpan).ShouldBe(1);
        queue.Count.ShouldBe(0);
        ReadHeadWord(other).ShouldBe(QueueLayout.RecordSize(64));
    }

    [Test]
    public void TryPop_CutIntoTheHeaderAfterTheCopy_ThrowsIOExceptionAndDeliversNothing()
    {
        using MappedQueue queue = MappedQueue.Open(_path, FileSize);
        queue.Push(QueueItems.Make(1, 64));
        using MappedFileStream other = OpenOther();
        var writer = new ArrayBufferWriter<byte>();

        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PopRead, () => other.SetLength(512));
        Should.Throw<IOException>(() => queue.TryPop(writer));

        writer.WrittenCount.ShouldBe(0);
        queue.Count.ShouldBe(1);
    }

    public enum PopForm
    {
        Pop,
        PopInto,
        Handler,
    }

    private static long ReadTailWord(MappedFileStream stream) => ReadWord(stream, QueueLayout.TailWordOffset);

    private static long ReadHeadWord(MappedFileStream stream) => ReadWord(stream, QueueLayout.HeadWordOffset);

    private static long ReadWord(MappedFileStream stream, int offset)
    {
        Span<byte> word = stackalloc byte[sizeof(long)];
        stream.ReadExactlyAt(offset, word);
        return BinaryPrimitives.ReadInt64LittleEndian(word);
    }

    private MappedFileStream OpenOther() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
}
