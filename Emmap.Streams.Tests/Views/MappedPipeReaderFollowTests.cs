using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Views;

/// <summary>
/// Tail mode (<see cref="MappedPipeReaderOptions.Follow"/>): the reader follows appends made by another handle on another
/// thread and by another process, waits without completing at the end of the data, and a wait ends on
/// <see cref="PipeReader.CancelPendingRead"/>, on the caller's token, on <see cref="PipeReader.Complete"/> and when the
/// stream is disposed.
/// </summary>
[TestFixture]
public sealed class MappedPipeReaderFollowTests
{
    private const int RecordSize = 40;

    // A hang detector, not a speed bar.
    private static readonly TimeSpan s_bounded = TimeSpan.FromSeconds(60);

    // So long that a wait that ends early was ended by the event under test, not by a poll.
    private static readonly TimeSpan s_neverPolls = TimeSpan.FromHours(1);

    private TempDirectory _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _path = _directory.File("log.bin");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task Follow_AWindowThatEndsBeforeItsFile_EndsAtTheWindowsEndAlsoAfterTheFileWasCutAndWrittenBack()
    {
        byte[] content = new byte[10_000];
        for (int i = 0; i < content.Length; i++)
        {
            content[i] = (byte)(i % 251);
        }

        File.WriteAllBytes(_path, content);
        using var whole = MappedFileStream.Open(_path, new MapOptions { Access = FileAccess.ReadWrite });
        using var window = MappedFileStream.Open(_path, 1_000, 4_000, new MapOptions { Access = FileAccess.ReadWrite });
        using var timeout = new CancellationTokenSource(s_bounded);
        var options = new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(1), WindowSize = 1_024 };

        // No data can come past the window's end, so waiting there would never end: the read that reaches it is the last.
        PipeReader reader = window.AsPipeReader(options: options);
        (await ReadToCompletionAsync(reader, timeout.Token)).ShouldBe(content[1_000..5_000]);

