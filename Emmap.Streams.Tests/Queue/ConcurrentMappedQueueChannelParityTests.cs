using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// The queue's channel faces against <see cref="Channel"/>'s own channels, side by side: completion with an error or a
/// cancellation, and canceled tokens, give the same outcome.
/// </summary>
[TestFixture]
public sealed class ConcurrentMappedQueueChannelParityTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private static async Task<string> Outcome(Func<Task> action)
    {
        try
        {
            await action().WaitAsync(TimeSpan.FromSeconds(10));
            return "ok";
        }
        catch (TimeoutException)
        {
            return "hang";
        }
        catch (Exception ex)
        {
            return ex.GetType().Name + (ex.InnerException is { } inner ? "(" + inner.GetType().Name + ")" : string.Empty);
        }
    }

    private static async Task<string> Outcome<T>(Func<Task<T>> action)
    {
        try
        {
            T value = await action().WaitAsync(TimeSpan.FromSeconds(10));
            return "ok:" + value;
        }
        catch (TimeoutException)
        {
            return "hang";
        }
        catch (Exception ex)
        {
            return ex.GetType().Name + (ex.InnerException is { } inner ? "(" + inner.GetType().Name + ")" : string.Empty);
        }
    }

    [Test]
    public async Task WriterWaitToWriteAsync_AfterTryCompleteWithError_ThrowsTheErrorAsAChannelDoes()
    {
        var channel = Channel.CreateUnbounded<byte[]>();
        channel.Writer.TryComplete(new InvalidOperationException("boom"));
        string expected = await Outcome(() => channel.Writer.WaitToWriteAsync().AsTask());

        using var q = ConcurrentMappedQueue.Open(_dir.File("ww.queue"), 4096);
        q.Writer.TryComplete(new InvalidOperationException("boom"));
        string actual = await Outcome(() => q.Writer.WaitToWriteAsync().AsTask());

        expected.ShouldBe("InvalidOperationException");
        actual.ShouldBe(expected);
    }

    [Test]
    public async Task WriterWriteAsync_AfterTryCompleteWithError_CarriesTheErrorAsAChannelDoes()
    {
        var channel = Channel.CreateBounded<byte[]>(1);
        channel.Writer.TryWrite([1]);
        channel.Writer.TryComplete(new InvalidOperationException("boom"));
        string expected = await Outcome(() => channel.Writer.WriteAsync([2]).AsTask());

        using var q = ConcurrentMappedQueue.Open(_dir.File("wa.queue"), 4096);
        q.Writer.TryWrite(new byte[] { 1 });
        q.Writer.TryComplete(new InvalidOperationException("boom"));
        string actual = await Outcome(() => q.Writer.WriteAsync(new byte[] { 2 }).AsTask());

        expected.ShouldBe("ChannelClosedException(InvalidOperationException)");
        actual.ShouldBe(expected);
    }

    [Test]
    public async Task ReaderWaitToReadAsync_EmptyAfterTryCompleteWithError_ThrowsTheErrorAsAChannelDoes()
    {
        var channel = Channel.CreateUnbounded<byte[]>();
        channel.Writer.TryComplete(new InvalidOperationException("boom"));
        string expected = await Outcome(() => channel.Reader.WaitToReadAsync().AsTask());

        using var q = ConcurrentMappedQueue.Open(_dir.File("wr.queue"), 4096);
        q.Writer.TryComplete(new InvalidOperationException("boom"));
        string actual = await Outcome(() => q.Reader.WaitToReadAsync().AsTask());

        expected.ShouldBe("InvalidOperationException");
        actual.ShouldBe(expected);
    }

    [Test]
    public async Task ReaderCompletion_TryCompleteWithOperationCanceled_IsCanceledAsAChannelIs()
    {
        var channel = Channel.CreateUnbounded<byte[]>();
        channel.Writer.TryComplete(new OperationCanceledException());
        string expected = await Outcome(() => channel.Reader.Completion);

        using var q = ConcurrentMappedQueue.Open(_dir.File("oc.queue"), 4096);
        q.Writer.TryComplete(new OperationCanceledException());
        string actual = await Outcome(() => q.Reader.Completion);

        channel.Reader.Completion.IsCanceled.ShouldBeTrue();
        q.Reader.Completion.IsCanceled.ShouldBe(channel.Reader.Completion.IsCanceled, $"channel: {expected}, queue: {actual}");
    }

    [Test]
    public async Task CallsAfterTryCompleteWithOperationCanceled_FaultOrCancelAsAChannelsDo()
    {
        var channel = Channel.CreateUnbounded<byte[]>();
        channel.Writer.TryComplete(new OperationCanceledException("stopped"));
        using var q = ConcurrentMappedQueue.Open(_dir.File("oc-calls.queue"), 4096);
        q.Writer.TryComplete(new OperationCanceledException("stopped"));

        // A channel fails its waits and WriteAsync with the cancellation (faulted), and cancels ReadAsync.
        (string Name, Task Channel, Task Queue, string Expected)[] calls =
        [
            ("WaitToReadAsync", channel.Reader.WaitToReadAsync().AsTask(), q.Reader.WaitToReadAsync().AsTask(), "faulted:OperationCanceledException"),
            ("ReadAsync", channel.Reader.ReadAsync().AsTask(), q.Reader.ReadAsync().AsTask(), "canceled"),
            ("WaitToWriteAsync", channel.Writer.WaitToWriteAsync().AsTask(), q.Writer.WaitToWriteAsync().AsTask(), "faulted:OperationCanceledException"),
            ("WriteAsync", channel.Writer.WriteAsync([1]).AsTask(), q.Writer.WriteAsync(new byte[] { 1 }).AsTask(), "faulted:OperationCanceledException"),
        ];

        foreach ((string name, Task expected, Task actual, string state) in calls)
        {
            string expectedOutcome = await Outcome(() => expected);
            string actualOutcome = await Outcome(() => actual);
            State(expected).ShouldBe(state, name);
            State(actual).ShouldBe(state, name);

            // Awaited, a channel's canceled ReadAsync throws a TaskCanceledException; the queue's throws the cancellation the
            // writer was completed with. Both are OperationCanceledExceptions; the other calls throw the same one.
            (name == "ReadAsync" ? "TaskCanceledException" : actualOutcome).ShouldBe(expectedOutcome, name);
        }

        static string State(Task task) =>
            task.IsFaulted ? "faulted:" + task.Exception!.InnerException!.GetType().Name : task.IsCanceled ? "canceled" : task.Status.ToString();
    }

    [Test]
    public async Task ReaderWaitToReadAsync_CanceledTokenWithItems_IsCanceledAsAChannelIs()
    {
        var channel = Channel.CreateUnbounded<byte[]>();
        channel.Writer.TryWrite([1]);
        string expected = await Outcome(() => channel.Reader.WaitToReadAsync(new CancellationToken(true)).AsTask());

        using var q = ConcurrentMappedQueue.Open(_dir.File("ct.queue"), 4096);
        q.Enqueue([1]);
        string actual = await Outcome(() => q.Reader.WaitToReadAsync(new CancellationToken(true)).AsTask());

        expected.ShouldBe("TaskCanceledException");
        actual.ShouldBe(expected);
    }

    [Test]
    public async Task WriterWaitToWriteAsync_CanceledToken_IsCanceledAsAChannelIs()
    {
        var channel = Channel.CreateUnbounded<byte[]>();
        string expected = await Outcome(() => channel.Writer.WaitToWriteAsync(new CancellationToken(true)).AsTask());

        using var q = ConcurrentMappedQueue.Open(_dir.File("cw.queue"), 4096);
        string actual = await Outcome(() => q.Writer.WaitToWriteAsync(new CancellationToken(true)).AsTask());

        expected.ShouldBe("TaskCanceledException");
        actual.ShouldBe(expected);
    }

    [Test]
    public async Task ReadAllAsync_AfterTryCompleteWithError_ThrowsAsAChannelDoes()
    {
        async Task Drain(ChannelReader<byte[]> reader)
        {
            await foreach (byte[] _ in reader.ReadAllAsync())
            {
            }
        }

        var channel = Channel.CreateUnbounded<byte[]>();
        channel.Writer.TryWrite([1]);
        channel.Writer.TryComplete(new InvalidOperationException("boom"));
        string expected = await Outcome(() => Drain(channel.Reader));

        using var q = ConcurrentMappedQueue.Open(_dir.File("ra.queue"), 4096);
        q.Enqueue([1]);
        q.Writer.TryComplete(new InvalidOperationException("boom"));
        string actual = await Outcome(() => Drain(q.Reader));

        actual.ShouldBe(expected);
    }
}
