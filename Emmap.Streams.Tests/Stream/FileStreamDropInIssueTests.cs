using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.Versioning;
using System.Threading.Tasks;
using Emmap.Streams.Tests.StreamTests.Differential;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// A <see cref="MappedFileStream"/> put where a <see cref="FileStream"/> was: the asynchronous positional forms refuse bad
/// arguments at the call as <see cref="RandomAccess"/> does, positional writes on an <see cref="FileMode.Append"/> stream leave the
/// bytes a <see cref="FileStream"/>'s handle leaves, another reader sees the length after <see cref="Stream.FlushAsync()"/> and
/// <see cref="Stream.DisposeAsync"/> as after their synchronous forms, and <see cref="MapOptions.Size"/> with
/// <see cref="MapOptions.FixedSize"/> never asserts the length of an existing file.
/// </summary>
[TestFixture]
public sealed class FileStreamDropInIssueTests
{
    private static readonly byte[] s_content = "0123456789"u8.ToArray();

    private Twins _twins = null!;

    [SetUp]
    public void SetUp() => _twins = new Twins();

    [TearDown]
    public void TearDown() => _twins.Dispose();

    [Test]
    public void AsyncScatterGather_NullBuffers_ThrowAtTheCallAsRandomAccess()
    {
        _twins.Seed(s_content);
        string expected;
        using (var file = new FileStream(_twins.FilePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0))
        {
            expected = Outcome.Of(() => RandomAccess.ReadAsync(file.SafeFileHandle, (IReadOnlyList<Memory<byte>>)null!, 0).AsTask()).Text + " | "
                + Outcome.Of(() => RandomAccess.WriteAsync(file.SafeFileHandle, (IReadOnlyList<ReadOnlyMemory<byte>>)null!, 0).AsTask()).Text;
        }

        string actual;
        using (var mapped = new MappedFileStream(_twins.MappedPath, FileMode.Open, FileAccess.ReadWrite))
        {
            actual = Outcome.Of(() => mapped.ReadAtAsync(0, (IReadOnlyList<Memory<byte>>)null!).AsTask()).Text + " | "
                + Outcome.Of(() => mapped.WriteAtAsync(0, (IReadOnlyList<ReadOnlyMemory<byte>>)null!).AsTask()).Text;
        }

        expected.ShouldBe("throws ArgumentNullException | throws ArgumentNullException");
        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk();
    }

    [Test]
    public void AsyncScatterGather_NegativePositionWithNullBuffers_ThrowsWhatRandomAccessThrows()
    {
        _twins.Seed(s_content);
        string expected;
        using (var file = new FileStream(_twins.FilePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0))
        {
            expected = Outcome.Of(() => RandomAccess.ReadAsync(file.SafeFileHandle, (IReadOnlyList<Memory<byte>>)null!, -1).AsTask()).Text + " | "
                + Outcome.Of(() => RandomAccess.WriteAsync(file.SafeFileHandle, (IReadOnlyList<ReadOnlyMemory<byte>>)null!, -1).AsTask()).Text;
        }

        string actual;
        using (var mapped = new MappedFileStream(_twins.MappedPath, FileMode.Open, FileAccess.ReadWrite))
        {
            actual = Outcome.Of(() => mapped.ReadAtAsync(-1, (IReadOnlyList<Memory<byte>>)null!).AsTask()).Text + " | "
                + Outcome.Of(() => mapped.WriteAtAsync(-1, (IReadOnlyList<ReadOnlyMemory<byte>>)null!).AsTask()).Text;
        }

        actual.ShouldBe(expected);
    }

