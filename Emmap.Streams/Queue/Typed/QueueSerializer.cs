using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Emmap.Streams;

/// <summary>The built-in <see cref="IQueueSerializer{T}"/>s for typed queues.</summary>
/// <example>
/// <code>
/// using MappedQueue&lt;Job&gt; jobs = MappedQueue.Open("jobs.queue", 65536, QueueSerializer.Json&lt;Job&gt;());
/// </code>
/// </example>
public static class QueueSerializer
{
    /// <summary>Gets the serializer for byte arrays: the item's bytes as they are.</summary>
    /// <value>A shared, thread-safe instance.</value>
    public static IQueueSerializer<byte[]> Bytes => ByteArrayQueueSerializer.Instance;

    /// <summary>Gets the serializer for strings: UTF-8, no byte order mark; invalid UTF-8 reads as <see cref="InvalidDataException"/>.</summary>
    /// <value>A shared, thread-safe instance.</value>
    public static IQueueSerializer<string> Utf8 => Utf8QueueSerializer.Instance;

    /// <summary>Returns the serializer for an unmanaged struct: its bytes in memory layout, checked for size when read.</summary>
    /// <typeparam name="T">The struct type.</typeparam>
    /// <returns>A shared, thread-safe instance.</returns>
    public static IQueueSerializer<T> Unmanaged<T>()
        where T : unmanaged => UnmanagedQueueSerializer<T>.Instance;

    /// <summary>
    /// Returns a serializer built on one that writes to and reads from a <see cref="Stream"/>: XmlSerializer, DataContractSerializer,
    /// protobuf, a <see cref="BinaryWriter"/>/<see cref="BinaryReader"/> pair, or your own.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="serialize">Writes an item to the stream it is given (for example <c>(stream, item) =&gt; xml.Serialize(stream, item)</c>).
    /// It may close that stream when done, as a <see cref="BinaryWriter"/> or <see cref="StreamWriter"/> in a <see langword="using"/> does;
    /// the stream is valid only during the call.</param>
    /// <param name="deserialize">Reads an item from a stream of exactly the bytes <paramref name="serialize"/> wrote; the stream is valid only during
    /// the call. It should throw <see cref="InvalidDataException"/> for bytes that are not an item.</param>
    /// <returns>A thread-safe serializer (if the two delegates are).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serialize"/> or <paramref name="deserialize"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Items are written into pooled <c>Microsoft.IO.RecyclableMemoryStream</c> blocks of 64 KiB, which <see cref="MappedQueue{T}"/> and
    /// <see cref="ConcurrentMappedQueue"/> copy straight into the queue record: no array is allocated per item, and a large item never
    /// puts a fresh array on the large object heap. Reading wraps the record's mapped bytes in a stream, without a copy.
    /// </remarks>
    public static IQueueSerializer<T> FromStream<T>(Action<Stream, T> serialize, Func<Stream, T> deserialize)
    {
        ArgumentNullException.ThrowIfNull(serialize);
        ArgumentNullException.ThrowIfNull(deserialize);
        return new StreamQueueSerializer<T>(serialize, deserialize);
    }

    /// <summary>Returns a System.Text.Json serializer from source-generated metadata (trimming- and AOT-safe).</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="typeInfo">The metadata, for example <c>MyJsonContext.Default.Job</c>.</param>
    /// <returns>A thread-safe serializer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is <see langword="null"/>.</exception>
    public static IQueueSerializer<T> Json<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new JsonQueueSerializer<T>(typeInfo);
    }

    /// <summary>Returns a System.Text.Json serializer for any <typeparamref name="T"/>, using reflection.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="options">The JSON options; <see langword="null"/> for <see cref="JsonSerializerOptions.Default"/>.</param>
    /// <returns>A thread-safe serializer.</returns>
    [RequiresUnreferencedCode("JSON serialization by reflection may need types that trimming removes; pass a JsonTypeInfo<T> instead.")]
    [RequiresDynamicCode("JSON serialization by reflection may generate code at run time; pass a JsonTypeInfo<T> instead.")]
    public static IQueueSerializer<T> Json<T>(JsonSerializerOptions? options = null)
    {
        JsonSerializerOptions o = options ?? JsonSerializerOptions.Default;
        o.MakeReadOnly(populateMissingResolver: true);
        return new JsonQueueSerializer<T>((JsonTypeInfo<T>)o.GetTypeInfo(typeof(T)));
    }
}
