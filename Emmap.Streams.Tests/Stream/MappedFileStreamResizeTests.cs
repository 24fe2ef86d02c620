using System;
using System.IO;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>emmap <c>resize/1,2</c> as <see cref="MappedFileStream.Resize"/> and <see cref="MappedFileStream.SetLength"/>; appends and the trim on dispose.</summary>
[TestFixture]
public sealed class MappedFileStreamResizeTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("resize.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void Resize_Automatic_DoublesASmallFile()
    {
        using var stream = Create(16);

        stream.Resize().ShouldBe(32);

        stream.Length.ShouldBe(32);
        new FileInfo(_path).Length.ShouldBe(32);
    }

    [Test]
    public void Resize_AutomaticWithMaxIncrement_DoublesThenAddsTheIncrement()
    {
        using var stream = Create(4096, maxIncrement: 8192);

        stream.Resize().ShouldBe(8192);
        new FileInfo(_path).Length.ShouldBe(8192);
        stream.Resize().ShouldBe(16384);
        new FileInfo(_path).Length.ShouldBe(16384);
        stream.Resize().ShouldBe(24576);
        new FileInfo(_path).Length.ShouldBe(24576);
        stream.Length.ShouldBe(24576);
    }

    [Test]
    public void Resize_AutomaticOnAnEmptyStream_GrowsToOnePage()
    {
        using var stream = Create(16);
        stream.SetLength(0);

        stream.Resize().ShouldBe(Environment.SystemPageSize);

        new FileInfo(_path).Length.ShouldBe(Environment.SystemPageSize);
    }

    [Test]
    public void Resize_ExplicitSizes_SetTheLengthAndTheFileSizeExactly()
    {
        using var stream = Create(100);
        stream.WriteAt(0, "keep"u8);

        stream.Resize(5000).ShouldBe(5000);
        new FileInfo(_path).Length.ShouldBe(5000);
        stream.Resize(3).ShouldBe(3);
        SizeOnDisk.ShouldBeWhileMapped(_path, 3);
        stream.Resize(10).ShouldBe(10);

        byte[] read = new byte[10];
        stream.ReadAt(0, read).ShouldBe(10);
        read.ShouldBe([(byte)'k', (byte)'e', (byte)'e', 0, 0, 0, 0, 0, 0, 0]);

        stream.Dispose();
        SizeOnDisk.Of(_path).ShouldBe(10);
    }

    [Test]
    public void Resize_FixedSize_ThrowsIOExceptionAndChangesNothing()
    {
        using var stream = Create(64, fixedSize: true);
        stream.WriteAt(0, "fixed"u8);
        var before = FileSnapshot.Take(_path);

        Should.Throw<IOException>(() => stream.Resize());
        Should.Throw<IOException>(() => stream.Resize(128));
        Should.Throw<IOException>(() => stream.Resize(8));
        Should.Throw<IOException>(() => stream.SetLength(0));
        Should.Throw<IOException>(() => stream.WriteAt(60, new byte[8]));
        stream.Position = 64;
        Should.Throw<IOException>(() => stream.Write("x"u8));

        stream.Length.ShouldBe(64);
        stream.Position.ShouldBe(64);
        before.ShouldBeUnchanged();
        stream.Resize(64).ShouldBe(64);
        stream.SetLength(64);
        stream.WriteAt(56, new byte[8]);
    }

    [Test]
    public void Resize_ReadOnly_ThrowsNotSupported()
    {
        Create(16).Dispose();
        using var stream = MappedFileStream.Open(_path);

        Should.Throw<NotSupportedException>(() => stream.Resize());
        Should.Throw<NotSupportedException>(() => stream.Resize(16));
        Should.Throw<NotSupportedException>(() => stream.SetLength(16));

        new FileInfo(_path).Length.ShouldBe(16);
    }

    [Test]
    public void Write_PastTheEnd_GrowsCapacityByThePolicyAndDisposeTrimsTheFileToLength()
    {
        using (var stream = Create(4096, maxIncrement: 8192))
        {
            stream.Seek(0, SeekOrigin.End);
            stream.Write(new byte[100]);

            stream.Length.ShouldBe(4196);
            stream.Capacity.ShouldBe(8192);
            new FileInfo(_path).Length.ShouldBe(8192);

            stream.Write(new byte[20000]);
            stream.Length.ShouldBe(24196);
            stream.Capacity.ShouldBe(24576);
            new FileInfo(_path).Length.ShouldBe(24576);
        }

        new FileInfo(_path).Length.ShouldBe(24196);
    }

    [Test]
    public void Write_ManySmallAppends_EndWithTheFileHoldingExactlyTheData()
    {
        using (var stream = Create(1))
        {
            stream.Position = 1;
            for (int i = 0; i < 1000; i++)
            {
                stream.WriteByte((byte)i);
            }

            stream.Length.ShouldBe(1001);
        }

        byte[] bytes = SharedFile.ReadAllBytes(_path);
        bytes.Length.ShouldBe(1001);
        bytes[1000].ShouldBe(unchecked((byte)999));
    }

    [Test]
    public void Dispose_AfterAppendWithAnotherHandleOpen_TrimsAtOnceAndTheOtherHandleKeepsWorking()
    {
        var first = Create(10);
        using (var second = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite }))
        {
            first.WriteAt(10, "abc"u8);
            first.Capacity.ShouldBeGreaterThan(13);
            first.Dispose();
            SizeOnDisk.ShouldBeWhileMapped(_path, 13, "as a FileStream's dispose writes its buffer: the size on disk is the length");
            second.Length.ShouldBe(13);
            second.WriteAt(13, "de"u8);
            second.Length.ShouldBe(15);
        }

        new FileInfo(_path).Length.ShouldBe(15);
    }

    private MappedFileStream Create(long size, long maxIncrement = MapOptions.DefaultMaxIncrementSize, bool fixedSize = false) =>
        MappedFileStream.Open(_path, new MapOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Size = size,
            MaxIncrementSize = maxIncrement,
            FixedSize = fixedSize,
        });
}