        // Cut inside the window, the data grows back up to its end through the window: the follower waits for it, then ends.
        whole.SetLength(3_000);
        PipeReader cut = window.AsPipeReader(options: options);
        Task<byte[]> following = ReadToCompletionAsync(cut, timeout.Token);
        await Task.Delay(50);
        following.IsCompleted.ShouldBeFalse();
        window.WriteAt(2_000, content.AsSpan(3_000, 2_000));
        (await following).ShouldBe(content[1_000..5_000]);
        whole.Length.ShouldBe(5_000);
    }

    private static async Task<byte[]> ReadToCompletionAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var read = new List<byte>();
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                read.AddRange(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return [.. read];
            }
        }
    }

    [Test]
    public async Task Follow_AnotherHandleAppendsOnAnotherThread_ReaderGetsEveryLineInOrderAndEndsAtTheEndPosition()
    {
        const int Lines = 20_000;
        // The follower's handle is opened while the file still has a length (an empty file cannot be opened read-only).
        using MappedFileStream writer = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096 });
        using var followed = MappedFileStream.Open(_path);
        writer.SetLength(0);
        byte[][] lines = new byte[Lines][];
        long total = 0;
        for (int i = 0; i < Lines; i++)
        {
            lines[i] = Encoding.ASCII.GetBytes($"{i}:{new string('x', i % 97)}\n");
            total += lines[i].Length;
        }

        PipeReader reader = followed.AsPipeReader(options: new MappedPipeReaderOptions
        {
            Follow = true,
            PollInterval = TimeSpan.FromMilliseconds(1),
            EndPosition = total,
            WindowSize = 4096,
        });
        Task appending = Task.Run(() =>
        {
            for (int i = 0; i < Lines; i++)
            {
                writer.Append(lines[i]);
                if (i % 500 == 0)
                {
                    Thread.Sleep(2);
                }
            }
        });

        List<string> received = await ReadLines(reader).WaitAsync(s_bounded);
        await appending;

        received.Count.ShouldBe(Lines);
        for (int i = 0; i < Lines; i++)
        {
            received[i].ShouldBe(Encoding.ASCII.GetString(lines[i]).TrimEnd('\n'));
        }
    }

    [Test]
    public async Task Follow_AnotherProcessAppends_ReaderGetsEveryRecordWhole()
    {
        const int Count = 3000;
        File.WriteAllBytes(_path, "header!\n"u8.ToArray());
        using var followed = MappedFileStream.Open(_path);
        PipeReader reader = followed.AsPipeReader(8, new MappedPipeReaderOptions
        {
            Follow = true,
            PollInterval = TimeSpan.FromMilliseconds(2),
            EndPosition = 8 + (Count * RecordSize),
        });

        using var child = ChildHost.Start("stream-append", _path, "9", Text(Count), Text(RecordSize));
        child.ReadLine().ShouldBe("ready");
        Task<List<(int Id, int Sequence)>> reading = ReadRecords(reader);
        child.Send("go");

        List<(int Id, int Sequence)> records = await reading.WaitAsync(s_bounded);
        child.ReadLine().ShouldBe("done");
        child.ShouldExitWith(0);

        records.Count.ShouldBe(Count);
        for (int i = 0; i < Count; i++)
        {
            records[i].ShouldBe((9, i), "records arrive whole and in the writer's order");
        }
    }

    [Test]
    public async Task Follow_AtTheEnd_ReadWaitsInsteadOfCompletingAndReturnsTheNextAppend()
    {
        using MappedFileStream writer = CreateEmpty();
        writer.Append("first"u8);
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(5) });
        ReadResult first = await reader.ReadAsync();
        first.IsCompleted.ShouldBeFalse("a follower never completes without an end position");
        reader.AdvanceTo(first.Buffer.End);

        ValueTask<ReadResult> pending = reader.ReadAsync();
        reader.TryRead(out _).ShouldBeFalse();
        await Task.Delay(50);
        pending.IsCompleted.ShouldBeFalse("nothing new yet: the read waits");

        writer.Append("second"u8);
        ReadResult second = await pending.AsTask().WaitAsync(s_bounded);
        Encoding.ASCII.GetString(second.Buffer).ShouldBe("second");
        second.IsCompleted.ShouldBeFalse();
        reader.AdvanceTo(second.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task Follow_TryRead_FalseWhileNothingIsNewThenTrueAfterAnAppend()
    {
        using MappedFileStream writer = CreateEmpty();
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = s_neverPolls });

        reader.TryRead(out _).ShouldBeFalse();
        writer.Append("data"u8);
        reader.TryRead(out ReadResult result).ShouldBeTrue();
        Encoding.ASCII.GetString(result.Buffer).ShouldBe("data");
        reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        reader.TryRead(out _).ShouldBeFalse("everything examined and nothing new");
        await reader.CompleteAsync();
    }

    [Test]
    public async Task Follow_ReadAtLeastAsync_WaitsUntilEnoughIsAppended()
    {
        using MappedFileStream writer = CreateEmpty();
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(2) });

        ValueTask<ReadResult> pending = reader.ReadAtLeastAsync(10);
        writer.Append("12345"u8);
        await Task.Delay(50);
        pending.IsCompleted.ShouldBeFalse("5 of the 10 bytes asked for");
        writer.Append("67890abc"u8);

        ReadResult result = await pending.AsTask().WaitAsync(s_bounded);
        Encoding.ASCII.GetString(result.Buffer).ShouldBe("1234567890abc");
        reader.AdvanceTo(result.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task Follow_CancelPendingReadFromAnotherThread_EndsTheWaitWithACanceledResultAndTheReaderGoesOn()
    {
        using MappedFileStream writer = CreateEmpty();
        writer.Append("held"u8);
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = s_neverPolls });
        ReadResult held = await reader.ReadAsync();
        reader.AdvanceTo(held.Buffer.Start, held.Buffer.End);

        ValueTask<ReadResult> pending = reader.ReadAsync();
        await Task.Run(reader.CancelPendingRead);
        ReadResult canceled = await pending.AsTask().WaitAsync(s_bounded);

        canceled.IsCanceled.ShouldBeTrue();
        Encoding.ASCII.GetString(canceled.Buffer).ShouldBe("held", "the unconsumed bytes come with the cancellation");
        reader.AdvanceTo(canceled.Buffer.Start, canceled.Buffer.End);
        writer.Append("+more"u8);
        reader.TryRead(out ReadResult next).ShouldBeTrue();
        next.IsCanceled.ShouldBeFalse();
        Encoding.ASCII.GetString(next.Buffer).ShouldBe("held+more");
        reader.AdvanceTo(next.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task Follow_CancelPendingRead_DoesNotRunTheConsumersCodeInsideTheCall()
    {
        using MappedFileStream writer = CreateEmpty();
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = s_neverPolls });
        Task<int> consumer = ReadOnce();
        int cancellerThread = 0;
        var canceller = new Thread(() =>
        {
            cancellerThread = Environment.CurrentManagedThreadId;
            reader.CancelPendingRead();
        });

        canceller.Start();
        canceller.Join();
        int continuationThread = await consumer.WaitAsync(s_bounded);

        continuationThread.ShouldNotBe(cancellerThread, "what follows the consumer's await runs on the thread pool, not in CancelPendingRead");
        await reader.CompleteAsync();

        async Task<int> ReadOnce()
        {
            // Without a context to return to, the code after the await runs wherever the read completes.
            ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
            result.IsCanceled.ShouldBeTrue();
            reader.AdvanceTo(result.Buffer.End);
            return Environment.CurrentManagedThreadId;
        }
    }

    [Test]
    public async Task Follow_CallersTokenCanceledDuringAWait_ThrowsOperationCanceledAndTheReaderStaysUsable()
    {
        using MappedFileStream writer = CreateEmpty();
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = s_neverPolls });
        using var source = new CancellationTokenSource();

        ValueTask<ReadResult> pending = reader.ReadAsync(source.Token);
        await source.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(async () => await pending.AsTask().WaitAsync(s_bounded));
        writer.Append("after"u8);
        ReadResult result = await reader.ReadAsync().AsTask().WaitAsync(s_bounded);
        Encoding.ASCII.GetString(result.Buffer).ShouldBe("after");
        result.IsCanceled.ShouldBeFalse();
        reader.AdvanceTo(result.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task Follow_StreamDisposedDuringAWait_TheWaitThrowsObjectDisposedAtTheNextPoll()
    {
        MappedFileStream writer = CreateEmpty();
        writer.Append("x"u8);
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = TimeSpan.FromMilliseconds(5) });
        ReadResult result = await reader.ReadAsync();
        reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);

        ValueTask<ReadResult> pending = reader.ReadAsync();
        await writer.DisposeAsync();

        await Should.ThrowAsync<ObjectDisposedException>(async () => await pending.AsTask().WaitAsync(s_bounded));
        ProcessMaps.Maps(_path).ShouldBeFalse("the failed read dropped the reader's pin");
        await reader.CompleteAsync();
    }

    [Test]
    public async Task Follow_CompletedFromAnotherThreadDuringAWait_TheWaitEndsWithInvalidOperation()
    {
        using MappedFileStream writer = CreateEmpty();
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = s_neverPolls });

        ValueTask<ReadResult> pending = reader.ReadAsync();
        await Task.Run(() => reader.Complete());

        await Should.ThrowAsync<InvalidOperationException>(async () => await pending.AsTask().WaitAsync(s_bounded));
        writer.LiveViewCount.ShouldBe(0);
    }

    [Test]
    public async Task Follow_WithAnEndPosition_CompletesThereEvenWhileTheFileGoesOnGrowing()
    {
        using MappedFileStream writer = CreateEmpty();
        writer.Append("0123456789"u8);
        PipeReader reader = writer.AsPipeReader(2, new MappedPipeReaderOptions { Follow = true, EndPosition = 14, PollInterval = TimeSpan.FromMilliseconds(1) });

        ReadResult first = await reader.ReadAsync();
        first.IsCompleted.ShouldBeFalse();
        reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);
        writer.Append("abcdefgh"u8);
        ReadResult last = await reader.ReadAsync().AsTask().WaitAsync(s_bounded);

        last.IsCompleted.ShouldBeTrue();
        Encoding.ASCII.GetString(last.Buffer).ShouldBe("23456789abcd");
        reader.AdvanceTo(last.Buffer.End);
        await reader.CompleteAsync();
    }

    [Test]
    public async Task Follow_ShrinkBelowThePosition_WaitsUntilTheDataGrowsPastItAgain()
    {
        using MappedFileStream writer = CreateEmpty();
        writer.Append("0123456789"u8);
        PipeReader reader = writer.AsPipeReader(options: new MappedPipeReaderOptions { Follow = true, PollInterval = s_neverPolls });
        ReadResult first = await reader.ReadAsync();
        reader.AdvanceTo(first.Buffer.End);

        writer.SetLength(3);
        reader.TryRead(out _).ShouldBeFalse("position 10 is past the new end");
        writer.Append("abcdefg"u8);
        reader.TryRead(out _).ShouldBeFalse("the data ends at 10: nothing past the reader's position yet");
        writer.Append("hij"u8);

        reader.TryRead(out ReadResult next).ShouldBeTrue();
        Encoding.ASCII.GetString(next.Buffer).ShouldBe("hij", "the reader goes on from its position");
        reader.AdvanceTo(next.Buffer.End);
        await reader.CompleteAsync();
    }

    private static async Task<List<string>> ReadLines(PipeReader reader)
    {
        var lines = new List<string>();
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            var parser = new SequenceReader<byte>(result.Buffer);
            while (parser.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                lines.Add(Encoding.ASCII.GetString(line));
            }

            reader.AdvanceTo(parser.Position, result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return lines;
            }
        }
    }

    private static async Task<List<(int Id, int Sequence)>> ReadRecords(PipeReader reader)
    {
        var records = new List<(int, int)>();
        byte[] record = new byte[RecordSize];
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (buffer.Length >= RecordSize)
            {
                buffer.Slice(0, RecordSize).CopyTo(record);
                int id = BinaryPrimitives.ReadInt32LittleEndian(record);
                records.Add((id, BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(4))));
                record.AsSpan(8).IndexOfAnyExcept((byte)id).ShouldBe(-1, "a record is never seen half written");
                buffer = buffer.Slice(RecordSize);
            }

            reader.AdvanceTo(buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return records;
            }
        }
    }

    /// <summary>A writable stream over a new, empty file.</summary>
    private MappedFileStream CreateEmpty()
    {
        var stream = MappedFileStream.Open(_path, new MapOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Size = 4096 });
        stream.SetLength(0);
        return stream;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