    [Test]
    public async Task PositionalWrites_OnAnAppendStream_LeaveTheBytesAFileStreamHandleLeaves()
    {
        _twins.Seed(s_content);
        string expected;
        using (var file = new FileStream(_twins.FilePath, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0))
        {
            RandomAccess.Write(file.SafeFileHandle, "ab"u8, 2);
            await RandomAccess.WriteAsync(file.SafeFileHandle, "cd"u8.ToArray(), 12);
            await RandomAccess.WriteAsync(file.SafeFileHandle, new ReadOnlyMemory<byte>[] { "e"u8.ToArray(), "f"u8.ToArray() }, 0);
            file.Write("Z"u8);
            expected = $"{file.Position} {file.Length}";
        }

        string actual;
        using (var mapped = new MappedFileStream(_twins.MappedPath, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            mapped.WriteAt(2, "ab"u8);
            await mapped.WriteAtAsync(12, "cd"u8.ToArray());
            await mapped.WriteAtAsync(0, new ReadOnlyMemory<byte>[] { "e"u8.ToArray(), "f"u8.ToArray() });
            mapped.Write("Z"u8);
            actual = $"{mapped.Position} {mapped.Length}";
        }

        actual.ShouldBe(expected);
        _twins.ShouldMatchOnDisk("after positional writes on an Append stream");
        actual.ShouldBe("11 14"); // the stream's own write goes at its position, which positional writes do not move
        File.ReadAllBytes(_twins.MappedPath).ShouldBe("efab456789Z\0cd"u8.ToArray());
    }

    [Test]
    public async Task FlushAsync_AfterWritesPastTheEnd_SizeOnDiskIsTheLength()
    {
        using var stream = new MappedFileStream(_twins.MappedPath, FileMode.Create);
        stream.Write("0123456789"u8);
        await stream.WriteAsync(new byte[90]);
        await stream.WriteAtAsync(200, "end"u8.ToArray());

        await stream.FlushAsync();

        stream.Length.ShouldBe(203);
        SizeOnDisk.ShouldBeWhileMapped(_twins.MappedPath, 203, "after FlushAsync");
    }

    [Test]
    public async Task DisposeAsync_TheOnlyHandle_SizeOnDiskAndBytesAreAFileStreamsAfterItsDisposeAsync()
    {
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            Stream stream = _twins.Open(kind, FileMode.Create, FileAccess.Write);
            await stream.WriteAsync("0123456789"u8.ToArray());
            stream.Position = 30;
            stream.WriteByte(0x7A);
            await stream.DisposeAsync();
        }

        SizeOnDisk.Of(_twins.MappedPath).ShouldBe(31);
        _twins.ShouldMatchOnDisk("after DisposeAsync");
    }

    [Test]
    public void SetLengthShorterThenFlush_AnotherReaderSeesTheShorterFile()
    {
        _twins.Seed(new byte[5000]);
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            using Stream stream = _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            stream.Write(new byte[3000]);
            stream.SetLength(1234);
            stream.Flush();

            using var reader = new FileStream(_twins.PathOf(kind), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (kind == StreamKind.FileStream || SizeOnDisk.MappedFilesCanShrink)
            {
                reader.Length.ShouldBe(1234, $"{kind}: the size another reader sees after SetLength and Flush");
            }

            stream.Position.ShouldBe(1234, $"{kind}: SetLength below the position moves it to the end");
        }

        SizeOnDisk.Of(_twins.MappedPath).ShouldBe(1234);
        _twins.ShouldMatchOnDisk();
    }

