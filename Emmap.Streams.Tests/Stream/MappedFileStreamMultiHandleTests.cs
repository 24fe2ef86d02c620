using System.Buffers;
using System.IO;
using System.Linq;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Several handles of one file in one process: shared handles share one mapping and one length; a shrink never
/// faults another handle, a direct view or a private mapping that covers the cut range — the truncation on disk is
/// deferred until they are gone, and the cut bytes read as zeros at once.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamMultiHandleTests
{
    private const int Page = 4096;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("multi.bin");
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)0x5A, 3 * Page).ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Length_TwoSharedHandles_IsOneLength()
    {
        using var first = OpenWritable();
        using var second = OpenWritable();

        first.WriteAt(3 * Page, "appended"u8);
        second.Length.ShouldBe((3 * Page) + 8);
        byte[] read = new byte[8];
        second.ReadAt(3 * Page, read).ShouldBe(8);
        read.ShouldBe("appended"u8.ToArray());

        second.SetLength(100);
        first.Length.ShouldBe(100);
        SizeOnDisk.ShouldBeWhileMapped(_path, 100);
        first.Dispose();
        second.Dispose();
        SizeOnDisk.Of(_path).ShouldBe(100);
    }

    [Test]
    public void SetLength_ShrinkWhileAnotherHandleReadsTheCutRange_TheOtherSeesTheShorterData()
    {
        using var reader = OpenWritable();
        using var writer = OpenWritable();
        byte[] buffer = new byte[Page];
        reader.ReadAt(2 * Page, buffer).ShouldBe(Page);

        writer.SetLength(Page + 10);

        reader.Length.ShouldBe(Page + 10);
        reader.ReadAt(2 * Page, buffer).ShouldBe(0);
        reader.ReadAt(Page, buffer).ShouldBe(10);
        SizeOnDisk.ShouldBeWhileMapped(_path, Page + 10);
        reader.Dispose();
        writer.Dispose();
        SizeOnDisk.Of(_path).ShouldBe(Page + 10);
    }

    [Test]
    public void SetLength_ShrinkBelowALiveDirectView_ViewReadsZerosAndTheFileIsTruncatedAtOnce()
    {
        using var stream = OpenWritable();
        IMemoryOwner<byte> view = stream.ReadDirect(Page, 2 * Page);

        stream.SetLength(Page + 100);

        stream.Length.ShouldBe(Page + 100);
        view.Memory.Span[..100].ToArray().ShouldAllBe(b => b == 0x5A);
        view.Memory.Span[100..].ToArray().ShouldAllBe(b => b == 0);
        SizeOnDisk.ShouldBeWhileMapped(_path, Page + 100, "the view's cut pages are zero pages: nothing maps the file past the end");

        // A write through the view into the cut range lands in memory that cannot fault, and never reaches the file.
        view.Memory.Span[^1] = 0x77;
        view.Dispose();

        SizeOnDisk.ShouldBeWhileMapped(_path, Page + 100);
        stream.SetLength(3 * Page);
        byte[] regrown = new byte[2 * Page - 100];
        stream.ReadAt(Page + 100, regrown).ShouldBe(regrown.Length);
        regrown.ShouldAllBe(b => b == 0);

        stream.Dispose();
        SizeOnDisk.Of(_path).ShouldBe(3 * Page);
    }

    [Test]
    public void SetLength_ShrinkThroughAnotherHandleBelowAView_CutsTheViewTheSameWay()
    {
        using var viewer = OpenWritable();
        using var shrinker = OpenWritable();
        IMemoryOwner<byte> view = viewer.ReadDirect(2 * Page, Page);

        shrinker.SetLength(10);

        viewer.Length.ShouldBe(10);
        view.Memory.Span.ToArray().ShouldAllBe(b => b == 0);
        SizeOnDisk.ShouldBeWhileMapped(_path, 10);
        view.Dispose();
        SizeOnDisk.ShouldBeWhileMapped(_path, 10);
        viewer.Dispose();
        shrinker.Dispose();
        SizeOnDisk.Of(_path).ShouldBe(10);
    }

    [Test]
    public void SetLength_ShrinkBelowAPrivateHandle_PrivateKeepsWorkingAndTheTruncationWaitsForIt()
    {
        var mine = OpenWritable();
        var privateHandle = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private });
        privateHandle.WriteAt(Page, "own copy"u8);

        mine.SetLength(100);

        // The private handle keeps its own length and its own (copied) page; untouched pages read as the cut file: zeros.
        privateHandle.Length.ShouldBe(3 * Page);
        byte[] own = new byte[8];
        privateHandle.ReadAt(Page, own).ShouldBe(8);
        own.ShouldBe("own copy"u8.ToArray());
        byte[] untouched = new byte[Page];
        privateHandle.ReadAt(2 * Page, untouched).ShouldBe(Page);
        untouched.ShouldAllBe(b => b == 0);
        new FileInfo(_path).Length.ShouldBe(3 * Page);

        privateHandle.Dispose();
        SizeOnDisk.ShouldBeWhileMapped(_path, 100);
        mine.Dispose();
        new FileInfo(_path).Length.ShouldBe(100);
    }

    [Test]
    public void SetLength_GrowAgainAfterADeferredShrink_ReadsZerosNotTheOldData()
    {
        using var stream = OpenWritable();
        using IMemoryOwner<byte> view = stream.ReadDirect(0, 3 * Page);

        stream.SetLength(50);
        stream.SetLength(3 * Page);

        byte[] read = new byte[3 * Page];
        stream.ReadAt(0, read).ShouldBe(3 * Page);
        read[..50].ShouldAllBe(b => b == 0x5A);
        read[50..].ShouldAllBe(b => b == 0);
        view.Memory.Span[50..].ToArray().ShouldAllBe(b => b == 0);
    }

    [Test]
    [LinuxOnly("reads /proc/self/fd to see what is open")]
    public void Open_ManyFilesKeptOpen_OneDescriptorPerFile()
    {
        using var directory = new TempDirectory();
        var streams = new System.Collections.Generic.List<MappedFileStream>();
        try
        {
            for (int i = 0; i < 50; i++)
            {
                string path = directory.File($"one-{i}.bin");
                File.WriteAllBytes(path, new byte[Page]);
                streams.Add(MappedFileStream.Open(path, new MapOptions { Access = i % 2 == 0 ? FileAccess.Read : FileAccess.ReadWrite }));
                ProcessMaps.OpenDescriptors(path).ShouldBe(1, "the stream's own open is the file's mapping descriptor");
            }
        }
        finally
        {
            streams.ForEach(stream => stream.Dispose());
        }
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public void Dispose_LastHandle_UnmapsTheFileAndClosesTheDescriptor()
    {
        var first = OpenWritable();
        var second = MappedFileStream.Open(_path);
        ProcessMaps.Maps(_path).ShouldBeTrue();
        ProcessMaps.OpenDescriptors(_path).ShouldBe(2, "the first handle's own open maps the file for both; the second has its own open, as a FileStream");

        first.Dispose();
        ProcessMaps.Maps(_path).ShouldBeTrue();
        second.Dispose();

        ProcessMaps.Maps(_path).ShouldBeFalse();
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    [Test]
    public void Open_ReadOnlyThenWritableHandle_BothWorkOnOneMapping()
    {
        using var reader = MappedFileStream.Open(_path);
        using var writer = OpenWritable();

        writer.WriteAt(0, "upgrade"u8);
        reader.CanWrite.ShouldBeFalse();
        byte[] read = new byte[7];
        reader.ReadAt(0, read).ShouldBe(7);

        read.ShouldBe("upgrade"u8.ToArray());
        Should.Throw<System.NotSupportedException>(() => reader.WriteAt(0, "x"u8));
    }

    [Test]
    public void Open_WhileTheLastReferenceIsBeingReleased_SeesTheLatestLengthAndKeepsTheData()
    {
        // The last reference (a view) goes on another thread while this thread holds the file's gate, so the release
        // has dropped the count but not yet detached the mapping when the new handle attaches.
        var stream = OpenWritable();
        stream.WriteAt(3 * Page, "appended"u8);
        IMemoryOwner<byte> view = stream.ReadDirect(0, 8);
        stream.Dispose();
        FileEntry entry = FileRegistry.Snapshot().Single(e => e.Path == Path.GetFullPath(_path));

        MappedFileStream reopened;
        Thread releaser;
        lock (entry.Gate)
        {
            releaser = new Thread(view.Dispose);
            releaser.Start();
            SpinWait.SpinUntil(() => stream.LiveViewCount == 0, System.TimeSpan.FromSeconds(10)).ShouldBeTrue();
            reopened = OpenWritable();
        }

        releaser.Join();
        using (reopened)
        {
            reopened.Length.ShouldBe((3 * Page) + 8);
            byte[] read = new byte[8];
            reopened.ReadAt(3 * Page, read).ShouldBe(8);
            read.ShouldBe("appended"u8.ToArray());
        }

        new FileInfo(_path).Length.ShouldBe((3 * Page) + 8);
    }

    private MappedFileStream OpenWritable() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
}
