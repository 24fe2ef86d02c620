using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Counters;

[TestFixture]
public sealed class MappedCountersExtensionsTests
{
    private static readonly byte[] s_magic = "EMMAP01\n"u8.ToArray();

    private TempDirectory _dir = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _path = _dir.File("block.bin");
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void AsCounters_BlankStreamOfTheRightSize_FormatsEmmapHeader()
    {
        using MappedFileStream stream = CreateStream(MappedCounters.GetFileSize(3));

        using MappedCounters counters = stream.AsCounters(3, leaveOpen: true);

        counters.Count.ShouldBe(3);
        counters.Increment(2, 9).ShouldBe(0);
        byte[] bytes = SharedFile.ReadAllBytes(_path);
        bytes[..8].ShouldBe(s_magic);
        BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)).ShouldBe(3);
        BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(32)).ShouldBe(9);
    }

    [Test]
    public void AsCounters_FormattedStream_OpensWithMappedCountersOpen()
    {
        using (MappedCounters counters = CreateStream(MappedCounters.GetFileSize(2)).AsCounters(2))
        {
            counters.Set(1, 21);
        }

        using var reopened = MappedCounters.Open(_path, 0);

        reopened.Count.ShouldBe(2);
        reopened.Read(1).ShouldBe(21);
    }

    [Test]
    public void AsCounters_CounterFile_OpensWithItsCount()
    {
        using (var counters = MappedCounters.Open(_path, 4))
        {
            counters.Set(3, -8);
        }

        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using MappedCounters view = stream.AsCounters(0);

        view.Count.ShouldBe(4);
        view.Read(3).ShouldBe(-8);
        view.Path.ShouldBe(_path);
    }

    [Test]
    public void AsCounters_DifferentCount_ThrowsArgumentExceptionAndLeavesStreamOpen()
    {
        using (MappedCounters.Open(_path, 2))
        {
        }

        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });

        Should.Throw<ArgumentException>(() => stream.AsCounters(3)).ParamName.ShouldBe("count");
        stream.CanRead.ShouldBeTrue();
    }

    [Test]
    public void AsCounters_BlankStreamWithCountZero_ThrowsInvalidDataAndWritesNothing()
    {
        using MappedFileStream stream = CreateStream(32);

        Should.Throw<InvalidDataException>(() => stream.AsCounters(0, leaveOpen: true)).Message.ShouldContain("all zeros");

        SharedFile.ReadAllBytes(_path).ShouldBe(new byte[32]);
    }

    [Test]
    public void AsCounters_BlankStreamOfAnotherSize_ThrowsInvalidDataAndWritesNothing()
    {
        using MappedFileStream stream = CreateStream(40);

        Should.Throw<InvalidDataException>(() => stream.AsCounters(2, leaveOpen: true))
            .Message.ShouldContain("it has 40 bytes, not the 32 of a block of 2 counters");

        SharedFile.ReadAllBytes(_path).ShouldBe(new byte[40]);
    }

    [Test]
    public void AsCounters_ZeroHeaderButDataInSlots_ThrowsInvalidDataAndWritesNothing()
    {
        using MappedFileStream stream = CreateStream(32);
        stream.WriteAt(31, [1]);
        byte[] before = SharedFile.ReadAllBytes(_path);

        Should.Throw<InvalidDataException>(() => stream.AsCounters(2, leaveOpen: true));

        SharedFile.ReadAllBytes(_path).ShouldBe(before);
    }

    [Test]
    public void AsCounters_BlankReadOnlyStream_ThrowsInvalidData()
    {
        CreateStream(32).Dispose();
        using var stream = MappedFileStream.Open(_path);

        Should.Throw<InvalidDataException>(() => stream.AsCounters(2, leaveOpen: true));

        SharedFile.ReadAllBytes(_path).ShouldBe(new byte[32]);
    }

    [Test]
    public void AsCounters_ReadOnlyCounterFile_ReadsAndRefusesUpdates()
    {
        using (var counters = MappedCounters.Open(_path, 1))
        {
            counters.Set(0, 3);
        }

        using MappedCounters view = MappedFileStream.Open(_path).AsCounters(1);

        view.Read(0).ShouldBe(3);
        Should.Throw<NotSupportedException>(() => view.Increment(0));
    }

    [Test]
    public void AsCounters_UnfinishedFormatting_IsCompletedByAsCountersButRefusedByOpen()
    {
        // A formatter that stopped after storing the count: count 2, no magic yet, slots zero.
        using (MappedFileStream stream = CreateStream(32))
        {
            stream.AtomicWrite(8, 2);
        }

        Should.Throw<InvalidDataException>(() => MappedCounters.Open(_path, 2));

        using (MappedCounters counters = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }).AsCounters(2))
        {
            counters.Count.ShouldBe(2);
        }

        SharedFile.ReadAllBytes(_path)[..8].ShouldBe(s_magic);
    }

    [Test]
    public void AsCounters_WindowAtMultipleOfEight_KeepsBytesOutsideTheWindow()
    {
        byte[] prefix = Enumerable.Repeat((byte)0xAB, 64).ToArray();
        byte[] suffix = Enumerable.Repeat((byte)0xCD, 24).ToArray();
        File.WriteAllBytes(_path, [.. prefix, .. new byte[32], .. suffix]);

        using (var window = MappedFileStream.Open(_path, 64, 32, new MapOptions { Access = FileAccess.ReadWrite }))
        using (MappedCounters counters = window.AsCounters(2))
        {
            counters.Increment(1, 5).ShouldBe(0);
            counters.Path.ShouldBe(_path);
        }

        byte[] bytes = SharedFile.ReadAllBytes(_path);
        bytes[..64].ShouldBe(prefix);
        bytes[64..72].ShouldBe(s_magic);
        BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(72)).ShouldBe(2);
        BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(88)).ShouldBe(5);
        bytes[96..].ShouldBe(suffix);
    }

    [Test]
    public void AsCounters_WindowNotAtMultipleOfEight_ThrowsArgumentException()
    {
        File.WriteAllBytes(_path, new byte[64]);
        using var window = MappedFileStream.Open(_path, 4, 32, new MapOptions { Access = FileAccess.ReadWrite });

        var ex = Should.Throw<ArgumentException>(() => window.AsCounters(2, leaveOpen: true));

        ex.ParamName.ShouldBe("stream");
        ex.Message.ShouldContain("file offset 4");
        SharedFile.ReadAllBytes(_path).ShouldBe(new byte[64]);
    }

    [Test]
    public void Dispose_LeaveOpen_KeepsStreamOpen()
    {
        using MappedFileStream stream = CreateStream(MappedCounters.GetFileSize(1));
        MappedCounters counters = stream.AsCounters(1, leaveOpen: true);
        counters.Increment(0);

        counters.Dispose();

        stream.CanRead.ShouldBeTrue();
        stream.AtomicRead(16).ShouldBe(1);
        Should.Throw<ObjectDisposedException>(() => counters.Read(0));
        Should.Throw<ObjectDisposedException>(() => counters.Increment(0));
    }

    [Test]
    public void Dispose_WithoutLeaveOpen_DisposesStream()
    {
        MappedFileStream stream = CreateStream(MappedCounters.GetFileSize(1));
        MappedCounters counters = stream.AsCounters(1);

        counters.Dispose();

        stream.CanRead.ShouldBeFalse();
    }

    [Test]
    public void AsCounters_InvalidArguments_Throw()
    {
        Should.Throw<ArgumentNullException>(() => ((MappedFileStream)null!).AsCounters(1)).ParamName.ShouldBe("stream");
        using MappedFileStream stream = CreateStream(32);
        Should.Throw<ArgumentOutOfRangeException>(() => stream.AsCounters(-1)).ParamName.ShouldBe("count");
        stream.Dispose();
        Should.Throw<ObjectDisposedException>(() => stream.AsCounters(2));
    }

    [Test]
    public void AsCounters_ManyThreadsFormatOneBlankFileAtOnce_AllAgree()
    {
        const int threads = 8;
        using var start = new Barrier(threads);
        long size = MappedCounters.GetFileSize(4);

        int[] counts = Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = size };
                using MappedCounters counters = MappedFileStream.Open(_path, options).AsCounters(4);
                counters.Increment(0);
                return counters.Count;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default))).GetAwaiter().GetResult();

        counts.ShouldAllBe(count => count == 4);
        using var reopened = MappedCounters.Open(_path, 4);
        reopened.Read(0).ShouldBe(threads);
    }

    private MappedFileStream CreateStream(long size) =>
        MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = size });
}
