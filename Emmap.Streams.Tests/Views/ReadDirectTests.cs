using System;
using System.Buffers;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// <see cref="MappedFileStream.ReadDirect"/>: zero-copy views (emmap <c>direct</c>) that see every later write and pin
/// the mapping, so they stay valid after the stream is disposed and while the file grows.
/// </summary>
[TestFixture]
public sealed class ReadDirectTests
{
    private const int Page = 4096;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("views.bin");
        File.WriteAllBytes(_path, Enumerable.Range(0, 2 * Page).Select(i => (byte)(i % 199)).ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void ReadDirect_LaterWritesByAnyone_AreSeenThroughTheView()
    {
        using var stream = OpenWritable();
        using var other = OpenWritable();
        using IMemoryOwner<byte> view = stream.ReadDirect(100, 5);

        stream.WriteAt(100, "self!"u8);
        view.Memory.ToArray().ShouldBe("self!"u8.ToArray());
        other.WriteAt(100, "other"u8);
        view.Memory.ToArray().ShouldBe("other"u8.ToArray());
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            RandomAccess.Write(file.SafeFileHandle, "plain"u8, 100);
        }

        view.Memory.ToArray().ShouldBe("plain"u8.ToArray());
    }

    [Test]
    public void ReadDirect_WriteThroughTheView_ReachesTheFileAndTheStream()
    {
        using var stream = OpenWritable();
        using IMemoryOwner<byte> view = stream.ReadDirect(Page - 2, 4);

        "edit"u8.CopyTo(view.Memory.Span);

        byte[] read = new byte[4];
        stream.ReadAt(Page - 2, read).ShouldBe(4);
        read.ShouldBe("edit"u8.ToArray());
        SharedFile.ReadAllBytes(_path)[(Page - 2)..(Page + 2)].ShouldBe("edit"u8.ToArray());
    }