    [Test]
    public void AsyncScatterGather_DisposedWithNullBuffers_ThrowsWhatRandomAccessThrowsOnAClosedHandle()
    {
        _twins.Seed(s_content);
        var file = new FileStream(_twins.FilePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        var handle = file.SafeFileHandle;
        file.Dispose();
        string expected = Outcome.Of(() => RandomAccess.ReadAsync(handle, (IReadOnlyList<Memory<byte>>)null!, 0).AsTask()).Text + " | "
            + Outcome.Of(() => RandomAccess.WriteAsync(handle, (IReadOnlyList<ReadOnlyMemory<byte>>)null!, 0).AsTask()).Text;

        var mapped = new MappedFileStream(_twins.MappedPath, FileMode.Open, FileAccess.ReadWrite);
        mapped.Dispose();
        string actual = Outcome.Of(() => mapped.ReadAtAsync(0, (IReadOnlyList<Memory<byte>>)null!).AsTask()).Text + " | "
            + Outcome.Of(() => mapped.WriteAtAsync(0, (IReadOnlyList<ReadOnlyMemory<byte>>)null!).AsTask()).Text;

        expected.ShouldBe("throws ObjectDisposedException | throws ObjectDisposedException");
        actual.ShouldBe(expected);
    }

    [Test]
    public void Name_RelativePathWithDotDot_IsTheFullPathAFileStreamGives()
    {
        _twins.Seed(s_content);
        string Spelled(string path) => Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(Path.GetDirectoryName(path)!, ".", "..", Path.GetFileName(Path.GetDirectoryName(path))!, Path.GetFileName(path)));

        string expected;
        using (var file = new FileStream(Spelled(_twins.FilePath), FileMode.Open, FileAccess.Read))
        {
            expected = file.Name;
        }

        using var mapped = new MappedFileStream(Spelled(_twins.MappedPath), FileMode.Open, FileAccess.Read);

        expected.ShouldBe(_twins.FilePath);
        mapped.Name.ShouldBe(_twins.MappedPath);
    }

    [Test]
    public void Flush_WithAnotherHandleOfTheFileOpenInTheProcess_SizeOnDiskIsTheLength()
    {
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            using Stream reader = _twins.Open(kind, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
            using Stream writer = _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            writer.Write(new byte[10]);
            writer.Write(new byte[33]);

            writer.Flush();

            if (kind == StreamKind.FileStream || SizeOnDisk.MappedFilesCanShrink)
            {
                SizeOnDisk.Of(_twins.PathOf(kind)).ShouldBe(43, $"{kind} after Flush with a reader open");
            }

            reader.Length.ShouldBe(43);
        }

        SizeOnDisk.Of(_twins.MappedPath).ShouldBe(43, "after the last close");
    }

    [Test]
    public void CreateOverAFileAnotherStreamHasOpen_TheOtherStreamSeesWhatAFileStreamSees()
    {
        _twins.Seed(s_content);
        var results = new Dictionary<StreamKind, string>();
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            using Stream first = _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            first.Position = 6;
            using (Stream second = _twins.Open(kind, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                second.Write("ab"u8);
                second.Flush();
            }

            long length = first.Length;
            int atOldPosition = first.ReadByte();
            first.Position = 0;
            byte[] head = new byte[4];
            int read = first.Read(head);
            first.Write("Z"u8);
            results[kind] = $"{length} {atOldPosition} {read} {Convert.ToHexString(head)} {first.Length}";
        }

        results[StreamKind.FileStream].ShouldBe("2 -1 2 61620000 3");
        results[StreamKind.Mapped].ShouldBe(results[StreamKind.FileStream]);
        _twins.ShouldMatchOnDisk("after the first stream wrote behind the second one's Create");
    }

    [Test]
    public void AppendStreamBesideAWriterOfTheProcess_WritesWhereAFileStreamWrites()
    {
        _twins.Seed(s_content);
        var results = new Dictionary<StreamKind, string>();
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            using Stream appender = _twins.Open(kind, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            using Stream writer = _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            writer.Seek(0, SeekOrigin.End);
            writer.Write("grown"u8);
            writer.Flush();

            appender.Write("A"u8);
            appender.Flush();
            string seek = Outcome.Of(() => appender.Seek(9, SeekOrigin.Begin)).Text;
            results[kind] = $"{appender.Position} {appender.Length} {writer.Length} {seek}";
        }

        results[StreamKind.FileStream].ShouldBe("11 15 15 throws IOException");
        results[StreamKind.Mapped].ShouldBe(results[StreamKind.FileStream]);
        _twins.ShouldMatchOnDisk("after an append stream wrote at its own position");
        File.ReadAllBytes(_twins.MappedPath).ShouldBe("0123456789Arown"u8.ToArray());
    }

