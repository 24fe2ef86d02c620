using System;
using System.Buffers;
using System.Linq;
using System.Xml;
using System.Xml.Serialization;
using Emmap.Streams.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace Emmap.Streams.Tests.Queue;

/// <summary>
/// <see cref="QueueSerializer.FromStream{T}"/>: stream-based serializers through pooled streams, whose blocks go into the record
/// without a joined array.
/// </summary>
[TestFixture]
public sealed class StreamQueueSerializerTests
{
    // Bytes as they are: the serializer's stream sees every byte once, and the deserializer reads them all back.
    private static readonly IQueueSerializer<byte[]> s_raw = QueueSerializer.FromStream<byte[]>(
        static (stream, item) => stream.Write(item),
        static stream =>
        {
            byte[] item = new byte[stream.Length];
            stream.ReadExactly(item);
            return item;
        });

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string QueuePath => _dir.File("stream.queue");

    [Test]
    public void FromStream_XmlSerializer_RoundTripsThroughTheFile()
    {
        var xml = new XmlSerializer(typeof(Order));
        IQueueSerializer<Order> orders = QueueSerializer.FromStream<Order>(
            (stream, order) => xml.Serialize(stream, order),
            stream => (Order)xml.Deserialize(XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))!);
        using (MappedQueue<Order> queue = MappedQueue.Open(QueuePath, 4096, orders))
        {
            queue.Push(new Order { Id = 1, Customer = "Ada" });
            queue.Push(new Order { Id = 2, Customer = "Grace" });
        }

