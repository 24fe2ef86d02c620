using System;
using System.Buffers;
using System.IO;
using Microsoft.IO;

namespace Emmap.Streams;

/// <summary>
/// Adapts a serializer that writes to and reads from a <see cref="Stream"/> (XmlSerializer, DataContractSerializer, protobuf, a
/// BinaryWriter, System.Text.Json's stream methods) to the queue. An item is serialized into a pooled
/// <see cref="RecyclableMemoryStream"/> whose blocks the typed queues push straight into the record, with no joined array in
/// between; it is deserialized from a stream over the record's mapped bytes, with no copy.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class StreamQueueSerializer<T> : IQueueSerializer<T>
{
    private const string Tag = "Emmap.Streams queue item";
    private const int BlockSize = 64 * 1024;

    // Blocks of 64 KiB stay below the runtime's 85,000-byte large-object threshold, so a large item takes several pooled
    // blocks instead of a fresh large-object-heap array; the pool keeps at most 8 MiB of free blocks.
    private static readonly RecyclableMemoryStreamManager s_streams = new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = BlockSize,
        MaximumSmallPoolFreeBytes = 8 * 1024 * 1024,
        MaximumLargePoolFreeBytes = 8 * 1024 * 1024,
    });

    // One spare stream of at most one block per thread, reused for the next item: creating a pooled stream (a finalizable object
    // that reports to the pool's counters) costs more than copying a small item. Larger streams go back to the pool at once.
    [ThreadStatic]
    private static RecyclableMemoryStream? s_threadSpare;

    // The stream the serializer is given, which leaves the pooled one open when closed; one per thread, taken while in use.
    [ThreadStatic]
    private static KeepOpenStream? s_threadTarget;

    private readonly Action<Stream, T> _serialize;
    private readonly Func<Stream, T> _deserialize;

    internal StreamQueueSerializer(Action<Stream, T> serialize, Func<Stream, T> deserialize)
    {
        _serialize = serialize;
        _deserialize = deserialize;
    }

    public void Serialize(T item, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RecyclableMemoryStream stream = SerializePooled(item);
        try
        {
            foreach (ReadOnlyMemory<byte> block in stream.GetReadOnlySequence())
            {
                destination.Write(block.Span);
            }
        }
        finally
        {
            Return(stream);
        }
    }

    public unsafe T Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            // An empty span pins to a null pointer, which UnmanagedMemoryStream refuses: an empty item reads as an empty stream.
            using var empty = new MemoryStream([], writable: false);
            return _deserialize(empty);
        }

        fixed (byte* start = data)
        {
            using var source = new UnmanagedMemoryStream(start, data.Length);
            return _deserialize(source);
        }
    }

    /// <summary>Serializes <paramref name="item"/> into a pooled stream, which the caller gives to <see cref="Return"/> once its bytes are pushed.</summary>
    internal RecyclableMemoryStream SerializePooled(T item)
    {
        RecyclableMemoryStream stream = s_threadSpare ?? s_streams.GetStream(Guid.Empty, Tag);
        s_threadSpare = null;
        KeepOpenStream target = s_threadTarget ?? new KeepOpenStream();
        s_threadTarget = null;
        stream.SetLength(0);
        target.Attach(stream);
        try
        {
            _serialize(target, item);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        finally
        {
            target.Detach();
            s_threadTarget = target;
        }
    }

    /// <summary>Keeps <paramref name="stream"/> as this thread's spare if it holds one block at most, else gives its blocks back to the pool.</summary>
    internal static void Return(RecyclableMemoryStream stream)
    {
        if (s_threadSpare is null && stream.Capacity64 <= BlockSize)
        {
            s_threadSpare = stream;
        }
        else
        {
            stream.Dispose();
        }
    }
}
