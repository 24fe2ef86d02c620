using System;
using System.IO;
using System.Linq;
using Emmap.Streams.Mapping;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Mapping;

/// <summary>
/// A stream's own copy of the access protocol's inputs (<see cref="HandleAccess"/>), which its fast paths read instead of
/// the mapping: it refuses what the stream may not do, follows every length change and move of the mapping made through
/// any handle, and an access in flight sees the stream's own dispose. Each test drives the protocol step by step.
/// </summary>
[TestFixture]
public sealed class HandleAccessTests
{
    private const int Page = 4096;
    private const byte Data = 0x5A;

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("copy.bin");
        File.WriteAllBytes(_path, Enumerable.Repeat(Data, 2 * Page).ToArray());
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public void End_AfterTheStreamItselfIsDisposed_ReportsAMove([Values] bool lastHandle)
    {
        using var keeper = lastHandle ? null : Open(FileAccess.ReadWrite);
        var stream = Open(FileAccess.ReadWrite);

        MappedAccess.TryBeginRead(stream, 0, 64, out MappedAccess access).ShouldBeTrue();
        stream.Dispose();

        access.End(stream).ShouldBeFalse("a read in flight must not trust bytes of a handle disposed under it");
    }

    [Test]
    public void TryBegin_OnADisposedStream_RefusesEveryRangeEvenAnEmptyOne()
    {
        var stream = Open(FileAccess.ReadWrite);
        stream.Dispose();

        CanRead(stream, 0, 0).ShouldBeFalse();
        CanWrite(stream, 0, 0).ShouldBeFalse();
        CanUpdate(stream, 0, 8).ShouldBeFalse();
    }

