using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Emmap.Streams.TestHost;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// A queue's file shrunk by another handle of the same process, before a push, a pop or a peek, or while a push or a pop
/// runs. The queue owns its file, so this is misuse, but it must still end in a clear exception with nothing done, or in an
/// operation that stands whole: never a push the call reports as failed although the tail word kept it, nor one that reports
/// success for bytes that went with the cut, nor a shrink reported as damage.
/// </summary>
[TestFixture]
public sealed class QueueShrunkUnderneathTests
{
    private const int FileSize = 4096;

    private TempDirectory _dir = null!;
    private MappedQueue _queue = null!;
    private MappedFileStream _other = null!;

    /// <summary>A queue of one 64-byte item, and another handle of its file.</summary>
    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        string path = _dir.File("q.queue");
        _queue = MappedQueue.Open(path, FileSize);
        _queue.Push(QueueItems.Make(1, 64));
        _other = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });
    }

    [TearDown]
    public void TearDown()
    {
        CrashPoints.Hook = null;
        _other.Dispose();
        _queue.Dispose();
        _dir.Dispose();
    }

    [Test]
    public void Push_FileShrunkIntoTheRingBeforehand_ThrowsIOExceptionAndWritesNothing()
    {
        _other.SetLength(2048);

        Should.Throw<IOException>(() => _queue.Push(QueueItems.Make(2, 64))).Message.ShouldContain("shrunk");

        _other.SetLength(FileSize);
        _queue.Count.ShouldBe(1);
        ReadTailWord(_other).ShouldBe(QueueLayout.RecordSize(64), "the tail word still ends at the first item");
    }

    [Test]
    public void Push_ThatMustGrowTheFile_FileShrunkIntoTheRingBeforehand_ThrowsIOExceptionAndDoesNotGrowIt()
    {
        // 38 records of 80 bytes fill 3,040 of the ring's 3,072 bytes: the next push grows the file.
        for (int i = 2; i <= 38; i++)
        {
            _queue.Push(QueueItems.Make(i, 64));
        }

        _other.SetLength(2048);

        Should.Throw<IOException>(() => _queue.Push(QueueItems.Make(39, 64))).Message.ShouldContain("shrunk");

        _other.Length.ShouldBe(2048);
        _queue.Count.ShouldBe(38);
        _queue.GetMetadata().FileSize.ShouldBe(FileSize);
    }

    [Test]
    public void TryPop_FileShrunkIntoTheRingBeforehand_ThrowsIOExceptionAndDeliversNothing()
    {
        _other.SetLength(QueueLayout.HeaderSize);
        var writer = new ArrayBufferWriter<byte>();

        Should.Throw<IOException>(() => _queue.TryPop(writer)).Message.ShouldContain("shrunk");

        writer.WrittenCount.ShouldBe(0);
        _queue.Count.ShouldBe(1);
    }

    [TestCase(PopForm.Pop)]
    [TestCase(PopForm.PopInto)]
    [TestCase(PopForm.Handler)]
    public void PopsPastTheFirstItem_FileShrunkIntoTheRingBeforehand_ThrowIOExceptionAndLeaveTheItem(PopForm form)
    {
        _queue.Push(QueueItems.Make(2, 64));
        QueueItems.Check(_queue.Pop()).ShouldBe(1);
        _other.SetLength(QueueLayout.HeaderSize);
        byte[] buffer = new byte[64];
        bool handled = false;

        Action pop = form switch
        {
            PopForm.Pop => () => _queue.Pop(),
            PopForm.PopInto => () => _queue.PopInto(buffer, out _),
            _ => () => _queue.TryPop(item => handled = true, out _),
        };
        Should.Throw<IOException>(pop).Message.ShouldContain("shrunk");

        handled.ShouldBeFalse("no handler sees bytes of a cut range");
        _queue.Count.ShouldBe(1);
        ReadHeadWord(_other).ShouldBe(QueueLayout.RecordSize(64));
    }

    [TestCase(PeekForm.PeekFront)]
    [TestCase(PeekForm.PeekBack)]
    [TestCase(PeekForm.Enumerate)]
    public void Peeks_FileShrunkIntoTheRingBeforehand_ThrowIOExceptionSayingSoAndNotDamage(PeekForm form)
    {
        _queue.Push(QueueItems.Make(2, 64));
        _other.SetLength(QueueLayout.HeaderSize);

        Action peek = form switch
        {
            PeekForm.PeekFront => () => _queue.PeekFront(),
            PeekForm.PeekBack => () => _queue.PeekBack(),
            _ => () => _ = _queue.Enumerate().ToList(),
        };
        Should.Throw<IOException>(peek).Message.ShouldContain("shrunk");

        _queue.Count.ShouldBe(2);
    }

    [Test]
    public void Push_CutThroughItsRecordAfterTheTailWordWasStored_ThrowsAndPutsTheTailWordBack()
    {
        long tailBefore = ReadTailWord(_other);

        // The second record lies at [1024 + 80, 1024 + 160): the cut to 1100 reaches it, and leaves the header.
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PushHeader, () => _other.SetLength(1100));
        Should.Throw<IOException>(() => _queue.Push(QueueItems.Make(2, 64))).Message.ShouldContain("did not happen");

        _queue.Count.ShouldBe(1);
        ReadTailWord(_other).ShouldBe(tailBefore, "a push reported as failed must not stay committed in the file");
    }

    [Test]
    public void Push_CutPastItsRecordWhileItRan_Stands()
    {
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PushHeader, () => _other.SetLength(2048));
        _queue.Push(QueueItems.Make(2, 64));

        _queue.Count.ShouldBe(2);
        ReadTailWord(_other).ShouldBe(2 * QueueLayout.RecordSize(64));
        _other.SetLength(FileSize);
        QueueItems.Check(_queue.Pop()).ShouldBe(1);
        QueueItems.Check(_queue.Pop()).ShouldBe(2);
    }

    [Test]
    public void TryPop_CutBelowItsRecordAfterTheCopyButPastTheHeader_StandsWithTheItem()
    {
        var writer = new ArrayBufferWriter<byte>();

        // The item was copied and its checksum checked before the cut: what the caller gets is what was pushed.
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PopRead, () => _other.SetLength(QueueLayout.HeaderSize));
        _queue.TryPop(writer).ShouldBeTrue();

        QueueItems.Check(writer.WrittenSpan).ShouldBe(1);
        _queue.Count.ShouldBe(0);
        ReadHeadWord(_other).ShouldBe(QueueLayout.RecordSize(64));
    }

    [Test]
    public void TryPop_CutIntoTheHeaderAfterTheCopy_ThrowsIOExceptionAndDeliversNothing()
    {
        var writer = new ArrayBufferWriter<byte>();

        QueueCrashPointSwitch.RunOnceAt(CrashPoints.PopRead, () => _other.SetLength(512));
        Should.Throw<IOException>(() => _queue.TryPop(writer));

        writer.WrittenCount.ShouldBe(0);
        _queue.Count.ShouldBe(1);
    }

    public enum PeekForm
    {
        PeekFront,
        PeekBack,
        Enumerate,
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
}
