using System;
using System.Buffers;
using System.IO;
using System.IO.Compression;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary><c>ReadAt</c>/<c>ReadExactlyAt</c>/<c>WriteAt</c> (pread/pwrite) on any stream: <see cref="FileStream"/> (RandomAccess) and <see cref="MemoryStream"/> (seek and restore).</summary>
[TestFixture]
public sealed class StreamExtensionsTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    public enum Kind
    {
        File,
        Memory,
        Mapped,
    }

    [Test]
    public void ReadAt_InsideNearAndPastTheEnd_ReturnsAllSomeOrNothingAndKeepsThePosition([Values] Kind kind)
    {
        using Stream stream = Create(kind, "0123456789"u8);
        stream.Position = 4;
        byte[] buffer = new byte[4];

        stream.ReadAt(2, buffer).ShouldBe(4);
        buffer.ShouldBe("2345"u8.ToArray());
        stream.ReadAt(8, buffer).ShouldBe(2);
        buffer[..2].ShouldBe("89"u8.ToArray());
        stream.ReadAt(10, buffer).ShouldBe(0);
        stream.ReadAt(1000, buffer).ShouldBe(0);

        stream.Position.ShouldBe(4);
    }

    [Test]
    public void WriteAt_InsideAndPastTheEnd_WritesEverythingAndKeepsThePosition([Values] Kind kind)
    {
        using Stream stream = Create(kind, "0123456789"u8);
        stream.Position = 3;

        stream.WriteAt(1, "ab"u8);
        stream.WriteAt(12, "cd"u8);

        stream.Position.ShouldBe(3);
        stream.Length.ShouldBe(14);
        byte[] all = new byte[14];
        stream.ReadAt(0, all).ShouldBe(14);
        all.ShouldBe([(byte)'0', (byte)'a', (byte)'b', (byte)'3', (byte)'4', (byte)'5', (byte)'6', (byte)'7', (byte)'8', (byte)'9', 0, 0, (byte)'c', (byte)'d']);
    }

    [Test]
    public void ReadExactlyAt_InsideAndToTheEnd_FillsTheBufferAndKeepsThePosition([Values] Kind kind)
    {
        using Stream stream = Create(kind, "0123456789"u8);
        stream.Position = 4;
        byte[] buffer = new byte[4];

        stream.ReadExactlyAt(2, buffer);
        buffer.ShouldBe("2345"u8.ToArray());
        stream.ReadExactlyAt(6, buffer);
        buffer.ShouldBe("6789"u8.ToArray());
        stream.ReadExactlyAt(10, Span<byte>.Empty);
        stream.ReadExactlyAt(1000, Span<byte>.Empty);

        stream.Position.ShouldBe(4);
    }

    [Test]
    public void ReadExactlyAt_PartlyOrWhollyPastTheEnd_ThrowsEndOfStreamAndChangesNothing([Values] Kind kind, [Values(7, 10, 1000)] long position)
    {
        using Stream stream = Create(kind, "0123456789"u8);
        stream.Position = 3;

        EndOfStreamException error = Should.Throw<EndOfStreamException>(() => stream.ReadExactlyAt(position, new byte[4].AsSpan()));

        error.Message.ShouldContain($"needs data to {position + 4}");
        stream.Position.ShouldBe(3);
        stream.Length.ShouldBe(10);
    }

    [Test]
    public void ReadAtAndReadExactlyAt_EndPastTheLargestOffset_ReadNothingOrThrowEndOfStream(
        [Values] Kind kind, [Values(long.MaxValue - 2, long.MaxValue)] long position)
    {
        using Stream stream = Create(kind, "0123456789"u8);
        stream.Position = 3;

        stream.ReadAt(position, new byte[4]).ShouldBe(0);
        EndOfStreamException error = Should.Throw<EndOfStreamException>(() => stream.ReadExactlyAt(position, new byte[4].AsSpan()));

        error.Message.ShouldEndWith($"needs data to {(ulong)position + 4}, but the stream ends at 10.");
        stream.Position.ShouldBe(3);
    }

    [Test]
    public void PositionalCalls_StreamPositionedPastTheLargestFile_WorkAtTheirOwnPositionAndKeepTheStreams(
        [Values(Kind.File, Kind.Mapped)] Kind kind, [Values(1L << 50, long.MaxValue - 4096)] long streamPosition)
    {
        using Stream stream = Create(kind, "0123456789"u8);
        stream.Position = streamPosition;

        stream.WriteAt(2, "ab"u8);
        byte[] buffer = new byte[10];
        stream.ReadAt(0, buffer).ShouldBe(10);
        buffer.ShouldBe("01ab456789"u8.ToArray());
        stream.ReadExactlyAt(8, buffer.AsSpan(0, 2));

        buffer[..2].ShouldBe("89"u8.ToArray());
        stream.Position.ShouldBe(streamPosition);
        stream.Length.ShouldBe(10);
    }

    [Test]
    public void WriteAt_EndPastTheLargestOffset_ThrowsOutOfRangeAndChangesNothing(
        [Values(Kind.File, Kind.Mapped)] Kind kind, [Values(long.MaxValue - 2, long.MaxValue)] long position)
    {
        using Stream stream = Create(kind, "0123456789"u8);
        stream.Position = 3;

        Should.Throw<ArgumentOutOfRangeException>(() => stream.WriteAt(position, "abcd"u8)).ParamName.ShouldBe("position");

        stream.Position.ShouldBe(3);
        stream.Length.ShouldBe(10);
        byte[] back = new byte[10];
        stream.ReadExactlyAt(0, back);
        back.ShouldBe("0123456789"u8.ToArray());
    }

    [Test]
    public void ReadExactlyAt_GrowthByAnotherHandle_IsSeenBeforeItThrows()
    {
        string path = _directory.File("grown.bin");
        File.WriteAllBytes(path, "0123"u8.ToArray());
        using var reader = MappedFileStream.Open(path);
        using var writer = MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });
        byte[] buffer = new byte[4];
        reader.ReadExactlyAt(0, buffer);

        writer.WriteAt(4, "4567"u8);

        reader.ReadExactlyAt(4, buffer);
        buffer.ShouldBe("4567"u8.ToArray());
        Should.Throw<EndOfStreamException>(() => reader.ReadExactlyAt(5, buffer));
    }

    [Test]
    public void ReadAtOwner_AnyStream_IsACopyClippedAtTheEnd([Values] Kind kind)
    {
        using Stream stream = Create(kind, "0123456789"u8);

        using IMemoryOwner<byte> owner = stream.ReadAt(7, 10);
        stream.WriteAt(7, "xyz"u8);

        owner.Memory.ToArray().ShouldBe("789"u8.ToArray());
        using IMemoryOwner<byte> none = stream.ReadAt(50, 10);
        none.Memory.Length.ShouldBe(0);
    }

    [Test]
    public void ReadAtAndWriteAt_DisposedStream_ThrowObjectDisposed([Values] Kind kind)
    {
        Stream stream = Create(kind, "0123"u8);
        stream.Dispose();

        Should.Throw<ObjectDisposedException>(() => stream.ReadAt(0, new byte[1].AsSpan()));
        Should.Throw<ObjectDisposedException>(() => stream.WriteAt(0, "x"u8));
        Should.Throw<ObjectDisposedException>(() => stream.ReadAt(0, 1));
        Should.Throw<ObjectDisposedException>(() => stream.ReadExactlyAt(0, new byte[1].AsSpan()));
        Should.Throw<ObjectDisposedException>(() => stream.ReadExactlyAt(100, new byte[1].AsSpan()));
    }

    [Test]
    public void ReadAtAndWriteAt_DisposedStreamAndNegativePosition_ReportTheDisposalFirst([Values] Kind kind)
    {
        Stream stream = Create(kind, "0123"u8);
        stream.Dispose();

        Should.Throw<ObjectDisposedException>(() => stream.ReadAt(-1, new byte[1].AsSpan()));
        Should.Throw<ObjectDisposedException>(() => stream.WriteAt(-1, "x"u8));
        Should.Throw<ObjectDisposedException>(() => stream.ReadExactlyAt(-1, new byte[1].AsSpan()));
    }

    [Test]
    public void ReadAtAndWriteAt_MemoryStreamPastInt32Positions_ReadNothingAndRefuseToGrowThere()
    {
        using var memory = new MemoryStream();
        memory.Write("0123456789"u8);
        memory.Position = 3;
        byte[] buffer = new byte[4];

        memory.ReadAt(3_000_000_000L, buffer).ShouldBe(0);
        Should.Throw<EndOfStreamException>(() => memory.ReadExactlyAt(3_000_000_000L, buffer.AsSpan()));
        using (IMemoryOwner<byte> none = memory.ReadAt(3_000_000_000L, 4))
        {
            none.Memory.Length.ShouldBe(0);
        }

        Should.Throw<IOException>(() => memory.WriteAt(3_000_000_000L, "x"u8));

        memory.Position.ShouldBe(3);
        memory.ToArray().ShouldBe("0123456789"u8.ToArray());
    }

    [Test]
    public void ReadAt_FileStreamWithBufferedWritesFromTwoThreads_WritesTheBufferOnce()
    {
        // FileStream.SafeFileHandle writes the buffer out first; two such flushes at once would each write it and move the position.
        string path = _directory.File("flushed-once.bin");
        for (int round = 0; round < 300; round++)
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, bufferSize: 4096);
            file.Write(new byte[3000]);
            using var barrier = new Barrier(2);
            void Read()
            {
                barrier.SignalAndWait();
                file.ReadAt(0, new byte[16].AsSpan()).ShouldBe(16);
            }

            Task first = Task.Factory.StartNew(Read, TaskCreationOptions.LongRunning);
            Task second = Task.Factory.StartNew(Read, TaskCreationOptions.LongRunning);
            Task.WaitAll(first, second);

            file.Flush();
            (file.Position, file.Length).ShouldBe((3000L, 3000L), $"round {round}");
        }
    }

    [Test]
    public void ReadAtAndWriteAt_NegativePosition_ThrowArgumentOutOfRange([Values] Kind kind)
    {
        using Stream stream = Create(kind, "0123"u8);

        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadAt(-1, new byte[1].AsSpan()));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.WriteAt(-1, "x"u8));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadAt(-1, 1));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadAt(0, -1));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadExactlyAt(-1, new byte[1].AsSpan()));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.ReadExactlyAt(-1, Span<byte>.Empty));
        stream.Length.ShouldBe(4);
    }

    [Test]
    public void WriteAt_ReadOnlyStreams_ThrowNotSupported()
    {
        string path = _directory.File("ro.bin");
        File.WriteAllBytes(path, "data"u8.ToArray());
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
        using var memory = new MemoryStream("data"u8.ToArray(), writable: false);

        Should.Throw<NotSupportedException>(() => file.WriteAt(0, "x"u8));
        Should.Throw<NotSupportedException>(() => memory.WriteAt(0, "x"u8));

        SharedFile.ReadAllBytes(path).ShouldBe("data"u8.ToArray());
    }

    [Test]
    public void ReadAt_WriteOnlyFileStream_ThrowsNotSupported()
    {
        using var file = new FileStream(_directory.File("wo.bin"), FileMode.CreateNew, FileAccess.Write);

        Should.Throw<NotSupportedException>(() => file.ReadAt(0, new byte[1].AsSpan()));
        Should.Throw<NotSupportedException>(() => file.ReadExactlyAt(0, new byte[1].AsSpan()));
    }

    [Test]
    public void ReadAtAndWriteAt_NonSeekableStream_ThrowNotSupported()
    {
        using var compressed = new GZipStream(new MemoryStream(), CompressionMode.Compress);

        Should.Throw<NotSupportedException>(() => compressed.ReadAt(0, new byte[1].AsSpan()));
        Should.Throw<NotSupportedException>(() => compressed.ReadExactlyAt(0, new byte[1].AsSpan()));
        Should.Throw<NotSupportedException>(() => compressed.WriteAt(0, "x"u8));
    }

    [Test]
    public void ReadAt_FileStreamWithBufferedWrites_SeesThemAndKeepsTheStreamConsistent()
    {
        string path = _directory.File("buffered.bin");
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 4096);
        file.Write("buffered"u8);

        byte[] read = new byte[8];
        file.ReadAt(0, read).ShouldBe(8);
        read.ShouldBe("buffered"u8.ToArray());

        file.WriteAt(0, "B"u8);
        file.Position = 0;
        byte[] viaStream = new byte[8];
        file.ReadExactly(viaStream);
        viaStream.ShouldBe("Buffered"u8.ToArray());
        file.Position.ShouldBe(8);
    }

    [Test]
    public void WriteAt_FileStreamWithAFilledReadBuffer_LaterReadsSeeTheWrite()
    {
        string path = _directory.File("readbuffer.bin");
        File.WriteAllBytes(path, "abcdefgh"u8.ToArray());
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 4096);
        file.ReadByte().ShouldBe('a');

        file.WriteAt(1, "XY"u8);

        file.ReadByte().ShouldBe('X');
        file.Position.ShouldBe(2);
    }

    private Stream Create(Kind kind, ReadOnlySpan<byte> content)
    {
        string path = _directory.File($"{kind}.bin");
        switch (kind)
        {
            case Kind.File:
                var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite);
                file.Write(content);
                return file;
            case Kind.Memory:
                var memory = new MemoryStream();
                memory.Write(content);
                return memory;
            default:
                File.WriteAllBytes(path, content.ToArray());
                return MappedFileStream.Open(path, new MapOptions { Access = FileAccess.ReadWrite });
        }
    }
}