    [Test]
    [UnsupportedOSPlatform("windows")] // Windows deletes a DeleteOnClose file at the last handle's close, not the stream's.
    public async Task DeleteOnCloseBesideAnotherHandle_DisposeAsyncRemovesTheNameAndTheOtherHandleGoesOn()
    {
        _twins.Seed(s_content);
        var results = new Dictionary<StreamKind, string>();
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            string path = _twins.PathOf(kind);
            var options = new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite | FileShare.Delete, Options = FileOptions.DeleteOnClose,
            };
            await using Stream other = _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            Stream deleting = kind == StreamKind.FileStream ? new FileStream(path, options) : new MappedFileStream(path, options);
            deleting.Write("ab"u8);
            await deleting.DisposeAsync();

            bool exists = File.Exists(path);
            other.Write("XY"u8);
            other.Position = 0;
            byte[] all = new byte[20];
            int read = other.Read(all);
            string reopen = Outcome.Of(() => { using Stream again = _twins.Open(kind, FileMode.Open, FileAccess.Read, FileShare.ReadWrite); return "opened"; }).Text;
            results[kind] = $"{exists} {read} {Convert.ToHexString(all, 0, read)} {reopen}";
        }

        results[StreamKind.FileStream].ShouldBe("False 10 58593233343536373839 throws FileNotFoundException");
        results[StreamKind.Mapped].ShouldBe(results[StreamKind.FileStream]);
        File.Exists(_twins.MappedPath).ShouldBeFalse();
    }

    [Test]
    [UnsupportedOSPlatform("windows")] // Windows cannot truncate a mapped file (difference 16); the size on disk is checked while it is mapped.
    public void TruncateUnderAWriteOnlyStream_TheStreamKeepsItsPositionAndWritesThere()
    {
        var results = new Dictionary<StreamKind, string>();
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            string path = _twins.PathOf(kind);
            using Stream writer = _twins.Open(kind, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
            writer.Write(new byte[7000]);
            Twins.FlushToDisk(writer);
            long flushed = SizeOnDisk.Of(path);
            using (Stream truncating = _twins.Open(kind, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
            {
                truncating.Write("q"u8);
            }

            long truncated = SizeOnDisk.Of(path);
            string seen = $"{writer.Length} {writer.Position}";
            writer.Write("zz"u8);
            writer.Flush();
            results[kind] = $"{flushed} {truncated} {seen} {writer.Length} {SizeOnDisk.Of(path)}";
        }

        results[StreamKind.FileStream].ShouldBe("7000 1 1 7000 7002 7002");
        results[StreamKind.Mapped].ShouldBe(results[StreamKind.FileStream]);
        _twins.ShouldMatchOnDisk();
    }

    [Test]
    [UnsupportedOSPlatform("windows")] // Windows cannot truncate a mapped file (difference 16); the size on disk is checked while it is mapped.
    public void SeekPastTheEndThenFlush_LeavesTheSize_SetLengthBelowThePositionThenFlush_ShrinksIt()
    {
        _twins.Seed(s_content);
        var results = new Dictionary<StreamKind, string>();
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            using Stream stream = _twins.Open(kind, FileMode.Open, FileAccess.ReadWrite);
            stream.Seek(5000, SeekOrigin.Begin);
            stream.Flush();
            long afterSeek = SizeOnDisk.Of(_twins.PathOf(kind));
            stream.WriteByte(1);
            stream.SetLength(3);
            stream.Flush();
            results[kind] = $"{afterSeek} {SizeOnDisk.Of(_twins.PathOf(kind))} {stream.Position} {stream.Length}";
        }

        results[StreamKind.FileStream].ShouldBe("10 3 3 3");
        results[StreamKind.Mapped].ShouldBe(results[StreamKind.FileStream]);
        _twins.ShouldMatchOnDisk();
    }

    [TestCase(true, FileOptions.None)]
    [TestCase(false, FileOptions.Asynchronous | FileOptions.SequentialScan)]
    [TestCase(false, FileOptions.RandomAccess | FileOptions.WriteThrough)]
    public async Task BufferAndOptionsConstructors_AsyncCalls_MatchFileStream(bool useAsync, FileOptions options)
    {
        _twins.Seed(s_content);
        var results = new Dictionary<StreamKind, string>();
        foreach (StreamKind kind in new[] { StreamKind.FileStream, StreamKind.Mapped })
        {
            string path = _twins.PathOf(kind);
            Stream stream = (kind, options) switch
            {
                (StreamKind.FileStream, FileOptions.None) => new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, useAsync),
                (StreamKind.FileStream, _) => new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 4096, options),
                (_, FileOptions.None) => new MappedFileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, useAsync),
                _ => new MappedFileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 4096, options),
            };
            await using (stream)
            {
                byte[] head = new byte[4];
                int read = await stream.ReadAsync(head);
                await stream.WriteAsync("ab"u8.ToArray());
                stream.Seek(0, SeekOrigin.End);
                await stream.WriteAsync("tail"u8.ToArray());
                await stream.FlushAsync();
                stream.Position = 2;
                var copy = new MemoryStream();
                await stream.CopyToAsync(copy, 3);
                results[kind] = $"{read} {Convert.ToHexString(head)} {stream.Position} {stream.Length} {Convert.ToHexString(copy.ToArray())}";
            }
        }

        results[StreamKind.FileStream].ShouldBe("4 30313233 14 14 " + Convert.ToHexString("23ab6789tail"u8));
        results[StreamKind.Mapped].ShouldBe(results[StreamKind.FileStream]);
        _twins.ShouldMatchOnDisk();
    }

    [Test]
    public void Open_ExistingLongerFileWithSizeAndFixedSize_KeepsItsLengthAndFixesIt()
    {
        File.WriteAllBytes(_twins.MappedPath, s_content);
        var options = new MapOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Size = 4, FixedSize = true };

        using (var stream = MappedFileStream.Open(_twins.MappedPath, options))
        {
            stream.Length.ShouldBe(10);
            stream.WriteAt(6, "wxyz"u8);
            Should.Throw<IOException>(() => stream.WriteAt(8, "abc"u8));
            Should.Throw<IOException>(() => stream.SetLength(11));
            stream.Length.ShouldBe(10);
        }

        File.ReadAllBytes(_twins.MappedPath).ShouldBe("012345wxyz"u8.ToArray());
    }

    [Test]
    public void Open_ExistingShorterFileWithSizeAndFixedSize_KeepsItsLengthUnlessFit()
    {
        File.WriteAllBytes(_twins.MappedPath, s_content);

        using (var stream = MappedFileStream.Open(_twins.MappedPath, new MapOptions { Access = FileAccess.ReadWrite, Size = 64, FixedSize = true }))
        {
            stream.Length.ShouldBe(10);
            Should.Throw<IOException>(() => stream.WriteAt(10, "x"u8));
        }

        using (var stream = MappedFileStream.Open(_twins.MappedPath, new MapOptions { Access = FileAccess.ReadWrite, Size = 64, FixedSize = true, Fit = true }))
        {
            stream.Length.ShouldBe(64);
            stream.WriteAt(63, "x"u8);
            Should.Throw<IOException>(() => stream.WriteAt(64, "y"u8));
        }

        byte[] expected = new byte[64];
        s_content.CopyTo(expected, 0);
        expected[63] = (byte)'x';
        File.ReadAllBytes(_twins.MappedPath).ShouldBe(expected);
    }
}
