using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// Issue 15's sentences about <see cref="MappedFileStream.AsPipeReader"/> that the other fixtures leave out: the stream's
/// position, growth before the end without <see cref="MappedPipeReaderOptions.Follow"/>, an end position past the data,
/// reads after the completed result, and cancellation seen by <see cref="PipeReader.TryRead"/>.
/// </summary>
[TestFixture]
public sealed class MappedPipeReaderContractTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;
    private byte[] _data = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("data.bin");
        _data = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 251)).ToArray();
        File.WriteAllBytes(_path, _data);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task AsPipeReader_StartsAtItsPositionAndLeavesTheStreamsPositionAlone()
    {
        using var stream = MappedFileStream.Open(_path);
        stream.Position = 123;
        PipeReader reader = stream.AsPipeReader(10);

        ReadResult result = await reader.ReadAsync();
        result.Buffer.ToArray().ShouldBe(_data[10..]);
        reader.AdvanceTo(result.Buffer.End);
        stream.Position.ShouldBe(123);
        await reader.CompleteAsync();
    }

    [Test]
    public void AsPipeReader_DisposedStream_ThrowsObjectDisposed()
    {
        var stream = MappedFileStream.Open(_path);
        stream.Dispose();

        Should.Throw<ObjectDisposedException>(() => stream.AsPipeReader());
    }

    [Test]
    public async Task ReadAsync_StreamGrowsBeforeTheReaderReachesTheEnd_ReadsTheGrownDataAsTheCopyingReaderDoes()
    {
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 4096 });
        ReadResult first = await reader.ReadAsync();
        first.IsCompleted.ShouldBeFalse();
        long read = first.Buffer.Length;
        reader.AdvanceTo(first.Buffer.End);

        stream.WriteAt(_data.Length, new byte[] { 1, 2, 3 });
        read += await ReadToEnd(reader);

        read.ShouldBe(_data.Length + 3);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_EndPositionPastTheData_CompletesAtTheEndOfTheData()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(9_000, new MappedPipeReaderOptions { EndPosition = 1_000_000 });

        ReadResult result = await reader.ReadAsync();
        result.Buffer.ToArray().ShouldBe(_data[9_000..]);
        result.IsCompleted.ShouldBeTrue();
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_FollowWithAnEndPositionAtTheStart_CompletesAtOnceEmpty()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(500, new MappedPipeReaderOptions { Follow = true, EndPosition = 500 });

        ReadResult result = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        result.IsCompleted.ShouldBeTrue();
        result.Buffer.IsEmpty.ShouldBeTrue();
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_AfterTheCompletedResultWasExaminedButNotConsumed_ReturnsItAgainCompleted([Values] bool mapped)
    {
        using var stream = MappedFileStream.Open(_path);
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        PipeReader reader = mapped ? stream.AsPipeReader() : PipeReader.Create(file);

        ReadResult result;
        do
        {
            result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        while (!result.IsCompleted);

        ReadResult again = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        again.IsCompleted.ShouldBeTrue();
        again.Buffer.ToArray().ShouldBe(_data);
        reader.AdvanceTo(again.Buffer.End);

        ReadResult last = await reader.ReadAsync();
        last.IsCompleted.ShouldBeTrue();
        last.Buffer.IsEmpty.ShouldBeTrue();
        await reader.CompleteAsync();
    }

    [Test]
    public async Task TryRead_AfterCancelPendingRead_ReturnsACanceledResultOnceAsTheCopyingReaderDoes([Values] bool mapped)
    {
        using var stream = MappedFileStream.Open(_path);
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        PipeReader reader = mapped ? stream.AsPipeReader() : PipeReader.Create(file);
        ReadResult first = await reader.ReadAsync();
        reader.AdvanceTo(first.Buffer.Start);

        reader.CancelPendingRead();

        reader.TryRead(out ReadResult canceled).ShouldBeTrue();
        canceled.IsCanceled.ShouldBeTrue();
        canceled.Buffer.Length.ShouldBe(first.Buffer.Length);
        reader.AdvanceTo(canceled.Buffer.Start);
        reader.TryRead(out ReadResult next).ShouldBeTrue();
        next.IsCanceled.ShouldBeFalse();
        reader.AdvanceTo(next.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_WindowOfOneByte_DeliversEveryByteInOrder()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 1 });
        var received = new ArrayBufferWriter<byte>();
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            result.Buffer.Length.ShouldBeLessThanOrEqualTo(1);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        received.WrittenSpan.ToArray().ShouldBe(_data);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAtLeastAsync_NegativeMinimum_ThrowsArgumentOutOfRange()
    {
        using var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader();
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await reader.ReadAtLeastAsync(-1));
        await reader.CompleteAsync();
    }

    [Test]
    public async Task Follow_AProgramWithoutTheLibraryAppends_TheWaitingReadReturnsTheAppend([Values] bool writableStream)
    {
        File.WriteAllBytes(_path, "first\n"u8.ToArray());
        using var stream = MappedFileStream.Open(_path, new MapOptions { Access = writableStream ? FileAccess.ReadWrite : FileAccess.Read });
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(5) });
        ReadResult first = await reader.ReadAsync();
        first.Buffer.ToArray().ShouldBe("first\n"u8.ToArray());
        reader.AdvanceTo(first.Buffer.End);

        ValueTask<ReadResult> pending = reader.ReadAsync();
        using (var appender = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            appender.Write("second\n"u8);
        }

        ReadResult next = await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        next.Buffer.ToArray().ShouldBe("second\n"u8.ToArray());
        next.IsCompleted.ShouldBeFalse();
        reader.AdvanceTo(next.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_AProgramWithoutTheLibraryAppendsBeforeTheEnd_ReadsItAsTheCopyingReaderDoes([Values] bool mapped)
    {
        using var stream = MappedFileStream.Open(_path);
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        PipeReader reader = mapped
            ? stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 4096 })
            : PipeReader.Create(file, new StreamPipeReaderOptions(bufferSize: 4096));
        ReadResult first = await reader.ReadAsync();
        first.IsCompleted.ShouldBeFalse();
        long read = first.Buffer.Length;
        reader.AdvanceTo(first.Buffer.End);
        using (var appender = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            appender.Write("tail"u8);
        }

        read += await ReadToEnd(reader);

        read.ShouldBe(_data.Length + 4);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task ReadAsync_WindowEndsAtTheEndThisProcessKnowsAndAnotherProgramAppended_ReadsTheAppendAsTheCopyingReaderDoes([Values] bool mapped)
    {
        File.WriteAllBytes(_path, _data[..8192]);
        using var stream = MappedFileStream.Open(_path);
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        PipeReader reader = mapped
            ? stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 8192 })
            : PipeReader.Create(file, new StreamPipeReaderOptions(bufferSize: 8192));
        using (var appender = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            appender.Write("tail"u8);
        }

        (await ReadToEnd(reader)).ShouldBe(8192 + 4, "the read whose buffer reaches the end this handle knew looks for growth");
        await reader.CompleteAsync();
    }

    private static async Task<long> ReadToEnd(PipeReader reader)
    {
        long read = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            read += result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return read;
            }
        }
    }
}
