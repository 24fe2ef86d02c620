using System;
using System.Buffers;
using System.IO;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// Windows, private handles, fixed-size and append streams beside a shared handle of the same file that grows and shrinks it.
/// </summary>
[TestFixture]
public sealed class MappedFileStreamWindowPrivateTests
{
    private const int Page = 4096;

    private static readonly MapOptions s_shared = new() { Access = FileAccess.ReadWrite };
    private static readonly MapOptions s_private = new() { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private };

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("window.bin");
        File.WriteAllBytes(_path, Enumerable.Repeat((byte)0x5A, 3 * Page).ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void SetLength_OpenEndedWindowWhoseDataEndedBeforeIt_ToItsOwnLengthLeavesTheFile()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        using var window = MappedFileStream.Open(_path, 2 * Page, 0, s_shared);
        shared.SetLength(100);
        window.Length.ShouldBe(0);

        window.SetLength(0);

        shared.Length.ShouldBe(100);
        window.Length.ShouldBe(0);
    }

    [Test]
    public void Atomics_BoundedWindowCutByAnotherHandle_RefuseTheCutCellAndKeepTheRest()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        using var window = MappedFileStream.Open(_path, Page, Page, s_shared);
        shared.SetLength(Page + 16);

        window.Length.ShouldBe(16);
        window.AtomicAdd(8, 1).ShouldBe(0x5A5A5A5A5A5A5A5AL);
        Should.Throw<System.ArgumentOutOfRangeException>(() => window.AtomicAdd(16, 1));
        shared.Length.ShouldBe(Page + 16);
    }

    [Test]
    public void SetLength_PrivateShrinkThenGrow_ReadsZerosThroughEveryPath()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        using var mine = MappedFileStream.Open(_path, s_private);
        using IMemoryOwner<byte> before = mine.ReadDirect(0, 3 * Page);

        mine.SetLength(50);
        mine.SetLength(3 * Page);

        byte[] read = new byte[3 * Page];
        mine.ReadAt(0, read).ShouldBe(3 * Page);
        read[..50].ShouldAllBe(b => b == 0x5A);
        read[50..].ShouldAllBe(b => b == 0);
        before.Memory.Span[50..].ToArray().ShouldAllBe(b => b == 0);
        mine.Position = 40;
        mine.ReadLine()!.Length.ShouldBe((3 * Page) - 40);
        shared.Length.ShouldBe(3 * Page);
        byte[] file = new byte[3 * Page];
        shared.ReadAt(0, file).ShouldBe(3 * Page);
        file.ShouldAllBe(b => b == 0x5A);
    }

    [Test]
    public void SetLength_PrivateGrowsAfterTheSharedHandleGrewTheFile_ReadsItsOwnZeros()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        shared.SetLength(100);
        using var mine = MappedFileStream.Open(_path, s_private);
        shared.WriteAt(0, Enumerable.Repeat((byte)0x33, 5 * Page).ToArray());

        mine.Length.ShouldBe(100);
        mine.SetLength(5 * Page);

        byte[] read = new byte[5 * Page];
        mine.ReadAt(0, read).ShouldBe(5 * Page);
        read[100..].ShouldAllBe(b => b == 0);
        using IMemoryOwner<byte> view = mine.ReadDirect(0, 5 * Page);
        view.Memory.Span[100..].ToArray().ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Write_PrivatePastItsEndAfterTheSharedHandleGrewTheFile_GapReadsZeros()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        shared.SetLength(100);
        using var mine = MappedFileStream.Open(_path, s_private);
        shared.WriteAt(0, Enumerable.Repeat((byte)0x33, 5 * Page).ToArray());

        mine.WriteAt(3 * Page, "x"u8);

        mine.Length.ShouldBe((3 * Page) + 1);
        byte[] read = new byte[3 * Page];
        mine.ReadAt(100, read.AsSpan(0, (3 * Page) - 100)).ShouldBe((3 * Page) - 100);
        read[..((3 * Page) - 100)].ShouldAllBe(b => b == 0);
        shared.Length.ShouldBe(5 * Page);
    }

    [Test]
    public void Append_PrivateWindow_AppendsAtItsOwnEnd()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        using var mine = MappedFileStream.Open(_path, Page, 0, s_private);

        mine.Append("tail"u8).ShouldBe(2 * Page);
        shared.SetLength(Page + 10);
        mine.Append("more"u8).ShouldBe((2 * Page) + 4);

        mine.Length.ShouldBe((2 * Page) + 8);
        shared.Length.ShouldBe(Page + 10);
        byte[] read = new byte[8];
        mine.ReadAt(2 * Page, read).ShouldBe(8);
        read.ShouldBe("tailmore"u8.ToArray());
    }

    [Test]
    public void Write_AppendModeWindowAfterAShrinkBelowIt_WritesAtItsPosition()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        using var log = MappedFileStream.Open(_path, Page, 0, new MapOptions { Mode = FileMode.Append, Access = FileAccess.Write });
        log.Position.ShouldBe(2 * Page);
        shared.SetLength(10);

        log.Write("abc"u8);

        log.Position.ShouldBe((2 * Page) + 3);
        shared.Length.ShouldBe((3 * Page) + 3);
        byte[] read = new byte[(3 * Page) + 3];
        shared.ReadAt(0, read).ShouldBe(read.Length);
        read[10..(3 * Page)].ShouldAllBe(b => b == 0);
        read[(3 * Page)..].ShouldBe("abc"u8.ToArray());
        Should.Throw<IOException>(() => log.Seek(0, SeekOrigin.Begin));
    }

    [Test]
    public void SetLength_FixedSizeHandleAfterAnotherHandleGrewTheFile_RefusesAndKeepsTheFile()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        using var fixedHandle = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, FixedSize = true });
        shared.SetLength(4 * Page);

        fixedHandle.Length.ShouldBe(4 * Page);
        Should.Throw<IOException>(() => fixedHandle.SetLength(3 * Page));
        Should.Throw<IOException>(() => fixedHandle.WriteAt(4 * Page, "x"u8));
        fixedHandle.WriteAt((4 * Page) - 1, "y"u8);
        shared.Length.ShouldBe(4 * Page);
    }

    [Test]
    public void WriteAt_GatherPastTheEndOfAFixedSizeHandle_ThrowsAndWritesNothing()
    {
        using var fixedHandle = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, FixedSize = true });
        ReadOnlyMemory<byte>[] buffers = [new byte[] { 1, 2, 3 }, new byte[] { 4, 5, 6 }];

        Should.Throw<IOException>(() => fixedHandle.WriteAt((3 * Page) - 4, buffers));

        fixedHandle.Length.ShouldBe(3 * Page);
        byte[] read = new byte[4];
        fixedHandle.ReadAt((3 * Page) - 4, read).ShouldBe(4);
        read.ShouldAllBe(b => b == 0x5A);
    }

    [Test]
    public void WriteAt_GatherPastTheEndOfABoundedWindow_ThrowsAndWritesNothing()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        using var window = MappedFileStream.Open(_path, Page, Page, s_shared);
        ReadOnlyMemory<byte>[] buffers = [new byte[] { 1, 2, 3 }, new byte[] { 4, 5, 6 }];

        Should.Throw<IOException>(() => window.WriteAt(Page - 4, buffers));
        Should.Throw<IOException>(() => window.WriteAtAsync(Page - 4, buffers).AsTask().GetAwaiter().GetResult());

        byte[] read = new byte[4];
        shared.ReadAt((2 * Page) - 4, read).ShouldBe(4);
        read.ShouldAllBe(b => b == 0x5A);
        shared.Length.ShouldBe(3 * Page);
    }

    [Test]
    public void SetLength_PrivateGrowsBackOverPagesAViewWroteAfterTheShrink_ReadsZeros()
    {
        using var mine = MappedFileStream.Open(_path, s_private);
        using IMemoryOwner<byte> view = mine.ReadDirect(0, 3 * Page);

        mine.SetLength(100);
        view.Memory.Span[(2 * Page)..].Fill(0x77);
        mine.SetLength(3 * Page);

        byte[] read = new byte[3 * Page];
        mine.ReadAt(0, read).ShouldBe(3 * Page);
        read[100..].ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Reads_OnAWindowAndAPrivateHandleWhileASharedHandleShrinksAndGrows_SeeOnlyDataOrZeros()
    {
        using var shared = MappedFileStream.Open(_path, s_shared);
        using var window = MappedFileStream.Open(_path, Page + 3, 0, s_shared);
        using var mine = MappedFileStream.Open(_path, s_private);
        using var stop = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(1));
        var random = new Random(7);
        string? failure = null;

        void Check(ReadOnlySpan<byte> bytes, string what)
        {
            foreach (byte b in bytes)
            {
                if (b is not (0x5A or 0))
                {
                    failure ??= $"{what} read {b:X2}";
                }
            }
        }

        var readers = new[] { window, mine }.Select(stream => System.Threading.Tasks.Task.Run(() =>
        {
            byte[] buffer = new byte[3 * Page];
            while (!stop.IsCancellationRequested)
            {
                int read = stream.ReadAt(0, buffer);
                Check(buffer.AsSpan(0, read), "ReadAt");
                using (IMemoryOwner<byte> view = stream.ReadDirect(0, 3 * Page))
                {
                    Check(view.Memory.Span, "ReadDirect");
                }

                stream.Position = 0;
                if (stream.ReadLine() is { } line)
                {
                    Check(line, "ReadLine");
                }
            }
        })).ToArray();

        while (!stop.IsCancellationRequested)
        {
            shared.SetLength(random.Next(0, 3 * Page));
            shared.SetLength(3 * Page);
        }

        System.Threading.Tasks.Task.WaitAll(readers);
        failure.ShouldBeNull();
    }
}