    [Test]
    public void ReadDirect_AfterTheStreamIsDisposed_StillReadsAndWritesTheFile()
    {
        var stream = OpenWritable();
        IMemoryOwner<byte> view = stream.ReadDirect(0, 2 * Page);
        byte[] expected = SharedFile.ReadAllBytes(_path);

        stream.Dispose();

        view.Memory.ToArray().ShouldBe(expected);
        "after"u8.CopyTo(view.Memory.Span);
        SharedFile.ReadAllBytes(_path)[..5].ShouldBe("after"u8.ToArray());
        view.Dispose();
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public void ReadDirect_LastViewDisposed_TheFileIsNoLongerMapped()
    {
        var stream = OpenWritable();
        IMemoryOwner<byte> first = stream.ReadDirect(0, 10);
        IMemoryOwner<byte> second = stream.ReadDirect(Page, 10);
        stream.Dispose();

        ProcessMaps.Maps(_path).ShouldBeTrue();
        first.Dispose();
        ProcessMaps.Maps(_path).ShouldBeTrue("the second view still pins the mapping");
        second.Dispose();

        ProcessMaps.Maps(_path).ShouldBeFalse();
        ProcessMaps.OpenDescriptors(_path).ShouldBe(0);
    }

    [Test]
    public void ReadDirect_DisposedTwice_IsHarmlessAndLiveViewCountFollows()
    {
        using var stream = OpenWritable();
        using var other = MappedFileStream.Open(_path);
        IMemoryOwner<byte> view = stream.ReadDirect(0, 10);
        IMemoryOwner<byte> second = other.ReadDirect(0, 10);

        stream.LiveViewCount.ShouldBe(2, "all shared handles of the file count");
        view.Dispose();
        view.Dispose();
        stream.LiveViewCount.ShouldBe(1);
        second.Dispose();

        stream.LiveViewCount.ShouldBe(0);
        other.LiveViewCount.ShouldBe(0);
        Should.Throw<ObjectDisposedException>(() => view.Memory.Span.Length);
    }

    [Test]
    public void ReadDirect_WhileTheFileGrows_TheViewKeepsItsAddressAndSeesLaterWrites()
    {
        using var stream = OpenWritable();
        using IMemoryOwner<byte> view = stream.ReadDirect(10, 6);
        byte[] before = view.Memory.ToArray();

        for (int i = 0; i < 8; i++)
        {
            stream.Resize();
        }

        stream.WriteAt(stream.Length, new byte[100_000]);
        stream.Length.ShouldBe((2L * Page << 8) + 100_000);
        view.Memory.ToArray().ShouldBe(before);

        stream.WriteAt(10, "grown!"u8);
        view.Memory.ToArray().ShouldBe("grown!"u8.ToArray());
        using IMemoryOwner<byte> fresh = stream.ReadDirect(10, 6);
        fresh.Memory.ToArray().ShouldBe("grown!"u8.ToArray());
        if (!OperatingSystem.IsWindows())
        {
            // Windows maps growth in place only from a 64 KiB boundary; this file's first views end off it, so growth moves
            // to a new region there, and a new view has a new address (the old one keeps its own, as checked above).
            SameAddress(fresh.Memory, view.Memory).ShouldBeTrue("growth maps more of the file at the same address");
        }
    }

    [Test]
    public void ReadDirect_ShrinkBelowTheView_ReadsZerosAndTheFileIsTruncated()
    {
        using var stream = OpenWritable();
        IMemoryOwner<byte> view = stream.ReadDirect(Page, Page);

        stream.SetLength(Page / 2);

        view.Memory.Span.ToArray().ShouldAllBe(b => b == 0);
        stream.Length.ShouldBe(Page / 2);
        SizeOnDisk.ShouldBeWhileMapped(_path, Page / 2);
        view.Memory.Span.Fill(0x33);
        view.Dispose();
        SizeOnDisk.ShouldBeWhileMapped(_path, Page / 2);
        stream.Dispose();
        SizeOnDisk.Of(_path).ShouldBe(Page / 2);
    }

    [Test]
    public void ReadDirect_NearAndPastTheEnd_IsClipped()
    {
        using var stream = OpenWritable();

        using IMemoryOwner<byte> near = stream.ReadDirect((2 * Page) - 3, 100);
        using IMemoryOwner<byte> at = stream.ReadDirect(2 * Page, 100);
        using IMemoryOwner<byte> past = stream.ReadDirect(5 * Page, 100);
        using IMemoryOwner<byte> zero = stream.ReadDirect(0, 0);

        near.Memory.Length.ShouldBe(3);
        at.Memory.Length.ShouldBe(0);
        past.Memory.Length.ShouldBe(0);
        zero.Memory.Length.ShouldBe(0);
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public unsafe void Pin_OutlivesTheViewAndTheStream_UntilTheHandleIsDisposed()
    {
        var stream = OpenWritable();
        IMemoryOwner<byte> view = stream.ReadDirect(0, 16);
        MemoryHandle pin = view.Memory.Pin();
        view.Dispose();
        stream.Dispose();

        ProcessMaps.Maps(_path).ShouldBeTrue();
        new ReadOnlySpan<byte>(pin.Pointer, 16).ToArray().ShouldBe(SharedFile.ReadAllBytes(_path)[..16]);
        pin.Dispose();

        ProcessMaps.Maps(_path).ShouldBeFalse();
    }

    [Test]
    [LinuxOnly("reads /proc/self/maps and /proc/self/fd to see what is mapped and open")]
    public void ReadDirect_AutoUnlink_DeletesAtStreamDisposeWhileTheViewStaysReadable()
    {
        var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, AutoUnlink = true });
        IMemoryOwner<byte> view = stream.ReadDirect(0, 4);
        byte[] expected = view.Memory.ToArray();

        stream.Dispose();

        File.Exists(_path).ShouldBeFalse();
        view.Memory.ToArray().ShouldBe(expected);
        ProcessMaps.Maps(_path).ShouldBeTrue();
        view.Dispose();
        ProcessMaps.Maps(_path).ShouldBeFalse();
    }

    [Test]
    public void ReadDirect_PrivateStream_WritesThroughTheViewStayPrivate()
    {
        byte[] original = SharedFile.ReadAllBytes(_path);
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private });
        using IMemoryOwner<byte> view = stream.ReadDirect(0, 4);

        "mine"u8.CopyTo(view.Memory.Span);

        byte[] read = new byte[4];
        stream.ReadAt(0, read);
        read.ShouldBe("mine"u8.ToArray());
        SharedFile.ReadAllBytes(_path).ShouldBe(original);
    }

    [Test]
    public void ReadDirect_ReadOnlyStream_ViewReadsTheData()
    {
        using var stream = MappedFileStream.Open(_path);

        using IMemoryOwner<byte> view = stream.ReadDirect(Page, 8);

        view.Memory.ToArray().ShouldBe(SharedFile.ReadAllBytes(_path)[Page..(Page + 8)]);
    }

    [TestCase("shared")]
    [TestCase("private")]
    public void ReadDirect_WriteThroughAViewOfAReadOnlyStream_DoesNotCrashAndNeverReachesTheFile(string sharing)
    {
        // A misuse (the stream is read-only), run in a child process so a fault could not take the test run down.
        byte[] before = SharedFile.ReadAllBytes(_path);

        string output = ChildHost.Run("stream-view-write", _path, "oops", sharing);

        output.Split('\n')[0].ShouldBe("oops", "the write stays in the child's own copy of the page");
        SharedFile.ReadAllBytes(_path).ShouldBe(before);
    }

    private static unsafe bool SameAddress(Memory<byte> a, Memory<byte> b)
    {
        fixed (byte* pa = a.Span)
        fixed (byte* pb = b.Span)
        {
            return pa == pb;
        }
    }

    private MappedFileStream OpenWritable() => MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
}
