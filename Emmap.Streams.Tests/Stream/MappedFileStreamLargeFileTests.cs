using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>64-bit offsets: a sparse 6 GiB file (made with <see cref="FileStream.SetLength"/>, so no real disk use) read and written above 4 GiB.</summary>
[TestFixture]
public sealed class MappedFileStreamLargeFileTests
{
    private const long SixGiB = 6L << 30;
    private const long Above4GiB = (4L << 30) + 12345;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("large.bin");
        using var file = new FileStream(_path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(SixGiB);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void WriteAtAndReadAt_Above4GiB_RoundTripThroughTheFile()
    {
        using (var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            stream.Length.ShouldBe(SixGiB);
            stream.WriteAt(Above4GiB, "above four gibibytes"u8);
            stream.WriteAt(SixGiB - 4, "last"u8);

            byte[] read = new byte[20];
            stream.ReadAt(Above4GiB, read).ShouldBe(20);
            read.ShouldBe("above four gibibytes"u8.ToArray());
            stream.ReadAt(SixGiB - 2, read).ShouldBe(2);
        }

        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        byte[] fromFile = new byte[20];
        RandomAccess.Read(file.SafeFileHandle, fromFile, Above4GiB).ShouldBe(20);
        fromFile.ShouldBe("above four gibibytes"u8.ToArray());
        file.Length.ShouldBe(SixGiB);
    }

    [Test]
    public void SeekReadAndWrite_Above4GiB_UseTheStreamPosition()
    {
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            RandomAccess.Write(file.SafeFileHandle, "from file api"u8, Above4GiB);
        }

        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        stream.Seek(Above4GiB, SeekOrigin.Begin).ShouldBe(Above4GiB);
        byte[] read = new byte[13];
        stream.ReadExactly(read);
        read.ShouldBe("from file api"u8.ToArray());
        stream.Position.ShouldBe(Above4GiB + 13);

        stream.Write("!"u8);
        stream.Seek(-14, SeekOrigin.Current).ShouldBe(Above4GiB);
        byte[] again = new byte[14];
        stream.ReadAt(Above4GiB, again).ShouldBe(14);
        again.ShouldBe("from file api!"u8.ToArray());
    }

    [Test]
    public void Window_Above4GiB_MapsOnlyThatRange()
    {
        using (var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            stream.WriteAt(Above4GiB, "window"u8);
        }

        using var window = MappedFileStream.Open(_path, Above4GiB, 6, new MapOptions());
        window.Length.ShouldBe(6);
        byte[] read = new byte[6];
        window.ReadAt(0, read).ShouldBe(6);
        read.ShouldBe("window"u8.ToArray());
    }
}
