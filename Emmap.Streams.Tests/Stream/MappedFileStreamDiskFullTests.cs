using System;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Disk-full on a real, tiny file system: growth is an <see cref="IOException"/> from the call that grew, never a SIGBUS
/// later, and nothing the library does leaves a write that needs a block the disk does not have.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamDiskFullTests
{
    [Test]
    public void ViewOverACutRange_OnAFullDisk_WritesLandInMemoryThatCannotFaultAndRegrowReadsZeros()
    {
        using SmallFileSystem disk = SmallFileSystem.Mount(256);
        using var child = ChildHost.Start("stream-full-disk-view", disk.File("data.bin"), disk.File("filler"));

        child.ReadLine().ShouldBe($"shrunk {64 * 1024}");
        child.ReadLine().ShouldBe("full");
        child.ReadLine().ShouldBe("wrote through the view");
        child.ReadLine().ShouldBe($"grow refused, length {64 * 1024}");
        child.ReadLine().ShouldBe("regrown zeros");
        child.ShouldExitWith(0);
    }

    [Test]
    public void CreateOrTruncateOpen_ToASizeTheDiskCannotHold_ThrowsIOExceptionAndKeepsTheFile([Values(FileMode.Create, FileMode.Truncate)] FileMode mode)
    {
        using SmallFileSystem disk = SmallFileSystem.Mount(256);
        string path = disk.File("data.bin");
        byte[] content = Enumerable.Repeat((byte)0x5A, 64 * 1024).ToArray();
        File.WriteAllBytes(path, content);
        using var other = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });

        Should.Throw<IOException>(() => MappedFileStream.Open(path, new MapOptions { Mode = mode, Access = FileAccess.ReadWrite, Size = 1024 * 1024 }));

        other.Length.ShouldBe(content.Length);
        SharedFile.ReadAllBytes(path).ShouldBe(content);
        using var reopened = MappedFileStream.Open(path, new MapOptions { Mode = mode, Access = FileAccess.ReadWrite, Size = 128 * 1024 });
        reopened.Length.ShouldBe(128 * 1024);
        other.Length.ShouldBe(128 * 1024);
        SharedFile.ReadAllBytes(path).ShouldAllBe(b => b == 0);
    }

    [Test]
    public void WritePastTheEnd_OnANearlyFullDisk_GrowsByTheDataAloneAsFileStreamWould()
    {
        using SmallFileSystem disk = SmallFileSystem.Mount(256);
        using var stream = MappedFileStream.Open(disk.File("data.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 64 * 1024 });
        disk.FillUp();
        using (var filler = new FileStream(disk.File("filler"), FileMode.Open, FileAccess.Write))
        {
            // About 32 KiB free: room for the data, not for the growth policy's doubling of the file to 128 KiB.
            filler.SetLength(filler.Length - (32 * 1024));
        }

        byte[] data = Enumerable.Repeat((byte)7, 8 * 1024).ToArray();
        stream.WriteAt(64 * 1024, data);
        stream.Append(data).ShouldBe(72 * 1024);

        stream.Length.ShouldBe(80 * 1024);
        byte[] read = new byte[16 * 1024];
        stream.ReadAt(64 * 1024, read).ShouldBe(read.Length);
        read.ShouldAllBe(b => b == 7);
    }

    [Test]
    public void WritePastTheEnd_OnAFullDisk_ThrowsIOExceptionAndKeepsEverything()
    {
        using SmallFileSystem disk = SmallFileSystem.Mount(128);
        string path = disk.File("data.bin");
        using var stream = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096 });
        stream.WriteAt(0, Enumerable.Repeat((byte)1, 4096).ToArray());
        disk.FillUp();

        Should.Throw<IOException>(() => stream.WriteAt(4096, new byte[64 * 1024]));
        Should.Throw<IOException>(() => stream.Append(new byte[64 * 1024]));
        Should.Throw<IOException>(() => stream.SetLength(256 * 1024));

        stream.Length.ShouldBe(4096);
        byte[] data = new byte[4096];
        stream.ReadAt(0, data).ShouldBe(4096);
        data.ShouldAllBe(b => b == 1);
        stream.WriteAt(100, new byte[] { 2 });
        File.Delete(disk.File("filler"));
        stream.Append(new byte[64 * 1024]).ShouldBe(4096);
    }

    [Test]
    public void GatherWritePastTheEnd_WithRoomForTheFirstBufferOnly_ThrowsIOExceptionAndWritesNoBuffer()
    {
        using SmallFileSystem disk = SmallFileSystem.Mount(128);
        using var stream = MappedFileStream.Open(disk.File("data.bin"), new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096 });
        stream.WriteAt(0, Enumerable.Repeat((byte)1, 4096).ToArray());
        disk.FillUp();
        using (var filler = new FileStream(disk.File("filler"), FileMode.Open, FileAccess.Write))
        {
            // About 8 KiB free: room for the first buffer, not for both.
            filler.SetLength(filler.Length - (8 * 1024));
        }

        ReadOnlyMemory<byte>[] buffers = [Enumerable.Repeat((byte)2, 4096).ToArray(), new byte[64 * 1024]];
        Should.Throw<IOException>(() => stream.WriteAt(4096, buffers));

        stream.Length.ShouldBe(4096, "a call that throws changed nothing");
        stream.ReadAt(4096, new byte[1]).ShouldBe(0);
    }
}
