using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// A <see cref="MappedFileStream.AsPipeReader"/> consumer racing with the disposal of its stream, at every step of the read
/// cycle and at random moments: it only ever sees the file's bytes, ends with completion or
/// <see cref="ObjectDisposedException"/>, never faults, and leaves nothing mapped. And a follower whose reads are canceled
/// from another thread while a writer appends still gets every byte in order.
/// </summary>
[TestFixture]
public sealed class MappedPipeReaderConcurrencyTests
{
    private const int Lines = 20_000;

    // A hang detector, not a speed bar.
    private static readonly TimeSpan s_bounded = TimeSpan.FromSeconds(60);

    private TempDirectory _directory = null!;
    private string _path = null!;

    public enum DisposePoint
    {
        BeforeTheFirstRead,
        WithABufferHeld,
        AfterConsumingPart,
        AfterConsumingAll,
        AfterTheCompletedRead,
    }

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("lines.txt");
        File.WriteAllText(_path, string.Concat(Enumerable.Range(0, Lines).Select(Line)));
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task StreamDisposed_AtEachStepOfTheReadCycle_HeldBytesStayValidTheNextReadThrowsAndNothingStaysMapped([Values] DisposePoint point)
    {
        var stream = MappedFileStream.Open(_path);
        PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 1000 });
        byte[] file = File.ReadAllBytes(_path);
        long consumed = 0;
        if (point != DisposePoint.BeforeTheFirstRead)
        {
            ReadResult result = await reader.ReadAsync();
            if (point == DisposePoint.AfterTheCompletedRead)
            {
                result = await reader.ReadAtLeastAsync(file.Length);
                result.IsCompleted.ShouldBeTrue();
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            await stream.DisposeAsync();

            buffer.ToArray().ShouldBe(file[..(int)buffer.Length], "a buffer the consumer holds outlives the stream");
            long take = point switch
            {
                DisposePoint.AfterConsumingPart => 10,
                DisposePoint.WithABufferHeld => 0,
                _ => buffer.Length,
            };
            reader.AdvanceTo(buffer.GetPosition(take), buffer.End);
            consumed = take;
        }
        else
        {
            await stream.DisposeAsync();
        }

        await Should.ThrowAsync<ObjectDisposedException>(async () => await reader.ReadAsync());
        ProcessMaps.Maps(_path).ShouldBeFalse("a read that throws holds nothing");
        Should.Throw<ObjectDisposedException>(() => reader.TryRead(out _));
        await reader.CompleteAsync();
        consumed.ShouldBeLessThanOrEqualTo(file.Length);
    }

    [Test]
    public async Task StreamDisposed_AtRandomMomentsWhileParsing_OnlyFileBytesThenCompletionOrObjectDisposedAndNothingLeaks()
    {
        const int Rounds = 200;
        int disposedDuringRead = 0;
        int completed = 0;

        // Dispose anywhere from before the first read to after the last: up to twice the time a whole read takes.
        long fullRead = Stopwatch.GetTimestamp();
        using (var timed = MappedFileStream.Open(_path))
        {
            (await CountCheckedLines(timed.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 4096 }))).ShouldBe(Lines);
        }

        fullRead = Stopwatch.GetTimestamp() - fullRead;
        for (int round = 0; round < Rounds; round++)
        {
            var stream = MappedFileStream.Open(_path);
            PipeReader reader = stream.AsPipeReader(options: new MappedPipeReaderOptions { WindowSize = 512 + (round * 37) });
            long delay = (long)(Random.Shared.NextDouble() * 2 * fullRead);
            using var start = new Barrier(2);
            Task disposer = Task.Run(() =>
            {
                start.SignalAndWait();
                long begun = Stopwatch.GetTimestamp();
                while (Stopwatch.GetTimestamp() - begun < delay)
                {
                    Thread.SpinWait(20);
                }

                stream.Dispose();
            });

            start.SignalAndWait();
            try
            {
                int lines = await CountCheckedLines(reader);
                lines.ShouldBe(Lines);
                completed++;
            }
            catch (ObjectDisposedException)
            {
                disposedDuringRead++;
            }

            await disposer.WaitAsync(s_bounded);
            await reader.CompleteAsync();
            ProcessMaps.Maps(_path).ShouldBeFalse($"round {round}: the reader completed and the stream is disposed, so nothing may stay mapped");
        }

        (completed + disposedDuringRead).ShouldBe(Rounds);
        TestContext.Out.WriteLine($"{completed} rounds read everything before the dispose, {disposedDuringRead} were cut short by it");
    }

    [Test]
    public async Task Follow_CancelPendingReadSpammedFromAnotherThreadWhileAWriterAppends_EveryByteArrivesInOrder()
    {
        const int Records = 20_000;
        using var writer = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        writer.SetLength(0);
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions
        {
            Follow = true,
            PollInterval = TimeSpan.FromMilliseconds(1),
            EndPosition = Records * 8L,
            WindowSize = 1000,
        });
        using var stop = new CancellationTokenSource();
        Task canceller = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                reader.CancelPendingRead();
                Thread.Sleep(0);
            }
        });
        Task appender = Task.Run(() =>
        {
            byte[] record = new byte[8];
            for (long i = 0; i < Records; i++)
            {
                BitConverter.TryWriteBytes(record, i);
                writer.Append(record);
            }
        });

        long next = 0;
        int canceled = 0;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().AsTask().WaitAsync(s_bounded);
                canceled += result.IsCanceled ? 1 : 0;
                ReadOnlySequence<byte> buffer = result.Buffer;
                var parser = new SequenceReader<byte>(buffer);
                while (parser.TryReadLittleEndian(out long value))
                {
                    value.ShouldBe(next++);
                }

                reader.AdvanceTo(parser.Position, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await canceller;
            await appender;
        }

        next.ShouldBe(Records);
        await reader.CompleteAsync();
        TestContext.Out.WriteLine($"{canceled} reads came back canceled");
    }

    /// <summary>Counts lines, checking each against the file's pattern, consuming as it goes.</summary>
    private static async Task<int> CountCheckedLines(PipeReader reader)
    {
        int count = 0;
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            var parser = new SequenceReader<byte>(result.Buffer);
            while (parser.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                byte[] expected = s_lines[count];
                if (line.Length != expected.Length - 1 || !new SequenceReader<byte>(line).IsNext(expected.AsSpan(0, expected.Length - 1)))
                {
                    Assert.Fail($"line {count} is '{Encoding.ASCII.GetString(line)}', not the file's '{Encoding.ASCII.GetString(expected).TrimEnd('\n')}'");
                }

                count++;
            }

            reader.AdvanceTo(parser.Position, result.Buffer.End);
            if (result.IsCompleted)
            {
                return count;
            }
        }
    }

    private static readonly byte[][] s_lines = Enumerable.Range(0, Lines).Select(i => Encoding.ASCII.GetBytes(Line(i))).ToArray();

    private static string Line(int i) => $"line {i} {new string((char)('a' + (i % 26)), i % 50)}\n";
}
