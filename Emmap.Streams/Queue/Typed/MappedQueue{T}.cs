using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading.Tasks;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.IO;

namespace Emmap.Streams;

/// <summary>
/// A persistent FIFO queue of typed items: a <see cref="MappedQueue"/> plus an <see cref="IQueueSerializer{T}"/>
/// (emmap stores Erlang terms; here any serializer does). Items are serialized into one pooled buffer that the queue reuses,
/// and deserialized straight from the mapped bytes.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// <para>Items come out through <see cref="TryPop(out T)"/> (and its <c>Try…</c> siblings), which return <see langword="false"/> when the
/// queue is empty: an empty queue is never confused with an item that equals <see langword="default"/>, such as 0 or a JSON
/// <c>null</c>.</para>
/// <para>Thread safety, format, crash safety and durability are those of <see cref="MappedQueue"/>: one thread at a time. With
/// <see cref="QueueDurability.Batched"/> or <see cref="QueueDurability.Always"/>, closing waits for a durable flush; use
/// <see cref="DisposeAsync"/> (<c>await using</c>) to wait without blocking a thread.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: the name is emmap's and the issue's contract.")]
public sealed class MappedQueue<T> : IDisposable, IAsyncDisposable
{
    private readonly MappedQueue _queue;
    private readonly IQueueSerializer<T> _serializer;
    private readonly StreamQueueSerializer<T>? _streaming;
    private readonly bool _leaveOpen;
    private ArrayPoolBufferWriter<byte>? _buffer;
    private bool _disposed;

    /// <summary>Types the items of <paramref name="queue"/> with <paramref name="serializer"/>.</summary>
    /// <param name="queue">The byte queue.</param>
    /// <param name="serializer">Turns items into bytes and back.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="queue"/> open when this instance is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="queue"/> or <paramref name="serializer"/> is <see langword="null"/>.</exception>
    public MappedQueue(MappedQueue queue, IQueueSerializer<T> serializer, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(serializer);
        _queue = queue;
        _serializer = serializer;
        _streaming = serializer as StreamQueueSerializer<T>;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Gets the byte queue underneath, for metadata, flushing or byte-level access.</summary>
    /// <value>The <see cref="MappedQueue"/> this instance types.</value>
    public MappedQueue Queue => _queue;

    /// <summary>Gets the number of items.</summary>
    /// <value>The item count, in O(1).</value>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public long Count => Live.Count;

    /// <summary>Gets whether the queue holds no items.</summary>
    /// <value><see langword="true"/> when <see cref="Count"/> is 0.</value>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool IsEmpty => Live.IsEmpty;

    /// <summary>Appends <paramref name="item"/> at the tail (emmap <c>push/2</c>).</summary>
    /// <param name="item">The item.</param>
    /// <exception cref="QueueFullException">The queue is fixed-size and the item does not fit.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is <see langword="null"/> and the serializer does not write null.</exception>
    /// <exception cref="ArgumentException">The queue is fixed-size and the serialized item is larger than its whole ring.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The serialized item is longer than 2,147,483,591 bytes (0x7FFFFFC7), the most one record holds; nothing was written.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="IOException">Growing the file or a durable flush failed; nothing was pushed.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public void Push(T item) => _ = PushCore(item, onlyIfRoom: false);

    /// <summary>Appends <paramref name="item"/> at the tail if there is room.</summary>
    /// <param name="item">The item.</param>
    /// <returns><see langword="false"/> if it does not fit (see <see cref="MappedQueue.TryPush(ReadOnlySpan{byte})"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is <see langword="null"/> and the serializer does not write null.</exception>
    /// <exception cref="ArgumentException">The queue is fixed-size and the serialized item is larger than its whole ring.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The serialized item is longer than 2,147,483,591 bytes (0x7FFFFFC7), the most one record holds; nothing was written.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="IOException">An I/O error other than a lack of space; nothing was pushed.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPush(T item) => PushCore(item, onlyIfRoom: true);

    /// <summary>Removes the item at the head if there is one (emmap <c>pop/1</c>).</summary>
    /// <param name="item">The item, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if an item was popped; <see langword="false"/> when the queue is empty (emmap's <c>nil</c>).</returns>
    /// <exception cref="InvalidDataException">The record fails its checksum or does not deserialize; the queue is unchanged.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPop([MaybeNullWhen(false)] out T item) =>
        Live.TryPop(_serializer, static (bytes, serializer) => serializer.Deserialize(bytes), out item);

    /// <summary>Removes the item at the head if there is one, purging the queue when it becomes empty (emmap <c>pop_and_purge/1</c>).</summary>
    /// <param name="item">The item, or the default when the queue was empty.</param>
    /// <returns><see langword="true"/> if an item was popped.</returns>
    /// <exception cref="InvalidDataException">The record fails its checksum or does not deserialize; the queue is unchanged.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPopAndPurge([MaybeNullWhen(false)] out T item) =>
        Live.TryPopAndPurge(_serializer, static (bytes, serializer) => serializer.Deserialize(bytes), out item);

    /// <summary>
    /// Calls <paramref name="handler"/> with the item at the head and removes it only if the handler returns normally
    /// (emmap <c>try_pop/2</c>).
    /// </summary>
    /// <typeparam name="TResult">What the handler returns.</typeparam>
    /// <param name="handler">Receives the item.</param>
    /// <param name="result">The handler's result, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if the handler ran and the item was removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The record fails its checksum or does not deserialize; the handler is not called.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPop<TResult>(Func<T, TResult> handler, [MaybeNullWhen(false)] out TResult result)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Live.TryPop((_serializer, handler), static (bytes, s) => s.handler(s._serializer.Deserialize(bytes)), out result);
    }

