using System;
using System.IO;
using BenchmarkDotNet.Attributes;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// Push one typed item then pop it through <see cref="MappedQueue{T}"/>, with a serializer that writes to and reads from a
/// <see cref="Stream"/> (here: the item's <see cref="PayloadSize"/> bytes, as a protobuf bytes field or a binary writer would).
/// Baseline: that serializer adapted with a new <see cref="MemoryStream"/> per item, copied into the queue's buffer, and read from an
/// array copy. <c>FromStream</c>: <see cref="QueueSerializer.FromStream{T}"/>, which writes into pooled RecyclableMemoryStream blocks
/// pushed straight into the record and reads the mapped record in place. <c>Bytes</c>: no stream at all, the bytes written straight
/// into the queue's buffer, which bounds what any stream adapter can reach.
/// </summary>
public class QueueSerializerBenchmarks
{
    private const int Operations = 16;

    private byte[] _item = null!;
    private MappedQueue<byte[]> _memoryStream = null!;
    private MappedQueue<byte[]> _fromStream = null!;
    private MappedQueue<byte[]> _bytes = null!;

    /// <summary>Gets or sets the bytes per item: a small one, and two past the 85,000-byte large-object threshold.</summary>
    [Params(1024, 256 * 1024, 1024 * 1024)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _item = new byte[PayloadSize];
        new Random(17).NextBytes(_item);
        long size = Math.Max(1 << 20, 4L * PayloadSize);
        _memoryStream = MappedQueue.Open(DataFiles.Scratch("memory-stream.queue"), size, new MemoryStreamQueueSerializer<byte[]>(Write, Read));
        _fromStream = MappedQueue.Open(DataFiles.Scratch("from-stream.queue"), size, QueueSerializer.FromStream<byte[]>(Write, Read));
        _bytes = MappedQueue.Open(DataFiles.Scratch("bytes.queue"), size, QueueSerializer.Bytes);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bytes.Dispose();
        _fromStream.Dispose();
        _memoryStream.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public long MemoryStreamPushPop() => PushPop(_memoryStream);

    [Benchmark(OperationsPerInvoke = Operations)]
    public long FromStreamPushPop() => PushPop(_fromStream);

    [Benchmark(OperationsPerInvoke = Operations)]
    public long BytesPushPop() => PushPop(_bytes);

    private static void Write(Stream stream, byte[] item) => stream.Write(item);

    private static byte[] Read(Stream stream)
    {
        byte[] item = GC.AllocateUninitializedArray<byte>((int)stream.Length);
        stream.ReadExactly(item);
        return item;
    }

    private long PushPop(MappedQueue<byte[]> queue)
    {
        byte[] item = _item;
        long total = 0;
        for (int i = 0; i < Operations; i++)
        {
            queue.Push(item);
            queue.TryPop(out byte[]? popped);
            total += popped!.Length;
        }

        return total;
    }
}