    [Test]
    public void TryBegin_ReadOnlyAndWriteOnlyStreams_AreRefusedWhatTheyMayNotDo()
    {
        using var reader = Open(FileAccess.Read);
        if (OperatingSystem.IsLinux())
        {
            CanRead(reader, 0, 64).ShouldBeFalse("on Linux a read-only stream reads its first bytes from the file, before it maps it");
        }

        _ = reader.View;
        CanRead(reader, 0, 64).ShouldBeTrue();
        CanWrite(reader, 0, 0).ShouldBeFalse();
        CanUpdate(reader, 0, 8).ShouldBeFalse();

        using var writer = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.Open, Access = FileAccess.Write });
        CanWrite(writer, 0, 64).ShouldBeTrue();
        CanRead(writer, 0, 0).ShouldBeFalse();
        CanUpdate(writer, 0, 8).ShouldBeFalse();
    }

    [Test]
    public void TryBegin_NegativePositionsAndRangesPastTheEnd_AreRefused()
    {
        using var stream = Open(FileAccess.ReadWrite);

        CanRead(stream, -1, 1).ShouldBeFalse();
        CanWrite(stream, long.MinValue, 0).ShouldBeFalse();
        CanRead(stream, (2 * Page) - 63, 64).ShouldBeFalse();
        CanRead(stream, (2 * Page) - 64, 64).ShouldBeTrue();
        CanRead(stream, long.MaxValue, 64).ShouldBeFalse();
        CanRead(stream, long.MaxValue - 10, int.MaxValue).ShouldBeFalse("position + count must not wrap around");
        CanWrite(stream, long.MaxValue, int.MaxValue).ShouldBeFalse();
        CanRead(stream, 0, int.MaxValue).ShouldBeFalse();
        CanRead(stream, 2 * Page, 0).ShouldBeTrue("an empty range at the end is inside the data");
        CanRead(stream, (2 * Page) + 1, 0).ShouldBeFalse();
        CanUpdate(stream, (2 * Page) - 8, 8).ShouldBeTrue();
        CanUpdate(stream, (2 * Page) - 7, 8).ShouldBeFalse();
    }

    [Test]
    public void Copy_FollowsGrowthAndCutsMadeThroughAnotherHandle()
    {
        using var stream = Open(FileAccess.ReadWrite);
        using var other = Open(FileAccess.ReadWrite);

        other.SetLength(4 * Page);
        CanRead(stream, (4 * Page) - 64, 64).ShouldBeTrue("the growth is published to every handle");

        MappedAccess.TryBeginRead(stream, Page, 64, out MappedAccess access).ShouldBeTrue();
        other.SetLength(Page);
        access.End(stream).ShouldBeFalse("the cut reached this handle's copy");
        CanRead(stream, Page, 64).ShouldBeFalse("the lower length reached this handle's copy");
        MappedAccess.TryBeginRead(stream, Page - 64, 64, out access).ShouldBeTrue();
        access.End(stream).ShouldBeTrue();
    }

    [Test]
    public void Copy_OfAWindow_IsClippedToTheWindow()
    {
        using var window = MappedFileStream.Open(_path, 100, Page, new MapOptions { Access = FileAccess.ReadWrite });

        MappedAccess.TryBeginRead(window, Page - 64, 64, out MappedAccess access).ShouldBeTrue();
        access.End(window).ShouldBeTrue();
        CanRead(window, Page - 63, 64).ShouldBeFalse();
        CanUpdate(window, 4, 8).ShouldBeTrue("alignment is the caller's check, not the range's");
    }

    [Test]
    public void Copy_OfAPrivateStream_FollowsItsOwnLengthOnly()
    {
        using var shared = Open(FileAccess.ReadWrite);
        using var own = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Sharing = MapSharing.Private });

        own.SetLength(Page);
        CanRead(own, Page, 64).ShouldBeFalse();
        CanRead(shared, Page, 64).ShouldBeTrue("a private length is the private handle's alone");

        own.WriteAt(3 * Page, [1, 2, 3]);
        CanRead(own, 3 * Page, 3).ShouldBeTrue();
        own.ReadAt(Page, new byte[8]).ShouldBe(8);
    }

    [Test]
    public void Copy_AfterTheMappingMovedToALargerReservation_ReadsAndWritesTheFile()
    {
        // The smallest reservation is 1 GiB: growing past it maps the file again elsewhere, and every handle must follow.
        const long Past = (1L << 30) + Page;
        using var stream = Open(FileAccess.ReadWrite);
        using var other = Open(FileAccess.ReadWrite);
        stream.WriteAt(Page, [1, 2, 3, 4]);
        try
        {
            other.SetLength(Past + Page);

            stream.WriteAt(Past, [9, 8, 7]);
            byte[] buffer = new byte[4];
            stream.ReadAt(Page, buffer).ShouldBe(4);
            buffer.ShouldBe(new byte[] { 1, 2, 3, 4 });
            other.ReadAt(Past, buffer).ShouldBe(4);
            buffer.ShouldBe(new byte[] { 9, 8, 7, 0 });

            // What the handles did is in the file, and what the file holds is what they read.
            using var plain = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            RandomAccess.Read(plain.SafeFileHandle, buffer, Past).ShouldBe(4);
            buffer.ShouldBe(new byte[] { 9, 8, 7, 0 });
            RandomAccess.Write(plain.SafeFileHandle, new byte[] { 5, 6 }, Past + 100);
            stream.ReadAt(Past + 100, buffer.AsSpan(0, 2)).ShouldBe(2);
            buffer[..2].ShouldBe(new byte[] { 5, 6 });
        }
        finally
        {
            other.SetLength(2 * Page);
        }
    }

    // Whether the handle hands out a pointer for the range. An access begun is ended at once, as every path of the library
    // ends its own: on Windows an access left recorded on the thread makes every release of its mapping wait for the finalizer.
    private static bool CanRead(MappedFileStream stream, long position, long count) =>
        Ended(MappedAccess.TryBeginRead(stream, position, count, out _));

    private static bool CanWrite(MappedFileStream stream, long position, long count) =>
        Ended(MappedAccess.TryBeginWrite(stream, position, count, out _));

    private static bool CanUpdate(MappedFileStream stream, long position, long count) =>
        Ended(MappedAccess.TryBeginUpdate(stream, position, count, out _));

    private static bool Ended(bool begun)
    {
        if (begun)
        {
            MappedAccess.EndUntouched();
        }

        return begun;
    }

    private MappedFileStream Open(FileAccess access) => MappedFileStream.Open(_path, new MapOptions { Access = access });
}
