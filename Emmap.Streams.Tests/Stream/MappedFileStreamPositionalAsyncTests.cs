using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.StreamTests;

/// <summary>
/// The positional asynchronous members and the scatter/gather forms: they complete synchronously, allocate nothing, and read and
/// write what <see cref="MappedFileStream.ReadAt(long, Span{byte})"/> and <see cref="MappedFileStream.WriteAt(long, ReadOnlySpan{byte})"/>
/// do. (Their exceptions are compared with <see cref="RandomAccess"/>'s in Differential/PositionalDifferentialTests.)
/// </summary>
[TestFixture]
public sealed class MappedFileStreamPositionalAsyncTests
{
    private const int Rounds = 100_000;

    private TempDirectory _directory = null!;
    private MappedFileStream _stream = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _stream = new MappedFileStream(_directory.File("positional.bin"), FileMode.Create);
        _stream.SetLength(1 << 16);
    }

    [TearDown]
    public void TearDown()
    {
        _stream.Dispose();
        _directory.Dispose();
    }

    [Test]
    public void ReadAtAsyncAndWriteAtAsync_InsideTheLength_CompleteSynchronouslyAndAllocateNothing()
    {
        Memory<byte> data = new byte[64];
        Memory<byte> read = new byte[64];
        long total = 0;
        long allocated = AllocationMeter.LeastOf(3, () => total = RoundTrip(data, read, Rounds));

        allocated.ShouldBe(0);
        total.ShouldBe(64L * Rounds);
        read.Span[0].ShouldBe((byte)((Rounds - 1) % 256));
    }

    [Test]
    public void ScatterGather_InsideTheLength_AllocateNothingSynchronouslyOrAsynchronously()
    {
        ReadOnlyMemory<byte>[] gather = [new byte[16], new byte[48]];
        Memory<byte>[] scatter = [new byte[40], new byte[24]];
        long total = 0;
        long allocated = AllocationMeter.LeastOf(3, () => total = ScatterGather(gather, scatter, Rounds));

        allocated.ShouldBe(0);
        total.ShouldBe(2 * 64L * Rounds);
    }

    [Test]
    public void ReadAsyncAndWriteAsyncOfMemory_AllocateNothing()
    {
        Memory<byte> data = new byte[64];
        Memory<byte> read = new byte[64];
        long total = 0;
        long allocated = AllocationMeter.LeastOf(3, () => total = StreamRoundTrip(data, read, Rounds));

        allocated.ShouldBe(0);
        total.ShouldBe(64L * Rounds);
    }

    [Test]
    public async Task ReadAtScatter_AcrossTheEnd_FillsEachBufferInTurnAndStopsAtTheEnd()
    {
        _stream.SetLength(10);
        _stream.WriteAt(0, "0123456789"u8);
        byte[] a = new byte[3];
        byte[] b = Array.Empty<byte>();
        byte[] c = new byte[4];
        byte[] d = new byte[5];
        IReadOnlyList<Memory<byte>> buffers = [a, b, c, d];

        _stream.ReadAt(1, buffers).ShouldBe(9);
        (await _stream.ReadAtAsync(8, buffers)).ShouldBe(2);
        (await _stream.ReadAtAsync(10, buffers)).ShouldBe(0);

        a.ShouldBe("893"u8.ToArray());
        c.ShouldBe("4567"u8.ToArray());
        d.ShouldBe("89\0\0\0"u8.ToArray());
        _stream.Position.ShouldBe(0);
    }

    [Test]
    public async Task WriteAtGather_PastTheEnd_WritesTheBuffersInOrderAndGrowsTheStream()
    {
        _stream.SetLength(4);
        IReadOnlyList<ReadOnlyMemory<byte>> buffers = ["ab"u8.ToArray(), ReadOnlyMemory<byte>.Empty, "cde"u8.ToArray()];

        _stream.WriteAt(2, buffers);
        await _stream.WriteAtAsync(10, buffers);

        _stream.Length.ShouldBe(15);
        byte[] all = new byte[15];
        _stream.ReadAt(0, all).ShouldBe(15);
        all.ShouldBe("\0\0abcde\0\0\0abcde"u8.ToArray());
        _stream.Position.ShouldBe(0);
    }

    [Test]
    public void WriteAtAsync_FixedSizePastTheEnd_ReturnsAFaultedTaskAndWritesNothing()
    {
        string path = _directory.File("fixed.bin");
        using var stream = MappedFileStream.Open(path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 8, FixedSize = true });

        ValueTask write = stream.WriteAtAsync(6, "abc"u8.ToArray());

        write.IsFaulted.ShouldBeTrue();
        Should.Throw<IOException>(async () => await write);
        stream.Length.ShouldBe(8);
    }

    [Test]
    public void ReadExactlyAtAsync_InsideTheLength_FillsTheBufferSynchronouslyAndAllocatesNothing()
    {
        _stream.WriteAt(100, "0123456789"u8);
        Memory<byte> buffer = new byte[10];
        ValueTask first = _stream.ReadExactlyAtAsync(100, buffer);
        first.IsCompletedSuccessfully.ShouldBeTrue();
        buffer.ToArray().ShouldBe("0123456789"u8.ToArray());

        long allocated = AllocationMeter.LeastOf(3, () =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                ValueTask read = _stream.ReadExactlyAtAsync((i * 64L) % 60_000, buffer);
                if (!read.IsCompletedSuccessfully)
                {
                    throw new InvalidOperationException("ReadExactlyAtAsync did not complete synchronously.");
                }
            }
        });

        allocated.ShouldBe(0);
    }

    [Test]
    public void ReadExactlyAtAsync_PastTheEndWriteOnlyOrCancelled_SettlesTheTaskAndChangesNothing()
    {
        ValueTask pastTheEnd = _stream.ReadExactlyAtAsync((1 << 16) - 4, new byte[8]);
        pastTheEnd.IsFaulted.ShouldBeTrue();
        Should.Throw<EndOfStreamException>(async () => await pastTheEnd);

        ValueTask cancelled = _stream.ReadExactlyAtAsync(0, new byte[8], new CancellationToken(canceled: true));
        cancelled.IsCanceled.ShouldBeTrue();

        using var writeOnly = new MappedFileStream(_directory.File("write-only.bin"), FileMode.Create, FileAccess.Write);
        writeOnly.WriteAt(0, "data"u8);
        ValueTask refused = writeOnly.ReadExactlyAtAsync(0, new byte[4]);
        refused.IsFaulted.ShouldBeTrue();
        Should.Throw<NotSupportedException>(async () => await refused);

        Should.Throw<ArgumentOutOfRangeException>(() => { _ = _stream.ReadExactlyAtAsync(-1, new byte[1]).AsTask(); });
        _stream.Length.ShouldBe(1 << 16);
        _stream.Position.ShouldBe(0);
    }

    [Test]
    public void ReadAtAsync_AfterDispose_ThrowsAtTheCall()
    {
        _stream.Dispose();

        // Thrown by the call itself: the tasks are never made.
        Should.Throw<ObjectDisposedException>(() => { _ = _stream.ReadAtAsync(0, new byte[1]).AsTask(); });
        Should.Throw<ObjectDisposedException>(() => { _ = _stream.WriteAtAsync(0, new byte[1]).AsTask(); });
        Should.Throw<ObjectDisposedException>(() => { _ = _stream.ReadAtAsync(0, new Memory<byte>[] { new byte[1] }).AsTask(); });
        Should.Throw<ObjectDisposedException>(() => { _ = _stream.WriteAtAsync(0, new ReadOnlyMemory<byte>[] { new byte[1] }).AsTask(); });
        Should.Throw<ObjectDisposedException>(() => { _ = _stream.ReadExactlyAtAsync(0, new byte[1]).AsTask(); });
    }

    private long RoundTrip(Memory<byte> data, Memory<byte> read, int rounds)
    {
        long total = 0;
        for (int i = 0; i < rounds; i++)
        {
            data.Span[0] = (byte)i;
            long position = (i * 64L) % 60_000;
            ValueTask write = _stream.WriteAtAsync(position, data, CancellationToken.None);
            if (!write.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("WriteAtAsync did not complete synchronously.");
            }

            ValueTask<int> pending = _stream.ReadAtAsync(position, read, CancellationToken.None);
            if (!pending.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("ReadAtAsync did not complete synchronously.");
            }

            total += pending.Result;
        }

        return total;
    }

    private long ScatterGather(ReadOnlyMemory<byte>[] gather, Memory<byte>[] scatter, int rounds)
    {
        long total = 0;
        for (int i = 0; i < rounds; i++)
        {
            long position = (i * 64L) % 60_000;
            _stream.WriteAt(position, gather);
            total += _stream.ReadAt(position, scatter);
            ValueTask write = _stream.WriteAtAsync(position, gather);
            ValueTask<long> read = _stream.ReadAtAsync(position, scatter);
            if (!write.IsCompletedSuccessfully || !read.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("A scatter/gather call did not complete synchronously.");
            }

            total += read.Result;
        }

        return total;
    }

    private long StreamRoundTrip(Memory<byte> data, Memory<byte> read, int rounds)
    {
        long total = 0;
        for (int i = 0; i < rounds; i++)
        {
            _stream.Position = (i * 64L) % 60_000;
            ValueTask write = _stream.WriteAsync(data);
            _stream.Position -= 64;
            ValueTask<int> pending = _stream.ReadAsync(read);
            if (!write.IsCompletedSuccessfully || !pending.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("ReadAsync or WriteAsync did not complete synchronously.");
            }

            total += pending.Result;
        }

        return total;
    }
}