    /// <summary>Reads the item at the head without removing it (emmap <c>peek_front/1</c>).</summary>
    /// <param name="item">The item, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if there is an item; <see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="InvalidDataException">The record fails its checksum or does not deserialize.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPeekFront([MaybeNullWhen(false)] out T item) =>
        Live.TryPeekFront(_serializer, static (bytes, serializer) => serializer.Deserialize(bytes), out item);

    /// <summary>Reads the item at the tail without removing it (emmap <c>peek_back/1</c>).</summary>
    /// <param name="item">The item, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if there is an item; <see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="InvalidDataException">The record fails its checksum or does not deserialize.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPeekBack([MaybeNullWhen(false)] out T item) =>
        Live.TryPeekBack(_serializer, static (bytes, serializer) => serializer.Deserialize(bytes), out item);

    /// <summary>Enumerates the items from head to tail without removing them (emmap <c>peek/3</c>).</summary>
    /// <returns>The items, oldest first.</returns>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public IEnumerable<T> Enumerate() => Deserialized(Live.Enumerate());

    /// <summary>Enumerates the items from tail to head without removing them (emmap <c>rpeek/3</c>).</summary>
    /// <returns>The items, newest first.</returns>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public IEnumerable<T> EnumerateReverse() => Deserialized(Live.EnumerateReverse());

    /// <summary>
    /// Pops items while <paramref name="folder"/> says to go on, threading an accumulator through (emmap <c>pop/3</c>); the item for
    /// which it says stop stays in the queue. When the items run out, the queue is purged.
    /// </summary>
    /// <typeparam name="TAccumulate">The accumulator's type.</typeparam>
    /// <param name="seed">The initial accumulator.</param>
    /// <param name="folder">Receives an item and the accumulator; returns whether to pop the item and go on, and the new accumulator.</param>
    /// <returns>The final accumulator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="folder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The folder changed or disposed the queue.</exception>
    /// <exception cref="InvalidDataException">A record fails its checksum or does not deserialize; the items before it were popped.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>An exception from the folder propagates; the item it was called with stays in the queue, those before it were popped.</remarks>
    public TAccumulate PopWhile<TAccumulate>(TAccumulate seed, Func<T, TAccumulate, (bool Continue, TAccumulate Accumulator)> folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        IQueueSerializer<T> serializer = _serializer;
        return Live.PopWhile(seed, (ReadOnlySpan<byte> bytes, ref TAccumulate accumulator) =>
        {
            (bool go, TAccumulate next) = folder(serializer.Deserialize(bytes), accumulator);
            accumulator = next;
            return go;
        });
    }

    /// <summary>Purges the queue if it is empty (emmap <c>purge/1</c>).</summary>
    /// <returns><see langword="true"/> if it was empty.</returns>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool Purge() => Live.Purge();

    /// <summary>Removes every item (emmap <c>erase/1</c>).</summary>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public void Erase() => Live.Erase();

    /// <summary>Returns the queue's structure (emmap <c>metadata/1</c>).</summary>
    /// <returns>The metadata.</returns>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public QueueMetadata GetMetadata() => Live.GetMetadata();

    /// <summary>Writes the queue back; durably with <paramref name="flushToDisk"/> (emmap <c>flush/1</c>).</summary>
    /// <param name="flushToDisk">Whether to wait until the data is on the device.</param>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public void Flush(bool flushToDisk = false) => Live.Flush(flushToDisk);

    /// <summary>
    /// Closes the queue (unless it was given with <c>leaveOpen</c>) and returns the pooled buffer. With <see cref="QueueDurability.Batched"/> or
    /// <see cref="QueueDurability.Always"/> this blocks until a durable flush completes; <see cref="DisposeAsync"/> does not.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        SerializationBuffer.Release(ref _buffer);
        if (!_leaveOpen)
        {
            _queue.Dispose();
        }
    }

    /// <summary>Closes the queue as <see cref="Dispose"/> does, running a durable flush on the thread pool (see <see cref="MappedQueue.DisposeAsync"/>).</summary>
    /// <returns>A task that completes once the queue is closed.</returns>
    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return ValueTask.CompletedTask;
        }

        _disposed = true;
        SerializationBuffer.Release(ref _buffer);
        return _leaveOpen ? ValueTask.CompletedTask : _queue.DisposeAsync();
    }

    // The byte queue, for a member that must refuse once this instance is disposed (also when the byte queue was left open).
    private MappedQueue Live
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _queue;
        }
    }

    private IEnumerable<T> Deserialized(IEnumerable<byte[]> records)
    {
        foreach (byte[] bytes in records)
        {
            yield return _serializer.Deserialize(bytes);
        }
    }

    private bool PushCore(T item, bool onlyIfRoom)
    {
        MappedQueue queue = Live;
        if (_streaming is not null)
        {
            RecyclableMemoryStream pooled = _streaming.SerializePooled(item);
            try
            {
                ReadOnlySequence<byte> bytes = pooled.GetReadOnlySequence();
                if (onlyIfRoom)
                {
                    return queue.TryPush(bytes);
                }

                queue.Push(bytes);
                return true;
            }
            finally
            {
                StreamQueueSerializer<T>.Return(pooled);
            }
        }

        // A serializer that pushes to this queue while it writes an item gets a buffer of its own; the inner item goes first,
        // as it is pushed first.
        ArrayPoolBufferWriter<byte> buffer = SerializationBuffer.Take(ref _buffer);
        try
        {
            _serializer.Serialize(item, buffer);
            if (onlyIfRoom)
            {
                return queue.TryPush(buffer.WrittenSpan);
            }

            queue.Push(buffer.WrittenSpan);
            return true;
        }
        finally
        {
            SerializationBuffer.Return(ref _buffer, buffer);
        }
    }
}
