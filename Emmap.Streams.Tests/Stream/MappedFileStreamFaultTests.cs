using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using Emmap.Streams.Testing;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Native failures injected through the fault seam. A full disk while creating or growing (ENOSPC at the block
/// reservation) and a failed mapping (ENOMEM at mmap) give an <see cref="IOException"/>, never a SIGBUS or SIGSEGV,
/// with nothing changed, and the stream keeps working once the fault is gone.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamFaultTests
{
    private const int NoSpace = 28;
    private const int OutOfMemory = 12;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("full.bin");
    }

    [TearDown]
    public void TearDown()
    {
        if (!OperatingSystem.IsWindows() && File.Exists(_path))
        {
            // A page a failed test left behind.
            File.Delete(PageOfPath());
        }

        _directory.Dispose();
    }

    [Test]
    public void Write_PastTheEndOnAFullDisk_ThrowsIOExceptionAndChangesNothing()
    {
        using var stream = Create(4096);
        stream.WriteAt(0, "kept"u8);
        stream.Position = 4096;
        var before = FileSnapshot.Take(_path);

        using (DiskFull())
        {
            var ex = Should.Throw<IOException>(() => stream.Write(new byte[100]));
            ex.HResult.ShouldBe(NoSpace);
            Should.Throw<IOException>(() => stream.WriteAt(5000, "x"u8));

            // Reads, and writes that need no new blocks, still work.
            byte[] read = new byte[4];
            stream.ReadAt(0, read).ShouldBe(4);
            read.ShouldBe("kept"u8.ToArray());
        }

        stream.Length.ShouldBe(4096);
        stream.Position.ShouldBe(4096);
        stream.Capacity.ShouldBe(4096);
        before.ShouldBeUnchanged();

        stream.Write("after"u8);
        stream.Length.ShouldBe(4101);
    }

    [Test]
    public void WriteInsideTheData_OnAFullDisk_Succeeds()
    {
        using var stream = Create(4096);

        using (DiskFull())
        {
            stream.WriteAt(100, "inside"u8);
        }

        SharedFile.ReadAllBytes(_path)[100..106].ShouldBe("inside"u8.ToArray());
    }

    [Test]
    public void ResizeAndSetLength_OnAFullDisk_ThrowIOExceptionAndChangeNothing()
    {
        using var stream = Create(64);
        var before = FileSnapshot.Take(_path);

        using (DiskFull())
        {
            Should.Throw<IOException>(() => stream.Resize());
            Should.Throw<IOException>(() => stream.Resize(1 << 20));
            Should.Throw<IOException>(() => stream.SetLength(100));
        }

        stream.Length.ShouldBe(64);
        before.ShouldBeUnchanged();
        stream.Resize().ShouldBe(128);
    }

    [Test]
    public void Open_NewFileOnAFullDisk_ThrowsIOExceptionAndLeavesNoFile()
    {
        using (DiskFull())
        {
            Should.Throw<IOException>(() => Create(4096));
        }

        File.Exists(_path).ShouldBeFalse();
        using var stream = Create(4096);
        stream.Length.ShouldBe(4096);
    }

    [Test]
    public void Open_FitGrowthOnAFullDisk_ThrowsIOExceptionAndLeavesTheFile()
    {
        File.WriteAllBytes(_path, [1, 2, 3]);
        var before = FileSnapshot.Take(_path);

        using (DiskFull())
        {
            Should.Throw<IOException>(() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Size = 8192, Fit = true }));
            Should.Throw<IOException>(() => MappedFileStream.Open(_path, 0, 8192, new MapOptions { Access = FileAccess.ReadWrite, Fit = true }));
        }

        before.ShouldBeUnchanged();
    }

    [Test]
    public void Truncate_ExistingFileOnAFullDisk_ThrowsIOException()
    {
        File.WriteAllBytes(_path, [1, 2, 3]);

        using (DiskFull())
        {
            Should.Throw<IOException>(() => MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Truncate, Access = FileAccess.ReadWrite, Size = 8192 }));
        }

        using var stream = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Truncate, Access = FileAccess.ReadWrite, Size = 8192 });
        stream.Length.ShouldBe(8192);
    }

    [Test]
    public void Grow_BackOverARangeCutWhileAViewWasLive_ReservesTheBlocksAgain()
    {
        // A shrink below a live view punches the cut range out of the file (the truncation waits for the view).
        // Growing back over it must reserve those blocks again: otherwise a write there on a full disk would fault.
        using var stream = Create(16 * 4096);
        using IMemoryOwner<byte> view = stream.ReadDirect(0, 16 * 4096);
        stream.SetLength(4096);

        if (!SizeOnDisk.MappedFilesCanShrink)
        {
            // Windows cannot cut a mapped file: the shrink zeroed the cut range in place and kept its blocks, so growing back
            // needs no space, even on a full disk.
            using (DiskFull())
            {
                stream.SetLength(16 * 4096);
            }

            stream.WriteAt(8 * 4096, "x"u8);
            view.Memory.Span[8 * 4096].ShouldBe((byte)'x');
            return;
        }

        using (DiskFull())
        {
            Should.Throw<IOException>(() => stream.SetLength(16 * 4096));
            stream.Length.ShouldBe(4096);
            Should.Throw<IOException>(() => stream.WriteAt(8 * 4096, "x"u8));
            stream.Length.ShouldBe(4096);
        }

        stream.SetLength(16 * 4096);
        stream.WriteAt(8 * 4096, "x"u8);
        view.Memory.Span[8 * 4096].ShouldBe((byte)'x');
    }

    [Test]
    public void Write_ManyAttemptsOnAFullDisk_NeverChangeTheFileAndRecoverAfter()
    {
        using var stream = Create(100);
        byte[] content = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        stream.WriteAt(0, content);
        var before = FileSnapshot.Take(_path);

        using (DiskFull())
        {
            for (int size = 1; size < 100_000; size *= 3)
            {
                Should.Throw<IOException>(() => stream.WriteAt(100, new byte[size]));
            }
        }

        before.ShouldBeUnchanged();
        stream.WriteAt(100, new byte[50_000]);
        stream.Length.ShouldBe(50_100);
    }

    [Test]
    public void Write_AfterMappingTheGrowthFailed_GrowsAgainAndNeverTouchesUnmappedPages()
    {
        using var stream = Create(4096);

        using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
        {
            Should.Throw<IOException>(() => stream.WriteAt(4096, new byte[100]));
        }

        stream.Length.ShouldBe(4096);
        SizeOnDisk.ShouldBeWhileMapped(_path, 4096);
        stream.WriteAt(4096, "mapped now"u8);
        byte[] read = new byte[10];
        stream.ReadAt(4096, read).ShouldBe(10);
        read.ShouldBe("mapped now"u8.ToArray());

        stream.Dispose();
        SizeOnDisk.Of(_path).ShouldBe(4106);
    }

    [Test]
    public void Resize_RetriedAfterMappingTheGrowthFailed_MapsThePagesItPublishes()
    {
        using var stream = Create(4096);
        using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
        {
            Should.Throw<IOException>(() => stream.Resize(8192));
        }

        stream.Length.ShouldBe(4096);
        stream.Resize(8192).ShouldBe(8192);
        stream.WriteAt(8000, new byte[100]);
        stream.AtomicAdd(8184, 5).ShouldBe(0);
        stream.AtomicRead(8184).ShouldBe(5);
    }

    [TestCase(FileMode.Create, 4096L)]
    [TestCase(FileMode.Truncate, 4096L)]
    [UnsupportedOSPlatform("windows")]
    public void Open_PrivateThatTruncatesFailsToMap_ThrowsIOExceptionAndLeavesTheFile(FileMode mode, long size)
    {
        File.WriteAllBytes(_path, Enumerable.Range(0, 10_000).Select(i => (byte)(i % 251)).ToArray());
        var before = FileSnapshot.Take(_path);

        using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
        {
            Should.Throw<IOException>(() => MappedFileStream.Open(
                _path, new MapOptions { Mode = mode, Access = FileAccess.ReadWrite, Sharing = MapSharing.Private, Size = size }));
        }

        before.ShouldBeUnchanged();
        using var stream = MappedFileStream.Open(
            _path, new MapOptions { Mode = mode, Access = FileAccess.ReadWrite, Sharing = MapSharing.Private, Size = size });
        stream.Length.ShouldBe(size);
        Bytes(stream, 0, (int)size).ShouldAllBe(b => b == 0);
        SizeOnDisk.Of(_path).ShouldBe(size);
    }

    [Test]
    [UnsupportedOSPlatform("windows")]
    public void Open_PrivateThatSizesAnEmptyFileFailsToMap_ThrowsIOExceptionAndLeavesItEmpty()
    {
        File.WriteAllBytes(_path, []);

        using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
        {
            Should.Throw<IOException>(() => MappedFileStream.Open(
                _path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private, Size = 8192 }));
        }

        SizeOnDisk.Of(_path).ShouldBe(0);
    }

    [Test]
    public void Open_PrivateThatGrowsTheFile_ReadsTheKeptBytesAndZerosAfterThem()
    {
        byte[] content = Enumerable.Range(0, 5000).Select(i => (byte)((i % 250) + 1)).ToArray();
        File.WriteAllBytes(_path, content);

        using var stream = MappedFileStream.Open(
            _path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private, Size = 3 * 4096, Fit = true });

        stream.Length.ShouldBe(3 * 4096);
        Bytes(stream, 0, 5000).ShouldBe(content);
        Bytes(stream, 5000, (3 * 4096) - 5000).ShouldAllBe(b => b == 0);
        stream.WriteAt(100, "private"u8);
        stream.WriteAt(9000, "private"u8);
        Bytes(stream, 9000, 7).ShouldBe("private"u8.ToArray());
        stream.Dispose();

        byte[] onDisk = File.ReadAllBytes(_path);
        onDisk.Length.ShouldBe(3 * 4096);
        onDisk[..5000].ShouldBe(content, "a private handle's writes never reach the file");
        onDisk[5000..].ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Open_AdoptingGrowthByAnotherProgramFailsToMap_NothingPastTheMappedPagesIsReadable()
    {
        using var stream = Create(4096);
        using (var other = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            other.SetLength(3 * 4096); // grown with plain file I/O, outside this process's mapping
        }

        using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
        {
            Should.Throw<IOException>(() => MappedFileStream.Open(_path));

            // Lock-free readers use the length at once: it must never cover pages that are not mapped.
            stream.ReadAt(0, new byte[8]).ShouldBe(8);
            Should.Throw<IOException>(() => stream.ReadAt(2 * 4096, new byte[8]));
        }

        using var second = MappedFileStream.Open(_path);
        stream.Length.ShouldBe(3 * 4096);
        stream.ReadAt(2 * 4096, new byte[8]).ShouldBe(8);
    }

    [Test]
    public void Open_WritableOverAReadOnlyMappingFailsToMap_LaterWritableStreamsStillWriteTheFile()
    {
        File.WriteAllBytes(_path, new byte[8192]);
        using (var reader = MappedFileStream.Open(_path, 0, 0))
        {
            reader.ReadByte().ShouldBe(0);
            using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
            {
                Should.Throw<IOException>(() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }));
            }

            using var writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
            writer.WriteAt(0, "written"u8);
            writer.Flush();
            Bytes(reader, 0, 7).ShouldBe("written"u8.ToArray());
        }

        File.ReadAllBytes(_path)[..7].ShouldBe("written"u8.ToArray(), "a write through a read-write stream reaches the file");
    }

    [Test]
    [LinuxOnly("counts descriptors in /proc/self/fd and looks for the file's page in /dev/shm")]
    public void Open_WritableOverAReadOnlyMappingFailsToMap_LeavesNoDescriptorSharingLockOrPageOnceDisposed()
    {
        File.WriteAllBytes(_path, new byte[8192]);
        string page = PageOfPath();
        using (var reader = MappedFileStream.Open(_path, 0, 0))
        {
            reader.ReadByte().ShouldBe(0);
            using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
            {
                Should.Throw<IOException>(() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }));
            }

            reader.ReadByte().ShouldBe(0, "the reader goes on");
        }

        ProcessMaps.OpenDescriptors(_path).ShouldBe(0, "every stream is disposed");
        Should.NotThrow(() => new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose(), "no stream holds the file any more");
        File.Exists(page).ShouldBeFalse("the only process of the file closed it");
    }

    [Test]
    [LinuxOnly("limits the size of the files a child process may make, and looks for the file's page in /dev/shm")]
    public void Open_WhenThePageCannotBeSized_LeavesNoPageBehind()
    {
        File.WriteAllBytes(_path, new byte[100]);
        string page = PageOfPath();

        ChildHost.Run("stream-write-small-files", _path, "2048").ShouldBe("written");

        File.ReadAllBytes(_path)[0].ShouldBe((byte)'x', "the process kept the file's state to itself and wrote");
        File.Exists(page).ShouldBeFalse("the page could not be sized, so it was never used");
    }

    [Test]
    public void Open_FitGrowthThatFailsToMap_ThrowsIOExceptionAndLeavesTheFile()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Windows truncates a file only while no view of it exists, so an open changes the length before it maps.");
        }

        File.WriteAllBytes(_path, [1, 2, 3]);
        var before = FileSnapshot.Take(_path);

        using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
        {
            Should.Throw<IOException>(() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Size = 8192, Fit = true }));
        }

        before.ShouldBeUnchanged();
    }

    [Test]
    public void Open_TruncateThatFailsToMap_ThrowsIOExceptionAndKeepsTheData()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Windows truncates a file only while no view of it exists, so an open changes the length before it maps.");
        }

        File.WriteAllBytes(_path, [1, 2, 3]);
        var before = FileSnapshot.Take(_path);

        using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
        {
            Should.Throw<IOException>(() => MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Truncate, Access = FileAccess.ReadWrite, Size = 4096 }));
        }

        before.ShouldBeUnchanged();
    }

    [Test]
    public void SetLength_ShorterThatFailsToMap_EitherThrowsAndChangesNothingOrShrinks()
    {
        using var stream = Create(8192);
        stream.WriteAt(5000, "kept"u8);
        stream.WriteAt(50, "head"u8);

        Exception? failure = null;
        using (FaultInjection.Install(point => point == FaultPoint.Map ? OutOfMemory : 0))
        {
            try
            {
                stream.SetLength(100);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }

        if (failure is null)
        {
            stream.Length.ShouldBe(100);
            stream.ReadAt(5000, new byte[4]).ShouldBe(0);
            stream.Flush();
            if (!OperatingSystem.IsWindows())
            {
                // Windows truncates only once no view of the file is left (docs/filestream-parity.md, difference 16).
                new FileInfo(_path).Length.ShouldBe(100, "the truncation that had to wait is made at the next flush");
            }
        }
        else
        {
            failure.ShouldBeOfType<IOException>();
            stream.Length.ShouldBe(8192);
            Bytes(stream, 5000, 4).ShouldBe("kept"u8.ToArray());
        }

        Bytes(stream, 50, 4).ShouldBe("head"u8.ToArray());
    }

    [Test]
    [LinuxOnly("grows a sparse file past the 1 GiB reservation so that the read-only mapping keeps a retired region")]
    public void Open_WritableOverAReadOnlyMappingFailsOnARetiredRegion_ReadersStillFollowGrowth()
    {
        MappedFileStream[] readers = ReadersWithARetiredRegion();
        using MappedFileStream first = readers[0];
        using MappedFileStream second = readers[1];
        FailWritableOpenFromTheSecondMap(everyMapAfter: true);

        using (var file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.SetLength(1600L << 20);
        }

        using var third = MappedFileStream.Open(_path, 0, 0);
        third.Length.ShouldBe(1600L << 20);
        third.ReadAt((1600L << 20) - 8, new byte[8]).ShouldBe(8);
    }

    [Test]
    [LinuxOnly("grows a sparse file past the 1 GiB reservation so that the read-only mapping keeps a retired region")]
    public void Open_WritableOverAReadOnlyMappingFailsOnARetiredRegion_ReadOnlyViewWritesStayPrivate()
    {
        MappedFileStream[] readers = ReadersWithARetiredRegion();
        using MappedFileStream first = readers[0];
        using MappedFileStream second = readers[1];
        FailWritableOpenFromTheSecondMap(everyMapAfter: false);

        // A read-only stream's view is copy-on-write: its writes change this process's copy only.
        using (IMemoryOwner<byte> view = first.ReadDirect(0, 4))
        {
            "XXXX"u8.CopyTo(view.Memory.Span);
        }

        byte[] onDisk = new byte[4];
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            file.ReadExactly(onDisk);
        }

        onDisk.ShouldBe(new byte[4]);
    }

    private static IDisposable DiskFull() => FaultInjection.Install(point => point == FaultPoint.Allocate ? NoSpace : 0);

    // Two read-only streams of a file mapped at 8 KiB and grown outside the library to 1.5 GiB, past the first 1 GiB reservation,
    // so that their mapping keeps a retired region.
    private MappedFileStream[] ReadersWithARetiredRegion()
    {
        File.WriteAllBytes(_path, new byte[8192]);
        var first = MappedFileStream.Open(_path, 0, 0);
        try
        {
            first.ReadByte().ShouldBe(0);
            using (var file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                file.SetLength(1536L << 20);
            }

            var second = MappedFileStream.Open(_path, 0, 0);
            second.Length.ShouldBe(1536L << 20);
            return [first, second];
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }

    // A writable open of the file whose upgrade of the read-only mapping fails at its second mapping (a retired region), and
    // with everyMapAfter at every mapping after it too (so that undoing the upgrade cannot map either).
    private void FailWritableOpenFromTheSecondMap(bool everyMapAfter)
    {
        int maps = 0;
        using (FaultInjection.Install(point => point == FaultPoint.Map && (++maps == 2 || (everyMapAfter && maps > 2)) ? OutOfMemory : 0))
        {
            Should.Throw<IOException>(() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }));
        }
    }

    private static byte[] Bytes(MappedFileStream stream, long position, int count)
    {
        byte[] bytes = new byte[count];
        stream.ReadAt(position, bytes).ShouldBe(count);
        return bytes;
    }

    private string PageOfPath() => Emmap.Streams.Mapping.SharedFileState.PagePath(Emmap.Streams.Native.NativeFile.TryGetStatus(_path)!.Value.Identity);

    private MappedFileStream Create(long size) =>
        MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = size });
}
