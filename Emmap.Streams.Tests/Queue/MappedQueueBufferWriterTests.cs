using System;
using System.Buffers;
using System.Linq;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// Pops into a caller's <see cref="IBufferWriter{T}"/>: the writer is the caller's code, so it may throw or call back into the
/// queue, and a pop whose writer failed did not happen.
/// </summary>
[TestFixture]
public sealed class MappedQueueBufferWriterTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("q.queue");

    [Test]
    public void TryPop_WriterAdvanceThrows_TheItemStaysAtTheHeadAndAfterReopen(
        [Values] bool shared, [Values(QueueDurability.None, QueueDurability.Always)] QueueDurability durability)
    {
        var options = new QueueOptions { MultiProcess = shared, Durability = durability };
        var writer = new FailingWriter { FailAdvance = true };
        using (var queue = MappedQueue.Open(QueuePath, 8192, options))
        {
            queue.Push("A"u8);
            queue.Push("B"u8);

            Should.Throw<WriterFailedException>(() => queue.TryPop(writer));

            queue.Count.ShouldBe(2);
            queue.PeekFront().ShouldBe("A"u8.ToArray());
            writer.Written.WrittenCount.ShouldBe(0);

            // The queue goes on as if the failed pop had never been asked for.
            writer.FailAdvance = false;
            queue.TryPop(writer).ShouldBeTrue();
            writer.Written.WrittenSpan.ToArray().ShouldBe("A"u8.ToArray());
            queue.Push("C"u8);
        }

        using (var reopened = MappedQueue.Open(QueuePath, 8192, options))
        {
            reopened.Enumerate().Select(item => item.ToArray()).ShouldBe(["B"u8.ToArray(), "C"u8.ToArray()]);
        }

        MappedQueue.Verify(QueuePath).Problems.ShouldBeEmpty();
    }

    [Test]
    public void TryDequeue_WriterAdvanceThrows_TheItemStaysAtTheHead([Values] bool shared)
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 8192, new QueueOptions { MultiProcess = shared });
        queue.Enqueue("A"u8);

        Should.Throw<WriterFailedException>(() => queue.TryDequeue(new FailingWriter { FailAdvance = true }));

        queue.Info().Count.ShouldBe(1);
        queue.Dequeue().ShouldBe("A"u8.ToArray());
    }

    [Test]
    public void TryPop_WriterPopsTheSameQueueInGetSpan_ThrowsInvalidOperationAndKeepsTheOrder([Values] bool shared)
    {
        using var queue = MappedQueue.Open(QueuePath, 8192, new QueueOptions { MultiProcess = shared });
        queue.Push("A"u8);
        queue.Push("B"u8);
        queue.Push("C"u8);
        byte[]? inner = null;
        var writer = new FailingWriter { OnGetSpan = () => inner = queue.Pop() };

        Should.Throw<InvalidOperationException>(() => queue.TryPop(writer));

        // A shared queue refuses the inner pop (its locks are held); a queue of this process alone does it, and then refuses the
        // outer one: either way each item leaves the queue once, in order.
        writer.Written.WrittenCount.ShouldBe(0);
        inner.ShouldBe(shared ? null : "A"u8.ToArray());
        byte[][] rest = shared ? ["A"u8.ToArray(), "B"u8.ToArray(), "C"u8.ToArray()] : ["B"u8.ToArray(), "C"u8.ToArray()];
        queue.Count.ShouldBe(rest.Length);
        queue.GetMetadata().Count.ShouldBe(rest.Length);
        queue.Push("D"u8);
        foreach (byte[] expected in rest.Append("D"u8.ToArray()))
        {
            queue.Pop().ShouldBe(expected);
        }

        queue.Pop().ShouldBeNull();
    }

    [Test]
    public void TryPop_WriterPopsTheOnlyItemInGetSpan_LeavesAnEmptyQueueThatKeepsOrder()
    {
        using var queue = MappedQueue.Open(QueuePath, 8192);
        queue.Push("A"u8);
        var writer = new FailingWriter { OnGetSpan = () => queue.Pop() };

        Should.Throw<InvalidOperationException>(() => queue.TryPop(writer));

        queue.Count.ShouldBe(0);
        queue.GetMetadata().Count.ShouldBe(0);
        queue.Push("Z1"u8);
        queue.Push("Z2"u8);
        queue.Pop().ShouldBe("Z1"u8.ToArray());
        queue.Pop().ShouldBe("Z2"u8.ToArray());
    }

    [Test]
    public void TryDequeue_WriterErasesAGrownQueueInGetSpan_ThrowsInvalidOperationNotDamage()
    {
        using var queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        for (int i = 0; i < 100; i++)
        {
            queue.Enqueue(Enumerable.Repeat((byte)i, 300).ToArray());
        }

        // The head record lies past the initial size, so the erase cuts it from the file.
        for (int i = 0; i < 20; i++)
        {
            queue.Dequeue().ShouldNotBeNull();
        }

        var writer = new FailingWriter { OnGetSpan = queue.Erase };

        Should.Throw<InvalidOperationException>(() => queue.TryDequeue(writer));

        queue.Info().Count.ShouldBe(0);
        queue.Enqueue("after"u8);
        queue.Dequeue().ShouldBe("after"u8.ToArray());
        queue.Dispose();
        MappedQueue.Verify(QueuePath).Problems.ShouldBeEmpty();
    }

    private sealed class WriterFailedException() : Exception("The writer failed.");

    /// <summary>A buffer writer that runs the test's code in <see cref="GetSpan"/> and may fail in <see cref="Advance"/>.</summary>
    private sealed class FailingWriter : IBufferWriter<byte>
    {
        public ArrayBufferWriter<byte> Written { get; } = new();

        public bool FailAdvance { get; set; }

        public Action? OnGetSpan { get; set; }

        public void Advance(int count)
        {
            if (FailAdvance)
            {
                throw new WriterFailedException();
            }

            Written.Advance(count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Written.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Action? callback = OnGetSpan;
            OnGetSpan = null;
            callback?.Invoke();
            return Written.GetSpan(sizeHint);
        }
    }
}
