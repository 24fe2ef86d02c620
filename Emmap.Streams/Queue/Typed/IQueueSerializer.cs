using System;
using System.Buffers;
using System.IO;

namespace Emmap.Streams;

/// <summary>Turns items of type <typeparamref name="T"/> into queue bytes and back (what emmap does with Erlang's term format).</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// Implementations write into the <see cref="IBufferWriter{T}"/> they are given (the typed queue passes a pooled buffer it reuses)
/// and read from a span that may point straight into the mapped file, valid only during the call. Built-ins are on
/// <see cref="QueueSerializer"/>.
/// </remarks>
public interface IQueueSerializer<T>
{
    /// <summary>Writes <paramref name="item"/> to <paramref name="destination"/>.</summary>
    /// <param name="item">The item.</param>
    /// <param name="destination">Where its bytes go.</param>
    public void Serialize(T item, IBufferWriter<byte> destination);

    /// <summary>Reads an item from <paramref name="data"/>.</summary>
    /// <param name="data">The bytes <see cref="Serialize"/> wrote (their checksum has been checked).</param>
    /// <returns>The item.</returns>
    /// <exception cref="InvalidDataException">The bytes are not an item of this serializer.</exception>
    public T Deserialize(ReadOnlySpan<byte> data);
}
