using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// The typed and try-shaped queue calls as a user reads them: every form that may find the queue empty says so apart from an item,
/// even an item that is <see langword="default"/> or has no bytes, and asynchronous disposal keeps what it was given.
/// </summary>
[TestFixture]
public sealed class TypedApiIssueTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("typed-api.queue");

    [Test]
    public void TryPopWithHandler_DefaultItemRunsTheHandler_EmptyQueueDoesNot()
    {
        using MappedQueue<int> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Unmanaged<int>());
        queue.Push(0);
        var seen = new List<int>();

        queue.TryPop(item => { seen.Add(item); return item + 1; }, out int first).ShouldBeTrue();
        queue.TryPop(item => { seen.Add(item); return item + 1; }, out int none).ShouldBeFalse();

        (first, none).ShouldBe((1, 0));
        seen.ShouldBe(new[] { 0 });
        queue.Count.ShouldBe(0);
    }

    [Test]
    public void TryPopWithHandler_HandlerThrows_KeepsTheItem()
    {
        using MappedQueue<int> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Unmanaged<int>());
        queue.Push(42);

        Should.Throw<InvalidOperationException>(() => queue.TryPop<int>(_ => throw new InvalidOperationException("handler"), out _));

        queue.TryPop(out int item).ShouldBeTrue();
        item.ShouldBe(42);
    }

    [Test]
    public void PopWhile_DefaultItems_ArePoppedAndCounted()
    {
        using MappedQueue<long> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Unmanaged<long>());
        queue.Push(0);
        queue.Push(0);
        queue.Push(5);

        long total = queue.PopWhile(0L, (item, sum) => (item == 0, sum + 1));

        total.ShouldBe(3); // the folder saw 0, 0 and 5, and said stop at 5
        queue.TryPop(out long left).ShouldBeTrue();
        left.ShouldBe(5);
        queue.PopWhile(-1L, (item, _) => (true, item)).ShouldBe(-1);
    }

    [Test]
    public void TryPeekAndEnumerate_EmptyStringItem_IsAnItem()
    {
        using MappedQueue<string> queue = MappedQueue.Open(QueuePath, 4096, QueueSerializer.Utf8);
        queue.TryPeekFront(out _).ShouldBeFalse();
        queue.Push("");

        queue.TryPeekFront(out string? front).ShouldBeTrue();
        front.ShouldBe("");
        queue.Enumerate().ShouldBe(new[] { "" });
        queue.TryPop(out string? popped).ShouldBeTrue();
        popped.ShouldBe("");
        queue.IsEmpty.ShouldBeTrue();
        queue.TryPop(out _).ShouldBeFalse();
    }

    [Test]
    public void ByteQueueTryPopIntoABufferWriter_EmptyItemIsTrue_EmptyQueueIsFalse()
    {
        using var queue = MappedQueue.Open(QueuePath, 4096);
        queue.Push(ReadOnlySpan<byte>.Empty);
        queue.Push("ab"u8);
        var writer = new ArrayBufferWriter<byte>();

        queue.TryPop(writer).ShouldBeTrue();
        writer.WrittenCount.ShouldBe(0);
        queue.TryPop(writer).ShouldBeTrue();
        writer.WrittenSpan.ToArray().ShouldBe("ab"u8.ToArray());
        queue.TryPop(writer).ShouldBeFalse();
        writer.WrittenCount.ShouldBe(2);
    }

    [Test]
    public void ConcurrentTryDequeueIntoABufferWriter_EmptyItemIsTrue_EmptyQueueIsFalse()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        queue.Enqueue([]);
        var writer = new ArrayBufferWriter<byte>();

        queue.TryDequeue(writer).ShouldBeTrue();
        queue.TryDequeue(writer).ShouldBeFalse();

        writer.WrittenCount.ShouldBe(0);
        queue.Dequeue().ShouldBeNull();
    }

    [Test]
    public void ConcurrentTryInspect_DefaultItemLeftInPlace_EmptyQueueIsFalse()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        IQueueSerializer<int> ints = QueueSerializer.Unmanaged<int>();
        queue.TryInspect(ints, out int _).ShouldBeFalse();
        queue.Enqueue(0, ints);

        queue.TryInspect(ints, out int inspected).ShouldBeTrue();
        inspected.ShouldBe(0);
        queue.TryDequeue(ints, out int dequeued).ShouldBeTrue();
        dequeued.ShouldBe(0);
        queue.TryInspect(ints, out int _).ShouldBeFalse();
    }

    [Test]
    public void ConcurrentTryDequeueWithHandler_EmptyQueueDoesNotCallIt()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        int calls = 0;
        queue.Enqueue("xyz"u8);

        queue.TryDequeue(span => { calls++; return span.Length; }, out int length).ShouldBeTrue();
        queue.TryDequeue(span => { calls++; return span.Length; }, out int none).ShouldBeFalse();

        (length, none, calls).ShouldBe((3, 0, 1));
    }

    [Test]
    public void TryPop_ItemThatDoesNotDeserialize_ThrowsInvalidDataAndKeepsIt([Values("unmanaged", "json", "handler", "purge")] string form)
    {
        using var bytes = MappedQueue.Open(QueuePath, 4096);
        bytes.Push("{not json"u8);
        bool json = form != "unmanaged";
        using var ints = new MappedQueue<long>(bytes, json ? QueueSerializer.Json<long>() : QueueSerializer.Unmanaged<long>(), leaveOpen: true);

        Should.Throw<InvalidDataException>(() =>
        {
            _ = form switch
            {
                "handler" => ints.TryPop(item => item, out long _),
                "purge" => ints.TryPopAndPurge(out long _),
                _ => ints.TryPop(out long _),
            };
        });

        bytes.Count.ShouldBe(1);
        bytes.Pop().ShouldBe("{not json"u8.ToArray());
    }

    [Test]
    public void ConcurrentTypedTryDequeue_ItemThatDoesNotDeserialize_ThrowsInvalidDataAndKeepsIt()
    {
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);
        queue.Enqueue("{not json"u8);

        Should.Throw<InvalidDataException>(() => queue.TryDequeue(QueueSerializer.Json<long>(), out long _));
        Should.Throw<InvalidDataException>(() => queue.TryInspect(QueueSerializer.Json<long>(), out long _));

        queue.TryDequeue(out byte[]? item).ShouldBeTrue();
        item.ShouldBe("{not json"u8.ToArray());
    }

    [TestCase("stream")]
    [TestCase("unmanaged")]
    public void TryPush_FixedSizeQueueFull_IsFalseAndLeavesTheQueueAsItWas(string serializer)
    {
        IQueueSerializer<byte[]> bytes = serializer == "stream"
            ? QueueSerializer.FromStream<byte[]>((stream, item) => stream.Write(item), stream => { var copy = new MemoryStream(); stream.CopyTo(copy); return copy.ToArray(); })
            : QueueSerializer.Bytes;
        using MappedQueue<byte[]> queue = MappedQueue.Open(QueuePath, 4096, bytes, new QueueOptions { FixedSize = true });
        queue.TryPush(new byte[100]).ShouldBeTrue();

        // 2,940 bytes fit the 3 KiB ring of an empty queue, not beside the first item.
        queue.TryPush(new byte[2940]).ShouldBeFalse();

        queue.Count.ShouldBe(1);
        queue.Queue.GetMetadata().FileSize.ShouldBe(4096);
        queue.TryPush([7]).ShouldBeTrue();
        queue.TryPop(out byte[]? first).ShouldBeTrue();
        first!.Length.ShouldBe(100);
        queue.TryPop(out byte[]? second).ShouldBeTrue();
        second.ShouldBe(new byte[] { 7 });
        queue.TryPop(out _).ShouldBeFalse();
    }

    [Test]
    public async Task TypedDisposeAsync_LeaveOpen_KeepsTheByteQueueUsable()
    {
        using var bytes = MappedQueue.Open(QueuePath, 4096);
        await using (var typed = new MappedQueue<int>(bytes, QueueSerializer.Unmanaged<int>(), leaveOpen: true))
        {
            typed.Push(7);
            await typed.DisposeAsync();
            Should.Throw<ObjectDisposedException>(() => typed.Push(8));
        }

        bytes.Count.ShouldBe(1);
        bytes.Pop().ShouldBe(BitConverter.GetBytes(7));
    }

    [Test]
    public async Task ByteQueueDisposeAsync_ThenReopen_KeepsTheItems()
    {
        var queue = MappedQueue.Open(QueuePath, 4096, new QueueOptions { Durability = QueueDurability.Always });
        queue.Push("kept"u8);
        await queue.DisposeAsync();

        Should.Throw<ObjectDisposedException>(() => queue.Push("late"u8));
        using var reopened = MappedQueue.Open(QueuePath, 4096);
        reopened.Pop().ShouldBe("kept"u8.ToArray());
        reopened.Pop().ShouldBeNull();
    }
}
