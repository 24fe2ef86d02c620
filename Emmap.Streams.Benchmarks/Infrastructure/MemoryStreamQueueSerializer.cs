using System;
using System.Buffers;
using System.IO;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The peer of <see cref="QueueSerializer.FromStream{T}"/>: a stream serializer adapted the plain way, as a user would write it, with a
/// new <see cref="MemoryStream"/> per item (grown by doubling) whose buffer is then copied into the queue's buffer, and an array copy
/// of the record to read from.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class MemoryStreamQueueSerializer<T>(Action<Stream, T> serialize, Func<Stream, T> deserialize) : IQueueSerializer<T>
{
    public void Serialize(T item, IBufferWriter<byte> destination)
    {
        using var stream = new MemoryStream();
        serialize(stream, item);
        destination.Write(stream.GetBuffer().AsSpan(0, (int)stream.Length));
    }

    public T Deserialize(ReadOnlySpan<byte> data)
    {
        using var stream = new MemoryStream(data.ToArray(), writable: false);
        return deserialize(stream);
    }
}
