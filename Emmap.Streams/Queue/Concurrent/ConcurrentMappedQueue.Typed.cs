using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.IO;

namespace Emmap.Streams;

public sealed partial class ConcurrentMappedQueue
{
    // Items are serialized outside the lock, into a pooled buffer per thread that is reused for every item (SerializationBuffer:
    // a serializer that enqueues another item meanwhile, to this queue or another, gets a buffer of its own).
    [ThreadStatic]
    private static ArrayPoolBufferWriter<byte>? s_threadBuffer;

    /// <summary>Serializes <paramref name="item"/> with <paramref name="serializer"/> and appends it (emmap <c>enqueue/2</c> of a term).</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="item">The item.</param>
    /// <param name="serializer">Turns the item into bytes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="serializer"/> is <see langword="null"/>.</exception>
    /// <exception cref="QueueFullException">The queue is fixed-size and full.</exception>
    /// <exception cref="IOException">Growing the file or a durable flush failed; nothing was enqueued.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public void Enqueue<T>(T item, IQueueSerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        if (serializer is StreamQueueSerializer<T> streaming)
        {
            // The pooled stream's blocks go straight into the record, under the lock; serializing happens outside it.
            RecyclableMemoryStream pooled = streaming.SerializePooled(item);
            try
            {
                ReadOnlySequence<byte> bytes = pooled.GetReadOnlySequence();
                lock (_gate)
                {
                    ThrowIfDisposed();
                    _queue.Push(bytes);
                    ItemAdded();
                }
            }
            finally
            {
                StreamQueueSerializer<T>.Return(pooled);
            }

            return;
        }

        ArrayPoolBufferWriter<byte> buffer = SerializationBuffer.Take(ref s_threadBuffer);
        try
        {
            serializer.Serialize(item, buffer);
            Enqueue(buffer.WrittenSpan);
        }
        finally
        {
            SerializationBuffer.Return(ref s_threadBuffer, buffer);
        }
    }

    /// <summary>Removes the item at the head and deserializes it, purging the queue when that empties it (emmap <c>dequeue/1</c>).</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="serializer">Turns the bytes back into an item.</param>
    /// <param name="item">The item, or the default when the queue is empty.</param>
    /// <returns><see langword="false"/> when the queue is empty (emmap <c>nil</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serializer"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The record fails its checksum or does not deserialize; the queue is unchanged.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryDequeue<T>(IQueueSerializer<T> serializer, [MaybeNullWhen(false)] out T item)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        if (KnownEmpty)
        {
            item = default;
            return false;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            bool popped = _queue.TryPopAndPurge(serializer, static (bytes, s) => s.Deserialize(bytes), out item);
            ItemRemoved(popped);
            return popped;
        }
    }

    /// <summary>Removes the item at the head and deserializes it, waiting for one while the queue is empty.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="serializer">Turns the bytes back into an item.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serializer"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The wait was canceled; nothing was removed.</exception>
    /// <exception cref="System.Threading.Channels.ChannelClosedException">The <see cref="Writer"/> was completed and the queue is empty.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    public ValueTask<T> DequeueAsync<T>(IQueueSerializer<T> serializer, CancellationToken cancellationToken = default)
    {
        // As the byte form: the argument is checked at the call, and a token canceled already cancels even when an item waits.
        ArgumentNullException.ThrowIfNull(serializer);
        return cancellationToken.IsCancellationRequested
            ? ValueTask.FromCanceled<T>(cancellationToken)
            : DequeueCoreAsync(serializer, cancellationToken);
    }

    private async ValueTask<T> DequeueCoreAsync<T>(IQueueSerializer<T> serializer, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryDequeue(serializer, out T? item))
            {
                return item;
            }

            if (!await WaitForReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw ChannelClosed();
            }
        }
    }

    /// <summary>Deserializes the item at the head without removing it (emmap <c>inspect/1</c>).</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="serializer">Turns the bytes back into an item.</param>
    /// <param name="item">The item, or the default when the queue is empty.</param>
    /// <returns><see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serializer"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The record fails its checksum or does not deserialize.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryInspect<T>(IQueueSerializer<T> serializer, [MaybeNullWhen(false)] out T item)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        lock (_gate)
        {
            ThrowIfDisposed();
            return _queue.TryPeekFront(serializer, static (bytes, s) => s.Deserialize(bytes), out item);
        }
    }
}
