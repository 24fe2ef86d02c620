using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Emmap.Streams.Diagnostics;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Queue;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// The mapped-access guarantees as a user sees them through the public calls: a call that throws has changed nothing and
/// holds nothing, a view taken before a shrink reads zeros over the cut range once the file grows back, and an open of a
/// path that is not a plain file neither spins nor blocks.
/// </summary>
[TestFixture]
public sealed class AccessProtocolIssueTests
{
    private const int Page = 4096;
    private const byte Data = 0x5A;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("issue.bin");
        File.WriteAllBytes(_path, Enumerable.Repeat(Data, 2 * Page).ToArray());
    }

    [TearDown]
    public void TearDown()
    {
        CrashPoints.Hook = null;
        _directory.Dispose();
    }

    [Test]
    public void ViewCreation_Refused_HoldsNoPinAndLeavesNothingMappedAfterTheClose()
    {
        var stream = OpenWritable();
        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadDirect(-1, 8));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadDirect(0, -1));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadSequence(-1, 8));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadSequence(0, -1));
        stream.LiveViewCount.ShouldBe(0);

        stream.Dispose();
        Should.Throw<ObjectDisposedException>(() => stream.ReadDirect(0, 8));
        Should.Throw<ObjectDisposedException>(() => stream.ReadSequence(0, 8));
        MappedFileMetrics.CountLiveViews().ShouldBe(0);
        ProcessMaps.Maps(_path).ShouldBeFalse("a refused view took no reference on the mapping");
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    [Test]
    public void PipeReader_ReadRacingTheStreamsDispose_LeavesNoPinOrMappingOnceCompleted()
    {
        for (int round = 0; round < 300; round++)
        {
            var stream = OpenWritable();
            System.IO.Pipelines.PipeReader reader = stream.AsPipeReader();
            using var start = new System.Threading.Barrier(2);
            Task racer = Task.Run(async () =>
            {
                start.SignalAndWait();
                try
                {
                    System.IO.Pipelines.ReadResult result = await reader.ReadAsync();
                    result.Buffer.Length.ShouldBe(2 * Page);
                    result.Buffer.FirstSpan[0].ShouldBe(Data);
                    reader.AdvanceTo(result.Buffer.End);
                }
                catch (ObjectDisposedException)
                {
                    // Lost the race: the read took nothing.
                }
                finally
                {
                    await reader.CompleteAsync();
                }
            });
            start.SignalAndWait();
            stream.Dispose();
            racer.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue();
        }

        MappedFileMetrics.CountLiveViews().ShouldBe(0);
        ProcessMaps.Maps(_path).ShouldBeFalse("every stream is disposed and every reader completed: nothing may stay mapped");
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    [Test]
    public void ViewTakenBeforeAShrink_AfterTheFileGrowsBack_ReadsZerosOverTheCutRangeAsEveryHandleDoes()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        using IMemoryOwner<byte> view = stream.ReadDirect(0, 2 * Page);
        using MappedSequenceOwner sequence = other.ReadSequence(Page, Page);

        other.SetLength(Page + 100);
        other.SetLength(2 * Page);

        view.Memory.Span[..(Page + 100)].ToArray().ShouldAllBe(b => b == Data, "bytes below the cut are still the data");
        view.Memory.Span[(Page + 100)..].ToArray().ShouldAllBe(b => b == 0, "the cut bytes never come back through a view");
        byte[] tail = sequence.Sequence.ToArray();
        tail[..100].ShouldAllBe(b => b == Data);
        tail[100..].ShouldAllBe(b => b == 0);
        byte[] read = new byte[Page - 100];
        stream.ReadExactlyAt(Page + 100, read);
        read.ShouldAllBe(b => b == 0);
        other.ReadExactlyAt(Page + 100, read);
        read.ShouldAllBe(b => b == 0);
    }

    [Test]
    public void ViewTakenBeforeTheMappingMoved_AfterAShrinkAndARegrowth_AliasesTheFileAgain()
    {
        using (var stream = OpenWritable())
        {
            using IMemoryOwner<byte> view = stream.ReadDirect(0, 2 * Page);
            using MappedSequenceOwner sequence = stream.ReadSequence(Page, Page);

            // Past the address range reserved at the open (1 GiB): the stream maps the file again in a larger one, and the
            // views keep the old one.
            stream.SetLength((1L << 30) + Page);
            stream.SetLength(100);
            view.Memory.Span[Page + 30] = 0x99;
            stream.SetLength(2 * Page);

            view.Memory.Span[..100].ToArray().ShouldAllBe(b => b == Data, "bytes below the cut are still the data");
            view.Memory.Span[100..].ToArray().ShouldAllBe(b => b == 0, "neither the cut bytes nor a store into the cut range come back");
            stream.WriteAt(Page + 10, [0x11]);
            view.Memory.Span[Page + 10].ShouldBe((byte)0x11, "a write through the stream shows through the view");
            sequence.Sequence.Slice(10, 1).FirstSpan[0].ShouldBe((byte)0x11);
            view.Memory.Span[Page + 20] = 0x22;
            byte[] read = new byte[1];
            stream.ReadExactlyAt(Page + 20, read);
            read[0].ShouldBe((byte)0x22, "a write through the view reaches the file");
        }

        byte[] file = File.ReadAllBytes(_path);
        file.Length.ShouldBe(2 * Page);
        file[Page + 10].ShouldBe((byte)0x11);
        file[Page + 20].ShouldBe((byte)0x22);
        file[Page + 30].ShouldBe((byte)0);
    }

    [Test]
    public void AtomicCompareExchange_CellCutWhileTheOperationRan_ThrowsAndTheRegrownCellWasNeverStored()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        stream.AtomicWrite(Page, 7);
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () => other.SetLength(Page));

        Should.Throw<ArgumentOutOfRangeException>(() => stream.AtomicCompareExchange(Page, 99, 7));

        other.SetLength(2 * Page);
        stream.AtomicRead(Page).ShouldBe(0, "the exchange that threw left nothing behind");
        stream.AtomicCompareExchange(Page, 99, 0).ShouldBe(0);
        stream.AtomicRead(Page).ShouldBe(99);
    }

    [TestCase("add", 1L, 0L, 42L)]
    [TestCase("compare-exchange", 100L, 41L, 100L)]
    [TestCase("exchange", 100L, 0L, 100L)]
    [TestCase("xor", 0xFFL, 0L, 41L ^ 0xFF)]
    [TestCase("or", 0x100L, 0L, 41L | 0x100)]
    public void AtomicUpdate_CutInsideTheCellAndRegrownWhileItRan_HappensOnce(string op, long value, long comparand, long expected)
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        stream.AtomicWrite(Page, 41);

        // The cut begins inside the cell: it zeroes the cell's high bytes (zeros already) and spares the low ones, which hold
        // the update. The update came before the cut and stands; done again, it would apply twice.
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () =>
        {
            other.SetLength(Page + 4);
            other.SetLength(2 * Page);
        });

        long old = op switch
        {
            "add" => stream.AtomicAdd(Page, value),
            "compare-exchange" => stream.AtomicCompareExchange(Page, value, comparand),
            "exchange" => stream.AtomicExchange(Page, value),
            "xor" => stream.AtomicXor(Page, value),
            _ => stream.AtomicOr(Page, value),
        };

        old.ShouldBe(41);
        stream.AtomicRead(Page).ShouldBe(expected);
    }

    [Test]
    public void AtomicAdd_CutInsideTheCellWhileItRanAndNotRegrown_ThrowsWithNothingChangedIfTheCellHeldWhatItStored()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        stream.AtomicWrite(Page, 41);
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () => other.SetLength(Page + 4));

        Should.Throw<ArgumentOutOfRangeException>(() => stream.AtomicAdd(Page, 1));

        other.SetLength(2 * Page);
        stream.AtomicRead(Page).ShouldBe(41, "the bytes the cut spared got back what they held");
    }

    [Test]
    public void AtomicAdd_CutInsideTheCellAfterItStoredHighBytes_StandsAsAnUpdateMadeBeforeTheCut()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        stream.AtomicWrite(Page, 41);

        // The update sets a high byte, which the cut then zeroes: the cell no longer holds what the update stored, so the
        // update came before the cut. It stands and returns; the bytes the cut spared keep its low half.
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () => other.SetLength(Page + 4));

        stream.AtomicAdd(Page, 1L << 40).ShouldBe(41);

        other.SetLength(2 * Page);
        stream.AtomicRead(Page).ShouldBe(41, "the update's low half is 41, and the cut zeroed its high half");
    }

    [Test]
    public void AtomicWrite_CellCutAndRegrownWhileTheOperationRan_StoresTheValueInTheNewCell()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () =>
        {
            other.SetLength(Page);
            other.SetLength(2 * Page);
        });

        stream.AtomicWrite(Page + 8, 1234);

        stream.AtomicRead(Page + 8).ShouldBe(1234, "a write that returned is in the file, even when a cut raced it");
        other.AtomicRead(Page + 8).ShouldBe(1234);
        other.AtomicRead(Page).ShouldBe(0);
    }

    [Test]
    public void CounterIncrement_CellCutWhileItRan_ThrowsAndCountsNothing()
    {
        string path = _directory.File("counters.bin");
        using var counters = MappedCounters.Open(path, 4);
        counters.Increment(3, 5);
        using var other = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });
        long full = other.Length;
        QueueCrashPointSwitch.RunOnceAt(CrashPoints.AtomicApplied, () => other.SetLength(full - 8));

        Should.Throw<ArgumentOutOfRangeException>(() => counters.Increment(3));

        other.SetLength(full);
        counters.Read(3).ShouldBe(0, "the counter's cell was cut; the increment that threw did not survive in it");
        counters.Increment(3).ShouldBe(0);
        counters.Read(3).ShouldBe(1);
    }

    [Test]
    public void Open_DanglingSymbolicLink_OpenThrowsFileNotFoundAndOpenOrCreateMakesTheTarget()
    {
        if (TestPlatform.IsWine)
        {
            Assert.Ignore("Wine makes a Unix symbolic link, which its own file functions do not see while it dangles.");
        }

        string target = _directory.File("target.bin");
        string link = _directory.File("link.bin");
        File.CreateSymbolicLink(link, target);

        Task<Exception?> open = Task.Run(() => Thrown.By(() => MappedFileStream.Open(link, new MapOptions { Mode = FileMode.Open }).Dispose()));
        open.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue("an open of a dangling link must not spin");
        open.Result.ShouldBeOfType<FileNotFoundException>();
        File.Exists(target).ShouldBeFalse();

        Task<long> create = Task.Run(() =>
        {
            using var stream = MappedFileStream.Open(
                link, new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 64 });
            stream.WriteAt(0, "x"u8);
            return stream.Length;
        });
        create.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue("OpenOrCreate on a dangling link must not spin");
        create.Result.ShouldBe(64);
        File.ReadAllBytes(target)[0].ShouldBe((byte)'x', "as FileStream, the open creates the link's target");
        new FileInfo(link).LinkTarget.ShouldBe(target);
    }

    [Test]
    public void Open_CountersAndQueueThroughADanglingLink_NeitherSpinsNorBlocks()
    {
        if (TestPlatform.IsWine)
        {
            Assert.Ignore("Wine makes a Unix symbolic link, which its own file functions do not see while it dangles.");
        }

        string counterLink = _directory.File("counters-link");
        string queueLink = _directory.File("queue-link");
        File.CreateSymbolicLink(counterLink, _directory.File("counters-target"));
        File.CreateSymbolicLink(queueLink, _directory.File("queue-target"));

        Task<Exception?> counters = Task.Run(() => Thrown.By(() => MappedCounters.Open(counterLink, 2).Dispose()));
        Task<Exception?> queue = Task.Run(() => Thrown.By(() => MappedQueue.Open(queueLink, 64 * 1024).Dispose()));
        counters.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue("counters through a dangling link must not spin");
        queue.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue("a queue through a dangling link must not spin");
        counters.Result.ShouldBeOfType<IOException>().Message.ShouldContain("dangling symbolic link");
        queue.Result.ShouldBeOfType<FileNotFoundException>();
        File.Exists(_directory.File("counters-target")).ShouldBeFalse();
        File.Exists(_directory.File("queue-target")).ShouldBeFalse();
        new FileInfo(counterLink).LinkTarget.ShouldBe(_directory.File("counters-target"), "the link is left as it was");
        new FileInfo(queueLink).LinkTarget.ShouldBe(_directory.File("queue-target"));
    }

    [Test]
    [LinuxOnly("makes a FIFO with mkfifo")]
    public void Open_CountersAndQueueOnAFifo_ThrowAtOnceWithoutBlocking()
    {
        string fifo = NamedPipe.Make(_directory.File("fifo"));

        Task<Exception?> counters = Task.Run(() => Thrown.By(() => MappedCounters.Open(fifo, 0, new MappedCountersOptions { Access = FileAccess.Read }).Dispose()));
        counters.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue("opening counters on a FIFO must not block");
        counters.Result.ShouldBeOfType<NotSupportedException>();

        foreach (bool readOnly in new[] { true, false })
        {
            Task<Exception?> queue = Task.Run(() => Thrown.By(() => MappedQueue.Open(fifo, 4096, new QueueOptions { ReadOnly = readOnly }).Dispose()));
            queue.Wait(TimeSpan.FromSeconds(10)).ShouldBeTrue("opening a queue on a FIFO must not block");
            queue.Result.ShouldBeOfType<NotSupportedException>().Message.ShouldContain("not a regular file");
        }
    }

    private MappedFileStream OpenWritable() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
}
