using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// What <see cref="MappedFileStream.AsPipeReader"/> adds to the <see cref="PipeReader"/> contract: buffers that are the
/// mapped pages, a bounded window, an end position, the pin it holds only while it has unconsumed bytes, and the way it
/// ends when its stream is disposed.
/// </summary>
[TestFixture]
public sealed class MappedPipeReaderTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;
    private byte[] _data = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("data.bin");
        _data = Enumerable.Range(0, 100_000).Select(i => (byte)(i % 251)).ToArray();
        File.WriteAllBytes(_path, _data);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task ReadAsync_Buffer_IsTheMappedPagesNotACopy()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader();

        ReadResult result = await reader.ReadAsync();
        ReadOnlySequence<byte> buffer = result.Buffer;
        buffer.IsSingleSegment.ShouldBeTrue();
        MemoryMarshal.TryGetArray(buffer.First, out _).ShouldBeFalse("no array behind the buffer");
        MemoryMarshal.TryGetMemoryManager(buffer.First, out MemoryManager<byte>? manager).ShouldBeTrue();

        // A change made through plain file I/O after the read shows in the buffer: it reads the page cache itself.
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            RandomAccess.Write(file.SafeFileHandle, "changed"u8, 5000);
        }

        buffer.Slice(5000, 7).ToArray().ShouldBe("changed"u8.ToArray());
        manager.ShouldNotBeNull();
        reader.AdvanceTo(buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_ConsumingWhatItParses_NeverShowsMoreThanTheWindow()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 1000 });

        long total = 0;
        int reads = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            reads++;
            result.Buffer.Length.ShouldBeLessThanOrEqualTo(1000);
            result.Buffer.IsSingleSegment.ShouldBeTrue();

            // Consume all but a partial record of 10 bytes, as a record parser does.
            long take = result.IsCompleted ? result.Buffer.Length : Math.Max(0, result.Buffer.Length - 10);
            total += take;
            reader.AdvanceTo(result.Buffer.GetPosition(take), result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        total.ShouldBe(_data.Length);
        reads.ShouldBe(101, "each read after the first brings the 990 bytes consumed before it");
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_ConsumerHoldsAWholeWindow_EachReadShowsOneMoreWindow()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 100 });

        var lengths = new long[4];
        for (int i = 0; i < lengths.Length; i++)
        {
            ReadResult result = await reader.ReadAsync();
            lengths[i] = result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        lengths.ShouldBe([100, 200, 300, 400]);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAtLeastAsync_MoreThanTheWindow_ShowsWhatWasAskedForInOneSegment()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 100 });

        ReadResult result = await reader.ReadAtLeastAsync(50_000);

        result.Buffer.Length.ShouldBe(50_000);
        result.Buffer.IsSingleSegment.ShouldBeTrue();
        result.Buffer.ToArray().ShouldBe(_data[..50_000]);
        reader.AdvanceTo(result.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task AsPipeReader_FromAPositionToAnEndPosition_ReadsThatRangeAndCompletesAtItsEnd()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(1234, new MappedPipeReaderOptions { EndPosition = 5678, WindowSize = 1000 });

        byte[] read = await ReadAll(reader);

        read.ShouldBe(_data[1234..5678]);
    }

    [Test]
    public async Task AsPipeReader_AtOrPastTheEnd_FirstReadIsEmptyAndCompleted([Values(100_000, 200_000)] long position)
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(position);

        ReadResult result = await reader.ReadAsync();

        result.IsCompleted.ShouldBeTrue();
        result.Buffer.Length.ShouldBe(0);
        stream.LiveViewCount.ShouldBe(0, "nothing to show: nothing pinned");
        await reader.CompleteAsync();
    }

    [Test]
    public async Task AsPipeReader_OnAWindowAtAnOffset_ReadsTheWindowOnly()
    {
        using var window = MappedFileStream.Open(_path, offset: 8100, length: 5000, new MapOptions());
        PipeReader reader = window.AsPipeReader(100, new MappedPipeReaderOptions { WindowSize = 333 });

        byte[] read = await ReadAll(reader);

        read.ShouldBe(_data[8200..13100]);
    }

    [Test]
    public async Task Pin_HeldWhileBytesAreUnconsumed_ReleasedWhenAllAreConsumedAndOnComplete()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 10_000 });
        stream.LiveViewCount.ShouldBe(0, "a reader pins nothing before its first read");

        ReadResult result = await reader.ReadAsync();
        stream.LiveViewCount.ShouldBe(1);
        reader.AdvanceTo(result.Buffer.GetPosition(10), result.Buffer.End);
        stream.LiveViewCount.ShouldBe(1, "unconsumed bytes are still the consumer's to read");

        result = await reader.ReadAsync();
        stream.LiveViewCount.ShouldBe(1, "one pin however many reads");
        reader.AdvanceTo(result.Buffer.End);
        stream.LiveViewCount.ShouldBe(0, "everything consumed: nothing pinned");

        result = await reader.ReadAsync();
        stream.LiveViewCount.ShouldBe(1);
        await reader.CompleteAsync();
        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public async Task Complete_WithABufferHeld_RefusesItsMemoryAfterwards()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader();
        ReadResult result = await reader.ReadAsync();
        ReadOnlyMemory<byte> first = result.Buffer.First;

        await reader.CompleteAsync();

        Should.Throw<ObjectDisposedException>(() => first.Span.Length);
        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public async Task DisposedStream_BufferHeldBeforeStaysReadable_NextReadThrowsObjectDisposedAndTheMappingGoes()
    {
        var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 30_000 });
        ReadResult result = await reader.ReadAsync();

        await stream.DisposeAsync();

        result.Buffer.ToArray().ShouldBe(_data[..30_000], "the reader's pin keeps the pages the consumer is parsing");
        ProcessMaps.Maps(_path).ShouldBeTrue();
        reader.AdvanceTo(result.Buffer.GetPosition(100), result.Buffer.End);

        await Should.ThrowAsync<ObjectDisposedException>(async () => await reader.ReadAsync());
        ProcessMaps.Maps(_path).ShouldBeFalse("the read that found the stream disposed let the mapping go");
        Should.Throw<ObjectDisposedException>(() => reader.TryRead(out _));
        await Should.ThrowAsync<ObjectDisposedException>(async () => await reader.ReadAtLeastAsync(10));
        await reader.CompleteAsync();
    }

    [Test]
    public async Task DisposedStream_BeforeTheFirstRead_ReadThrowsObjectDisposed()
    {
        var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader();
        await stream.DisposeAsync();

        await Should.ThrowAsync<ObjectDisposedException>(async () => await reader.ReadAsync());
        Should.Throw<ObjectDisposedException>(() => stream.AsPipeReader());
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_FromAStreamNobodyElseReferences_ReadsEverythingAcrossCollections()
    {
        // Nothing but the reader refers to the stream: a collection before each read must not finalize the stream under it.
        PipeReader reader = OpenReaderAndDropTheStream(_path);
        byte[] read = await ReadAll(reader, beforeEachRead: static () =>
        {
            for (int round = 0; round < 2; round++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });

        read.ShouldBe(_data);
    }

    [Test]
    public async Task MemoryPin_OfABufferSegment_KeepsTheBytesAfterTheReaderAndStreamAreGone()
    {
        var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader();
        ReadResult result = await reader.ReadAsync();
        MemoryHandle handle = result.Buffer.First.Slice(77).Pin();

        await reader.CompleteAsync();
        await stream.DisposeAsync();

        unsafe
        {
            new ReadOnlySpan<byte>(handle.Pointer, 10).ToArray().ShouldBe(_data[77..87]);
        }

        ProcessMaps.Maps(_path).ShouldBeTrue();
        handle.Dispose();
        ProcessMaps.Maps(_path).ShouldBeFalse();
    }

    [Test]
    public async Task Shrink_BelowUnconsumedBytes_TheyReadAsZerosAndTheReaderCompletesWithoutFault()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 50_000 });
        ReadResult result = await reader.ReadAsync();

        stream.SetLength(20_000);

        ReadOnlySequence<byte> buffer = result.Buffer;
        buffer.Slice(0, 20_000).ToArray().ShouldBe(_data[..20_000]);
        buffer.Slice(20_000).ToArray().ShouldAllBe(b => b == 0, "cut pages read as zeros, as through a direct view");
        reader.AdvanceTo(buffer.GetPosition(10_000), buffer.End);

        ReadResult next = await reader.ReadAsync();
        next.IsCompleted.ShouldBeTrue("nothing past the new end");
        next.Buffer.Length.ShouldBe(40_000, "the bytes shown before are not taken back");
        reader.AdvanceTo(next.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task AdvanceTo_ExaminedBeforeConsumed_ThrowsInvalidOperation()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader();
        ReadResult result = await reader.ReadAsync();

        Should.Throw<InvalidOperationException>(() => reader.AdvanceTo(result.Buffer.GetPosition(10), result.Buffer.GetPosition(5)));
        reader.AdvanceTo(result.Buffer.GetPosition(10), result.Buffer.GetPosition(10));
        await reader.CompleteAsync();
    }

    [Test]
    public async Task AdvanceTo_PastTheBuffer_ThrowsArgumentOutOfRangeAndChangesNothing()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 1000 });
        ReadResult result = await reader.ReadAsync();
        SequencePosition end = result.Buffer.End;
        var past = new SequencePosition(end.GetObject(), end.GetInteger() + 1);

        Should.Throw<ArgumentOutOfRangeException>(() => reader.AdvanceTo(past));

        reader.AdvanceTo(result.Buffer.GetPosition(1), result.Buffer.GetPosition(2));
        ReadResult again = await reader.ReadAsync();
        again.Buffer.ToArray().ShouldBe(_data[1..1000]);
        reader.AdvanceTo(again.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task AdvanceTo_APositionOfAnotherBufferOrAnOlderRead_ThrowsInvalidOperation()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 1000 });
        PipeReader other = stream.AsPipeReader();
        ReadResult result = await reader.ReadAsync();
        ReadResult foreign = await other.ReadAsync();

        Should.Throw<InvalidOperationException>(() => reader.AdvanceTo(foreign.Buffer.Start));
        Should.Throw<InvalidOperationException>(() => reader.AdvanceTo(new ReadOnlySequence<byte>(new byte[10]).Start));

        SequencePosition old = result.Buffer.GetPosition(500);
        reader.AdvanceTo(result.Buffer.GetPosition(400), result.Buffer.End);
        ReadResult next = await reader.ReadAsync();
        Should.Throw<InvalidOperationException>(() => reader.AdvanceTo(old), "a position of the read before");
        reader.AdvanceTo(next.Buffer.End);
        await reader.CompleteAsync();
        await other.CompleteAsync();
    }

    [Test]
    public void AsPipeReader_BadArguments_ThrowArgumentOutOfRange()
    {
        using var stream = MappedFileStream.Open(_path);

        Should.Throw<ArgumentOutOfRangeException>(() => stream.AsPipeReader(-1));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.AsPipeReader(10, new MappedPipeReaderOptions { EndPosition = 9 }));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.AsPipeReader(options: new MappedPipeReaderOptions { PollInterval = TimeSpan.Zero }));
        Should.Throw<ArgumentOutOfRangeException>(() => stream.AsPipeReader(options: new MappedPipeReaderOptions { PollInterval = TimeSpan.FromDays(2) }));
        stream.AsPipeReader(10, new MappedPipeReaderOptions { EndPosition = 10 }).Complete();
    }

    [Test]
    public async Task AsPipeReader_WriteOnlyStream_RefusesToReadAsAFileStreamPipeReaderDoes()
    {
        using (var file = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            PipeReader copying = PipeReader.Create(file, new StreamPipeReaderOptions(leaveOpen: true));
            await Should.ThrowAsync<NotSupportedException>(async () => await copying.ReadAsync());
            await copying.CompleteAsync();
        }

        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.Write });
        Should.Throw<NotSupportedException>(() => stream.ReadDirect(0, 10).Dispose());
        Should.Throw<NotSupportedException>(() => stream.ReadSequence(0, 10).Dispose());

        await Should.ThrowAsync<NotSupportedException>(async () =>
        {
            PipeReader reader = stream.AsPipeReader();
            try
            {
                ReadResult result = await reader.ReadAsync();
                result.Buffer.Length.ShouldBe(0, "a write-only stream must not hand out its bytes");
            }
            finally
            {
                await reader.CompleteAsync();
            }
        });
        stream.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public async Task TwoReaders_OverOneStream_AreIndependent()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader first = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 777 });
        PipeReader second = stream.AsPipeReader(50_000, new MappedPipeReaderOptions { WindowSize = 3000 });

        Task<byte[]> a = ReadAll(first);
        Task<byte[]> b = ReadAll(second);

        (await a).ShouldBe(_data);
        (await b).ShouldBe(_data[50_000..]);
        stream.LiveViewCount.ShouldBe(0);
    }

    /// <summary>Reads everything, consuming as it goes, then completes the reader; <paramref name="beforeEachRead"/> runs before each read.</summary>
    internal static async Task<byte[]> ReadAll(PipeReader reader, Action? beforeEachRead = null)
    {
        using var all = new MemoryStream();
        while (true)
        {
            beforeEachRead?.Invoke();
            ReadResult result = await reader.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                all.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync();
        return all.ToArray();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PipeReader OpenReaderAndDropTheStream(string path) =>
        MappedFileStream.Open(path).AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 16_384 });
}
