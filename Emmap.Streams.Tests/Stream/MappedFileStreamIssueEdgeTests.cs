using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Edges of the foundation's contract that the other fixtures leave out: <c>ReadLine</c> with lone carriage returns, in
/// bounded and private windows; writes that only partly fit a fixed size; growth of a private stream; the growth rule
/// on sizes that are not powers of two and on windows; windows of missing files; sizes the file system refuses.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamIssueEdgeTests
{
    private const long BeyondTheFileSystem = 1L << 50;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("edges.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    private byte[] WriteContent(int length)
    {
        byte[] content = Enumerable.Range(0, length).Select(i => (byte)((i % 251) + 1)).ToArray();
        File.WriteAllBytes(_path, content);
        return content;
    }

    [Test]
    public void ReadLine_LoneCarriageReturns_AreKeptAndOnlyCrLfIsNormalised()
    {
        File.WriteAllBytes(_path, "one\r\ntwo\rx\n\r\nend\r"u8.ToArray());
        using var stream = MappedFileStream.Open(_path);

        stream.ReadLine().ShouldBe("one\n"u8.ToArray());
        stream.ReadLine().ShouldBe("two\rx\n"u8.ToArray());
        stream.ReadLine().ShouldBe("\n"u8.ToArray());
        stream.ReadLine().ShouldBe("end\r"u8.ToArray());
        stream.ReadLine().ShouldBeNull();
        stream.Position.ShouldBe(stream.Length);
    }

    [Test]
    public void ReadLine_PastTheEnd_ReturnsNullAndKeepsThePosition()
    {
        File.WriteAllBytes(_path, "line\n"u8.ToArray());
        using var stream = MappedFileStream.Open(_path);
        stream.Position = 100;

        stream.ReadLine().ShouldBeNull();

        stream.Position.ShouldBe(100);
    }

    [Test]
    public void ReadLine_BoundedWindow_StopsAtTheWindowEnd()
    {
        File.WriteAllBytes(_path, "xxxxab\r\ncdefg\nzz"u8.ToArray());
        using var stream = MappedFileStream.Open(_path, 4, 8);

        stream.ReadLine().ShouldBe("ab\n"u8.ToArray());
        stream.ReadLine().ShouldBe("cdef"u8.ToArray());
        stream.ReadLine().ShouldBeNull();
    }

    [Test]
    public void ReadLine_PrivateDirectWindowAcrossAPage_ReturnsCopiesOfItsLines()
    {
        byte[] content = new byte[8300];
        "ab\r\ncd\r\n"u8.CopyTo(content.AsSpan(8094));
        File.WriteAllBytes(_path, content);
        using (var stream = MappedFileStream.Open(
            _path, 8094, 8, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private, Direct = true }))
        {
            byte[] first = stream.ReadLine()!;
            stream.WriteAt(0, "zz"u8);

            first.ShouldBe("ab\n"u8.ToArray());
            stream.ReadLine().ShouldBe("cd\n"u8.ToArray());
            stream.ReadLine().ShouldBeNull();
        }

        File.ReadAllBytes(_path).ShouldBe(content, "a private stream's writes never reach the file");
    }

    [Test]
    public void Write_FixedSizeFromInsideAcrossTheEnd_WritesNothingAndKeepsThePosition()
    {
        byte[] content = WriteContent(100);
        using (var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, FixedSize = true }))
        {
            stream.Position = 96;

            Should.Throw<IOException>(() => stream.Write(Enumerable.Repeat((byte)9, 8).ToArray(), 0, 8));
            Should.Throw<IOException>(() => stream.WriteAt(98, new byte[] { 9, 9, 9, 9 }));

            stream.Position.ShouldBe(96);
            stream.Length.ShouldBe(100);
        }

        File.ReadAllBytes(_path).ShouldBe(content);
    }

    [Test]
    public void Write_PrivatePastTheEnd_ReachesNeitherTheFileNorASharedHandle()
    {
        byte[] content = WriteContent(100);
        using (var shared = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        using (var mine = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private }))
        {
            mine.WriteAt(0, new byte[] { 0xAA });
            mine.WriteAt(5000, new byte[] { 0xBB, 0xCC });
            mine.Resize().ShouldBe(10_004);

            mine.Length.ShouldBe(10_004);
            byte[] back = new byte[2];
            mine.ReadAt(5000, back).ShouldBe(2);
            back.ShouldBe(new byte[] { 0xBB, 0xCC });
            shared.Length.ShouldBe(100);
            shared.ReadByte().ShouldBe(content[0]);
        }

        File.ReadAllBytes(_path).ShouldBe(content);
    }

    [Test]
    public void Resize_AutomaticOnASizeBetweenPowers_DoublesThenAddsTheIncrement()
    {
        using var stream = MappedFileStream.Open(
            _path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 6000, MaxIncrementSize = 8192 });

        stream.Resize().ShouldBe(12_000);
        stream.Resize().ShouldBe(20_192);
        new FileInfo(_path).Length.ShouldBe(20_192);
    }

    [Test]
    public void Resize_WindowReachingTheEnd_GrowsTheWindowAndKeepsTheBytesBeforeIt()
    {
        byte[] content = WriteContent(5000);
        using (var window = MappedFileStream.Open(_path, 4000, 0, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            window.Resize().ShouldBe(2000);
            window.Length.ShouldBe(2000);
            new FileInfo(_path).Length.ShouldBe(6000);
        }

        File.ReadAllBytes(_path).Take(5000).ShouldBe(content);
    }

    [Test]
    public void Open_WindowsOfAMissingFile_GrowItToTheWindowEndOrToSize()
    {
        using (var window = MappedFileStream.Open(_path, 100, 50, new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite }))
        {
            window.Existed.ShouldBeFalse();
            window.Length.ShouldBe(50);
        }

        new FileInfo(_path).Length.ShouldBe(150);
        File.Delete(_path);

        using (var window = MappedFileStream.Open(
            _path, 100, 0, new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 500 }))
        {
            window.Existed.ShouldBeFalse();
            window.Length.ShouldBe(400);
        }

        new FileInfo(_path).Length.ShouldBe(500);
        File.Delete(_path);

        using (var window = MappedFileStream.Open(
            _path, 100, 50, new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 500 }))
        {
            window.Length.ShouldBe(50);
            Should.Throw<IOException>(() => window.WriteAt(50, new byte[1]));
        }

        new FileInfo(_path).Length.ShouldBe(500);
        File.Delete(_path);

        Should.Throw<IOException>(() => MappedFileStream.Open(
            _path, 100, 0, new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite }));
        File.Exists(_path).ShouldBeFalse();
    }

    [Test]
    [LinuxOnly("needs a file system that refuses a 1 PiB file (ext4: EFBIG from posix_fallocate)")]
    public void Open_SizesTheFileSystemRefuses_ThrowIOExceptionAndLeaveTheFileAsItWas()
    {
        File.WriteAllBytes(_path, []);
        Should.Throw<IOException>(() => MappedFileStream.Open(
            _path, new MapOptions { Access = FileAccess.ReadWrite, Size = BeyondTheFileSystem }));
        File.Exists(_path).ShouldBeTrue();
        new FileInfo(_path).Length.ShouldBe(0);

        byte[] content = WriteContent(100);
        Should.Throw<IOException>(() => MappedFileStream.Open(
            _path, new MapOptions { Access = FileAccess.ReadWrite, Size = BeyondTheFileSystem, Fit = true }));
        Should.Throw<IOException>(() => MappedFileStream.Open(
            _path, 50, BeyondTheFileSystem, new MapOptions { Access = FileAccess.ReadWrite, Fit = true }));
        File.ReadAllBytes(_path).ShouldBe(content);

        string missing = _directory.File("missing.bin");
        Should.Throw<IOException>(() => MappedFileStream.Open(
            missing, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = BeyondTheFileSystem }));
        File.Exists(missing).ShouldBeFalse();
    }

    [Test]
    [LinuxOnly("the largest file is the Linux file system's; Windows reports writes there differently")]
    public async Task WriteAsync_PositionPastTheLargestFile_GivesAFaultedTaskAsFileStreamAndChangesNothing([Values] bool mapped)
    {
        WriteContent(16);
        using Stream stream = mapped
            ? new MappedFileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 0)
            : new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 0);
        stream.Position = BeyondTheFileSystem;

        Task fromArray = stream.WriteAsync(new byte[1], 0, 1);
        ValueTask fromMemory = stream.WriteAsync(new byte[1].AsMemory());

        await Should.ThrowAsync<ArgumentOutOfRangeException>(fromArray);
        await Should.ThrowAsync<ArgumentOutOfRangeException>(fromMemory.AsTask());
        stream.Position.ShouldBe(BeyondTheFileSystem);
        stream.Length.ShouldBe(16);
    }

    [Test]
    public void ReadAt_StreamOverloadOnADirectStream_ReturnsAView()
    {
        WriteContent(100);
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Direct = true });
        Stream plain = stream;

        using IMemoryOwner<byte> view = plain.ReadAt(10, 4);
        stream.WriteAt(10, new byte[] { 0x55 });

        view.Memory.Span[0].ShouldBe((byte)0x55);
        stream.LiveViewCount.ShouldBe(1);
    }

    [Test]
    public void ReadAt_RangeOverflowingTheLargestPosition_ReturnsNothing()
    {
        WriteContent(100);
        using var stream = MappedFileStream.Open(_path);

        stream.ReadAt(long.MaxValue - 3, new byte[8]).ShouldBe(0);
        using IMemoryOwner<byte> owner = stream.ReadAt(long.MaxValue - 3, 8);

        owner.Memory.Length.ShouldBe(0);
        stream.Position.ShouldBe(0);
    }
}