        using MappedQueue<Order> reopened = MappedQueue.Open(QueuePath, 4096, orders);
        reopened.TryPop(out Order? first).ShouldBeTrue();
        reopened.TryPop(out Order? second).ShouldBeTrue();
        (first!.Id, first.Customer, second!.Id, second.Customer).ShouldBe((1, "Ada", 2, "Grace"));
        reopened.TryPop(out _).ShouldBeFalse();
    }

    [Test]
    public void FromStream_WriterThatClosesTheStream_PushesWhatItWrote([Values] bool concurrent)
    {
        // A BinaryWriter disposed at the end of the delegate closes the stream it was given, as the usual pattern does.
        IQueueSerializer<int> numbers = QueueSerializer.FromStream<int>(
            static (stream, item) =>
            {
                using var writer = new System.IO.BinaryWriter(stream);
                writer.Write(item);
            },
            static stream =>
            {
                using var reader = new System.IO.BinaryReader(stream);
                return reader.ReadInt32();
            });
        using MappedQueue inner = MappedQueue.Open(QueuePath, 4096);
        if (concurrent)
        {
            using var queue = new ConcurrentMappedQueue(inner, leaveOpen: true);
            queue.Enqueue(42, numbers);
            queue.Enqueue(7, numbers);
            queue.TryDequeue(numbers, out int first).ShouldBeTrue();
            queue.TryDequeue(numbers, out int second).ShouldBeTrue();
            (first, second).ShouldBe((42, 7));
        }
        else
        {
            using var queue = new MappedQueue<int>(inner, numbers, leaveOpen: true);
            queue.Push(42);
            queue.Push(7);
            queue.Queue.Enumerate().Select(item => BitConverter.ToInt32(item)).ShouldBe(new[] { 42, 7 });
            queue.TryPop(out int first).ShouldBeTrue();
            first.ShouldBe(42);
        }
    }

    [Test]
    public void Push_ItemsSpanningManyPooledBlocks_StoreWholeWithValidChecksumsAcrossTheRingEnd()
    {
        // 300,000 bytes take five 64 KiB blocks; in a fixed 1 MiB ring, the third push already wraps past the ring's end.
        byte[][] items = Enumerable.Range(0, 12).Select(i => Item(300_000 + (i * 4_099), seed: i)).ToArray();
        using (MappedQueue<byte[]> queue = MappedQueue.Open(QueuePath, 1 << 20, s_raw, new QueueOptions { FixedSize = true }))
        {
            queue.Push(items[0]);
            for (int i = 1; i < items.Length; i++)
            {
                queue.Push(items[i]);
                queue.TryPop(out byte[]? popped).ShouldBeTrue();
                popped.ShouldBe(items[i - 1]);
            }
        }

        MappedQueue.Verify(QueuePath).IsIntact.ShouldBeTrue();
        using MappedQueue<byte[]> reopened = MappedQueue.Open(QueuePath, 1 << 20, s_raw);
        reopened.TryPop(out byte[]? last).ShouldBeTrue();
        last.ShouldBe(items[^1]);
    }

    [Test]
    public void Push_LargeItem_AllocatesNoArrayForIt()
    {
        byte[] item = Item(1 << 20, seed: 3);
        using MappedQueue<byte[]> queue = MappedQueue.Open(QueuePath, 4 << 20, s_raw);
        PushThenDrop(queue, item);

        long most = 0;
        for (int i = 0; i < 20; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            queue.Push(item);
            most = Math.Max(most, GC.GetAllocatedBytesForCurrentThread() - before);
            queue.Queue.TryPop(static _ => 0, out int _);
        }

        // Bookkeeping (the stream object, the block list, the sequence's segments) only: a joined copy would be 1 MiB.
        most.ShouldBeLessThan(8 * 1024);
    }

    [Test]
    public void ConcurrentEnqueue_ItemSpanningManyBlocks_RoundTrips()
    {
        byte[] item = Item(700_000, seed: 5);
        using ConcurrentMappedQueue queue = ConcurrentMappedQueue.Open(QueuePath, 4096);

        queue.Enqueue(item, s_raw);

        queue.TryDequeue(s_raw, out byte[]? popped).ShouldBeTrue();
        popped.ShouldBe(item);
        queue.TryDequeue(out byte[]? _).ShouldBeFalse();
    }

    [Test]
    public void Serialize_ToABufferWriter_WritesWhatTheStreamSerializerWrote()
    {
        byte[] item = Item(200_000, seed: 7);
        var destination = new ArrayBufferWriter<byte>();

        s_raw.Serialize(item, destination);

        destination.WrittenSpan.ToArray().ShouldBe(item);
    }

    [Test]
    public void Deserialize_ReadsAStreamOfExactlyTheItemsBytes()
    {
        long seenLength = -1;
        long seenPosition = -1;
        IQueueSerializer<int> probe = QueueSerializer.FromStream<int>(
            static (stream, item) => stream.Write(BitConverter.GetBytes(item)),
            stream =>
            {
                seenLength = stream.Length;
                seenPosition = stream.Position;
                Span<byte> bytes = stackalloc byte[4];
                stream.ReadExactly(bytes);
                return BitConverter.ToInt32(bytes);
            });
        using MappedQueue<int> queue = MappedQueue.Open(QueuePath, 4096, probe);
        queue.Push(41);
        queue.Push(42);

        queue.TryPop(out int item).ShouldBeTrue();

        item.ShouldBe(41);
        (seenLength, seenPosition).ShouldBe((4L, 0L));
    }

    [Test]
    public void Push_SerializerThrows_NothingIsPushed()
    {
        IQueueSerializer<string> failing = QueueSerializer.FromStream<string>(
            static (stream, item) =>
            {
                stream.Write(new byte[100_000]);
                throw new InvalidOperationException(item);
            },
            static _ => string.Empty);
        using MappedQueue<string> queue = MappedQueue.Open(QueuePath, 4096, failing);

        Should.Throw<InvalidOperationException>(() => queue.Push("refused")).Message.ShouldBe("refused");

        queue.Count.ShouldBe(0);
    }

    [Test]
    public void PushSequence_SegmentsOfOddSizes_StoreOneItemWithTheChecksumOfItsBytes()
    {
        byte[] item = Item(10_001, seed: 9);
        ReadOnlySequence<byte> sequence = Chunks.Of(item, 1, 4_095, 17, 5_000, 888);
        using (MappedQueue queue = MappedQueue.Open(QueuePath, 4096))
        {
            queue.Push(sequence);
            queue.TryPush(sequence).ShouldBeTrue();
        }

        MappedQueue.Verify(QueuePath).IsIntact.ShouldBeTrue();
        using MappedQueue reopened = MappedQueue.Open(QueuePath, 4096);
        reopened.Pop().ShouldBe(item);
        reopened.Pop().ShouldBe(item);
    }

    private static void PushThenDrop(MappedQueue<byte[]> queue, byte[] item)
    {
        queue.Push(item);
        queue.Queue.TryPop(static _ => 0, out int _).ShouldBeTrue();
    }

    private static byte[] Item(int length, int seed)
    {
        byte[] item = new byte[length];
        new Random(seed).NextBytes(item);
        return item;
    }

    /// <summary>A sequence cut into segments of given sizes.</summary>
    private sealed class Chunks : ReadOnlySequenceSegment<byte>
    {
        private Chunks(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Of(byte[] bytes, params int[] sizes)
        {
            sizes.Sum().ShouldBe(bytes.Length);
            var first = new Chunks(bytes.AsMemory(0, sizes[0]), 0);
            Chunks last = first;
            int at = sizes[0];
            foreach (int size in sizes.Skip(1))
            {
                var next = new Chunks(bytes.AsMemory(at, size), at);
                last.Next = next;
                last = next;
                at += size;
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }

    /// <summary>An XML-serialized item.</summary>
    public sealed class Order
    {
        public int Id { get; set; }

        public string Customer { get; set; } = string.Empty;
    }
}
