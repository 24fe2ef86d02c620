using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// The <see cref="PipeReader"/> contract of <see cref="MappedFileStream.AsPipeReader"/>, checked against
/// <see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/> over a <see cref="FileStream"/> on the same files: the same
/// consumers see the same bytes, complete at the same place and get the same treatment of bytes they examined without
/// consuming. Buffer lengths differ by design (a window of the mapping against 4 KiB copies), so the checks are about
/// what a consumer can rely on, not about how the data is cut.
/// </summary>
[TestFixture]
public sealed class MappedPipeReaderConformanceTests
{
    private TempDirectory _directory = null!;
    private string _path = null!;

    public enum Reader
    {
        /// <summary><see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/> over a <see cref="FileStream"/>.</summary>
        Copying,

        /// <summary><see cref="MappedFileStream.AsPipeReader"/> with the default window.</summary>
        Mapped,

        /// <summary><see cref="MappedFileStream.AsPipeReader"/> with a 7-byte window, so every boundary case comes up.</summary>
        MappedTinyWindow,
    }

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("data.txt");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task ConsumeEverything_AnyFile_SameBytesAndCompletionAsTheCopyingReader(
        [Values(0, 1, 4095, 4096, 4097, 100_000, (3 << 20) + 17)] int length,
        [Values] Reader kind)
    {
        byte[] data = WriteFile(length);
        await using Opened opened = Open(kind);

        var seen = new List<byte>(length);
        ReadResult last;
        while (true)
        {
            last = await opened.Reader.ReadAsync();
            seen.AddRange(last.Buffer.ToArray());
            opened.Reader.AdvanceTo(last.Buffer.End);
            if (last.IsCompleted)
            {
                break;
            }
        }

        seen.ToArray().ShouldBe(data);
        last.IsCanceled.ShouldBeFalse();

        // After the completed read, every further read is empty and completed.
        ReadResult after = await opened.Reader.ReadAsync();
        after.IsCompleted.ShouldBeTrue();
        after.Buffer.Length.ShouldBe(0);
    }

    [Test]
    public async Task ParseLines_ConsumingThroughTheLastNewlineAndExaminingAll_SameLinesAsTheCopyingReader([Values] Reader kind)
    {
        var text = new StringBuilder();
        var random = new Random(7);
        for (int i = 0; i < 3000; i++)
        {
            text.Append(i).Append(':').Append('x', random.Next(0, 200)).Append('\n');
        }

        text.Append("no newline at the end");
        File.WriteAllText(_path, text.ToString());
        await using Opened opened = Open(kind);

        List<string> lines = await ParseLines(opened.Reader);

        lines.ShouldBe(text.ToString().Split('\n'));
    }

    [Test]
    public async Task HoldEverything_ExaminingAllButConsumingNothing_EachReadAddsDataUntilTheWholeFileIsOneCompletedBuffer([Values] Reader kind)
    {
        byte[] data = WriteFile(50_000);
        await using Opened opened = Open(kind);

        long previous = 0;
        ReadResult result;
        while (true)
        {
            result = await opened.Reader.ReadAsync();
            result.Buffer.ToArray().AsSpan().SequenceEqual(data.AsSpan(0, (int)result.Buffer.Length)).ShouldBeTrue("the held bytes stay at the front");
            if (result.IsCompleted)
            {
                break;
            }

            result.Buffer.Length.ShouldBeGreaterThan(previous, "a read after everything was examined brings new data");
            previous = result.Buffer.Length;
            opened.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        result.Buffer.ToArray().ShouldBe(data);
        opened.Reader.AdvanceTo(result.Buffer.End);
    }

    [Test]
    public async Task ExaminedButNotAll_NextRead_ReturnsTheUnconsumedBytesWithNothingNew([Values] Reader kind)
    {
        byte[] data = WriteFile(20_000);
        await using Opened opened = Open(kind);

        ReadResult first = await opened.Reader.ReadAsync();
        long length = first.Buffer.Length;
        length.ShouldBeGreaterThan(2);
        opened.Reader.AdvanceTo(first.Buffer.GetPosition(1), first.Buffer.GetPosition(length - 1));

        ReadResult second = await opened.Reader.ReadAsync();
        second.Buffer.Length.ShouldBe(length - 1, "bytes examined but not all of them: the read waits for nothing and adds nothing");
        second.Buffer.ToArray().ShouldBe(data[1..(int)length]);

        // TryRead gives the same while something is left unexamined.
        opened.Reader.AdvanceTo(second.Buffer.Start, second.Buffer.Start);
        opened.Reader.TryRead(out ReadResult third).ShouldBeTrue();
        third.Buffer.ToArray().ShouldBe(data[1..(int)length]);
        opened.Reader.AdvanceTo(third.Buffer.End);
    }

    [Test]
    public async Task ReadTwiceWithoutAdvancing_ReturnsTheSameBuffer([Values] Reader kind)
    {
        byte[] data = WriteFile(10_000);
        await using Opened opened = Open(kind);

        ReadResult first = await opened.Reader.ReadAsync();
        ReadResult again = await opened.Reader.ReadAsync();

        again.Buffer.ToArray().ShouldBe(first.Buffer.ToArray());
        again.Buffer.ToArray().ShouldBe(data[..(int)again.Buffer.Length]);
        opened.Reader.AdvanceTo(again.Buffer.End);
    }

    [Test]
    public async Task ReadAtLeastAsync_MoreThanOneWindow_ReturnsAtLeastThatManyBytesOrTheCompletedRest([Values] Reader kind)
    {
        byte[] data = WriteFile(100_000);
        await using Opened opened = Open(kind);

        ReadResult result = await opened.Reader.ReadAtLeastAsync(30_000);
        result.Buffer.Length.ShouldBeGreaterThanOrEqualTo(30_000);
        result.Buffer.ToArray().ShouldBe(data[..(int)result.Buffer.Length]);
        opened.Reader.AdvanceTo(result.Buffer.GetPosition(10_000), result.Buffer.End);

        ReadResult rest = await opened.Reader.ReadAtLeastAsync(200_000);
        rest.IsCompleted.ShouldBeTrue();
        rest.Buffer.ToArray().ShouldBe(data[10_000..]);
        opened.Reader.AdvanceTo(rest.Buffer.End);
    }

    [Test]
    public async Task CancelPendingRead_BeforeARead_ThatReadIsCanceledAndTheNextOneIsNot([Values] Reader kind)
    {
        byte[] data = WriteFile(10_000);
        await using Opened opened = Open(kind);

        opened.Reader.CancelPendingRead();
        ReadResult canceled = await opened.Reader.ReadAsync();
        canceled.IsCanceled.ShouldBeTrue();
        canceled.IsCompleted.ShouldBeFalse();
        canceled.Buffer.Length.ShouldBe(0, "nothing was read yet");
        opened.Reader.AdvanceTo(canceled.Buffer.Start);

        ReadResult next = await opened.Reader.ReadAsync();
        next.IsCanceled.ShouldBeFalse();
        next.Buffer.ToArray().ShouldBe(data[..(int)next.Buffer.Length]);

        // A cancellation with bytes left over returns them, flagged.
        int length = (int)next.Buffer.Length;
        opened.Reader.AdvanceTo(next.Buffer.GetPosition(1), next.Buffer.End);
        opened.Reader.CancelPendingRead();
        opened.Reader.TryRead(out ReadResult flagged).ShouldBeTrue();
        flagged.IsCanceled.ShouldBeTrue();
        flagged.Buffer.ToArray().ShouldBe(data[1..length]);
        opened.Reader.AdvanceTo(flagged.Buffer.End);
    }

    [Test]
    public async Task ReadAsync_WithACanceledToken_ThrowsOperationCanceled([Values] Reader kind)
    {
        WriteFile(100);
        await using Opened opened = Open(kind);
        using var source = new CancellationTokenSource();
        await source.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(async () => await opened.Reader.ReadAsync(source.Token));
    }

    [Test]
    public async Task AfterComplete_ReadTryReadAndAdvance_ThrowInvalidOperationWhileCompleteAndCancelStayHarmless([Values] Reader kind)
    {
        WriteFile(100);
        await using Opened opened = Open(kind);
        ReadResult result = await opened.Reader.ReadAsync();
        await opened.Reader.CompleteAsync();

        await Should.ThrowAsync<InvalidOperationException>(async () => await opened.Reader.ReadAsync());
        Should.Throw<InvalidOperationException>(() => opened.Reader.TryRead(out _));
        Should.Throw<InvalidOperationException>(() => opened.Reader.AdvanceTo(result.Buffer.End));
        Should.Throw<InvalidOperationException>(() => opened.Reader.AdvanceTo(default));
        opened.Reader.Complete();
        opened.Reader.CancelPendingRead();
        await opened.Reader.CompleteAsync();
    }

    [Test]
    public async Task AdvanceTo_AfterEverythingWasConsumed_ThrowsInvalidOperation([Values] Reader kind)
    {
        WriteFile(100);
        await using Opened opened = Open(kind);
        ReadResult result = await opened.Reader.ReadAsync();
        opened.Reader.AdvanceTo(result.Buffer.End);

        Should.Throw<InvalidOperationException>(() => opened.Reader.AdvanceTo(result.Buffer.End));
    }

    [Test]
    public async Task AdvanceTo_DefaultPositions_ChangesNothing([Values] Reader kind)
    {
        byte[] data = WriteFile(100);
        await using Opened opened = Open(kind);

        opened.Reader.AdvanceTo(default);
        ReadResult result = await opened.Reader.ReadAsync();
        opened.Reader.AdvanceTo(default, default);
        ReadResult again = await opened.Reader.ReadAsync();

        again.Buffer.ToArray().ShouldBe(result.Buffer.ToArray());
        again.Buffer.ToArray().ShouldBe(data[..(int)again.Buffer.Length]);
        opened.Reader.AdvanceTo(again.Buffer.End);
    }

    [Test]
    public async Task CopyToAsync_AStream_CopiesTheWholeFile([Values] Reader kind)
    {
        byte[] data = WriteFile(300_000);
        await using Opened opened = Open(kind);
        using var copy = new MemoryStream();

        await opened.Reader.CopyToAsync(copy);

        copy.ToArray().ShouldBe(data);
    }

    [Test]
    public async Task AsStream_ReadToEnd_GivesTheWholeFile([Values] Reader kind)
    {
        byte[] data = WriteFile(70_000);
        await using Opened opened = Open(kind);
        using var copy = new MemoryStream();

        await using (Stream stream = opened.Reader.AsStream(leaveOpen: true))
        {
            await stream.CopyToAsync(copy);
        }

        copy.ToArray().ShouldBe(data);
    }

    /// <summary>
    /// Random consumers, each run on both readers: at every read the buffer holds the file's bytes from the consumed
    /// position; a read after a partial examination brings nothing new, a read after a full examination brings something
    /// unless the data is complete; and both readers deliver the whole file and complete.
    /// </summary>
    [Test]
    public void RandomConsumers_BothReaders_KeepEveryPromiseOfTheContract()
    {
        Gen.Select(Gen.Int[0, 40_000], Gen.Int[1, 5000], Gen.Select(Gen.Int[0, 100], Gen.Int[0, 100], Gen.Bool).Array[1, 60])
            .Sample((length, window, steps) =>
            {
                byte[] data = WriteFile(length);
                Run(Reader.Copying, 0, data, steps);
                Run(Reader.Mapped, window, data, steps);
            }, iter: 60, threads: 1);
    }

    private void Run(Reader kind, int window, byte[] data, (int Consume, int Examine, bool ExamineAll)[] steps)
    {
        using Opened opened = Open(kind, window);
        PipeReader reader = opened.Reader;
        long consumed = 0;
        long previousLeft = -1;
        bool examinedAll = true;
        for (int i = 0; ; i++)
        {
            (int consumePercent, int examinePercent, bool examineAll) = steps[i % steps.Length];
            ReadResult result = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
            ReadOnlySequence<byte> buffer = result.Buffer;
            buffer.ToArray().ShouldBe(data[(int)consumed..(int)(consumed + buffer.Length)], $"{kind}: the buffer is the file from the consumed position");
            if (previousLeft >= 0 && !examinedAll)
            {
                buffer.Length.ShouldBe(previousLeft, $"{kind}: nothing new after a partial examination");
            }
            else if (previousLeft >= 0 && !result.IsCompleted)
            {
                buffer.Length.ShouldBeGreaterThan(previousLeft, $"{kind}: something new after a full examination");
            }

            // After a while every consumer consumes everything, so each run ends.
            bool finishing = i >= 4 * steps.Length;
            if (result.IsCompleted && (consumePercent == 100 || finishing))
            {
                consumed += buffer.Length;
                reader.AdvanceTo(buffer.End);
                break;
            }

            long take = finishing ? buffer.Length : buffer.Length * consumePercent / 100;
            long examine = examineAll || finishing ? buffer.Length : Math.Max(take, buffer.Length * examinePercent / 100);
            // The buffer may not be used after AdvanceTo (the copying reader recycles its segments), so measure first.
            consumed += take;
            previousLeft = buffer.Length - take;
            examinedAll = examine == buffer.Length;
            reader.AdvanceTo(buffer.GetPosition(take), buffer.GetPosition(examine));
        }

        consumed.ShouldBe(data.Length, $"{kind}: the whole file was delivered");
    }

    private static async Task<List<string>> ParseLines(PipeReader reader)
    {
        var lines = new List<string>();
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            var parser = new SequenceReader<byte>(buffer);
            while (parser.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                lines.Add(Encoding.ASCII.GetString(line));
            }

            if (result.IsCompleted)
            {
                lines.Add(Encoding.ASCII.GetString(parser.UnreadSequence));
                reader.AdvanceTo(buffer.End);
                return lines;
            }

            reader.AdvanceTo(parser.Position, buffer.End);
        }
    }

    private byte[] WriteFile(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        File.WriteAllBytes(_path, data);
        return data;
    }

    private Opened Open(Reader kind, int window = 0)
    {
        if (kind == Reader.Copying)
        {
            var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new Opened(file, PipeReader.Create(file));
        }

        var mapped = new FileInfo(_path).Length > 0
            ? MappedFileStream.Open(_path)
            : EmptyMapped();
        int size = window > 0 ? window : kind == Reader.MappedTinyWindow ? 7 : MappedPipeReaderOptions.DefaultWindowSize;
        return new Opened(mapped, mapped.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = size }));
    }

    // An empty file has nothing to map: open it with room for a page and set the length back to 0.
    private MappedFileStream EmptyMapped()
    {
        var mapped = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite, Size = 4096, Fit = true });
        mapped.SetLength(0);
        return mapped;
    }

    /// <summary>A reader and the stream under it; disposing completes the one and disposes the other.</summary>
    private sealed class Opened(Stream stream, PipeReader reader) : IDisposable, IAsyncDisposable
    {
        public PipeReader Reader { get; } = reader;

        public void Dispose()
        {
            Reader.Complete();
            stream.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            await Reader.CompleteAsync();
            await stream.DisposeAsync();
        }
    }
}
