using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Emmap.Streams;

/// <summary>
/// A persistent FIFO queue for many producers and consumers in one process: emmap's <c>gen_server</c> queue
/// (<c>start_link</c>, <c>enqueue</c>, <c>dequeue</c>, <c>try_dequeue</c>, <c>inspect</c>, <c>info</c>) as a thread-safe object,
/// with asynchronous waiting for items and for space, and a <see cref="System.Threading.Channels"/> reader and writer.
/// </summary>
/// <remarks>
/// <para>Every operation runs under one lock around a <see cref="MappedQueue"/>, which gives the same serial order a gen_server gives:
/// items come out in the order their <see cref="Enqueue"/> calls returned, and each item goes to exactly one consumer. The one exception
/// keeps that order: a pop from a queue that a pop under the lock found empty, with no push since, returns <see langword="false"/> without
/// the lock, so consumers polling an idle queue do not hold up producers (not in shared mode, where other processes push).</para>
/// <para><see cref="Dequeue"/> pops and purges as emmap's <c>dequeue/1</c> does, so a drained queue shrinks back to its initial size.
/// Handlers given to <see cref="TryDequeue{TResult}(Func{ReadOnlySpan{byte}, TResult}, out TResult)"/> run inside the lock, as emmap's
/// run inside the server: keep them short.</para>
/// <para>Items come out through <see cref="TryDequeue(out byte[])"/> or, typed, <see cref="TryDequeue{T}(IQueueSerializer{T}, out T)"/>, which
/// return <see langword="false"/> when the queue is empty, or through <see cref="DequeueAsync(CancellationToken)"/>, which waits for one.</para>
/// <para>Crash safety and durability are those of the <see cref="MappedQueue"/>: a killed process loses nothing that was acknowledged.
/// Opened with <see cref="QueueOptions.MultiProcess"/>, the queue is shared with other processes, and waiting for items or space
/// completes when another process pushes or pops (docs/queue-durability.md). Closing a durable queue waits for a flush to the device:
/// <see cref="DisposeAsync"/> (<c>await using</c>) waits without blocking a thread.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: the name is emmap's and the issue's contract.")]
public sealed partial class ConcurrentMappedQueue : IDisposable, IAsyncDisposable
{
    private readonly MappedQueue _queue;
    private readonly bool _leaveOpen;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _itemWaiters;
    private TaskCompletionSource? _spaceWaiters;

    // How many calls wait on each source (under the gate). A canceled call leaves, and the last to leave drops the source, so
    // that nothing is counted as waiting once nobody is: the watcher of a shared queue then goes idle and lets the queue go.
    private int _itemWaiterCount;
    private int _spaceWaiterCount;
    private long _pops;
    private long _fullAtPops = -1;
    private bool _writerCompleted;
    private Exception? _completionError;
    private bool _disposed;

    // True while the queue is known to be empty: set under the gate by a pop that found or left it empty, cleared under the
    // gate by every push. A pop from an empty queue then returns without the gate, so idle consumers polling an empty queue
    // do not take the gate from producers. Never set for a queue shared with other processes, whose pushes this instance
    // does not see.
    private volatile bool _knownEmpty;

    // Shared mode (ConcurrentMappedQueue.Shared.cs): a thread that sleeps until another process pushes or pops while
    // this process has waiters, and the cursor values those waiters saw before they began to wait.
    private Thread? _watcher;
    private AutoResetEvent? _watchRequested;
    private long _observedTail;
    private long _observedHead;

    // What the watcher looks for while it sleeps (under the gate): a waiter of another kind must wake it.
    private bool _watchingItems;
    private bool _watchingSpace;

    // StillWatched, made once, for the watcher's sleeps.
    private Func<bool>? _stillWatched;

    /// <summary>Wraps <paramref name="queue"/>, which from now on must be used only through this instance.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="queue"/> open when this instance is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="queue"/> is <see langword="null"/>.</exception>
    public ConcurrentMappedQueue(MappedQueue queue, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _queue = queue;
        _leaveOpen = leaveOpen;
        Reader = new QueueChannelReader(this);
        Writer = new QueueChannelWriter(this);
    }

    /// <summary>Gets a channel reader over the queue: <c>TryRead</c> dequeues, <c>ReadAsync</c> and <c>ReadAllAsync</c> wait for items.</summary>
    /// <value>The reader; its <see cref="ChannelReader{T}.Completion"/> finishes once <see cref="Writer"/> is completed and the queue is drained.
    /// A <c>ReadAsync</c> that waits takes a new item when it wakes (a channel hands it over at once): a <c>TryRead</c> made
    /// in between can take that item first, and the waiting read then waits for the next.</value>
    public ChannelReader<byte[]> Reader { get; }

    /// <summary>Gets a channel writer over the queue: <c>TryWrite</c> enqueues, <c>WriteAsync</c> waits for space in a fixed-size queue.</summary>
    /// <value>The writer. Completing it affects only this instance's channel faces: the file keeps its items, and
    /// <see cref="Enqueue"/> and <see cref="EnqueueAsync"/> still add items, as other processes sharing the queue may; the reader
    /// returns such items even after its <see cref="ChannelReader{T}.Completion"/> has finished. Over a queue opened with
    /// <see cref="QueueOptions.ReadOnly"/>, its writes throw <see cref="NotSupportedException"/>, as the queue's pushes do
    /// (a false from <c>TryWrite</c> would read as a full queue). When the disk has no space to grow a growable queue,
    /// <c>TryWrite</c> returns <see langword="false"/> (and <c>WaitToWriteAsync</c> then waits for a pop, which frees room in
    /// the file), while <c>WriteAsync</c> throws the <see cref="IOException"/>, as <see cref="EnqueueAsync"/> does.</value>
    public ChannelWriter<ReadOnlyMemory<byte>> Writer { get; }

    /// <summary>Gets the number of items.</summary>
    /// <value>The item count.</value>
    /// <exception cref="InvalidDataException">As for <see cref="MappedQueue.Count"/>: a shared session's count words contradict
    /// the cursors.</exception>
    /// <exception cref="IOException">As for <see cref="MappedQueue.Count"/>.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                return _queue.Count;
            }
        }
    }

    /// <summary>Gets whether the queue holds no items.</summary>
    /// <value><see langword="true"/> when <see cref="Count"/> is 0.</value>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool IsEmpty => Count == 0;

    /// <summary>Opens (or creates) the queue in <paramref name="path"/> for use from many threads (emmap <c>start_link/4</c>).</summary>
    /// <param name="path">The queue file.</param>
    /// <param name="initialSize">The file size of a new queue, at least 4096 bytes.</param>
    /// <param name="options">How to open the queue.</param>
    /// <returns>The thread-safe queue, which owns the file's <see cref="MappedQueue"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialSize"/> is less than 4096 or more than 2^44 (16 TiB, the largest queue), or an option is out of range.</exception>
    /// <exception cref="InvalidDataException">The file is not a queue, or is damaged beyond recovery.</exception>
    /// <exception cref="IOException">Another live process has the queue open, or an I/O error occurred.</exception>
    public static ConcurrentMappedQueue Open(string path, long initialSize, QueueOptions? options = null) =>
        new(MappedQueue.Open(path, initialSize, options));

    /// <summary>Appends <paramref name="item"/> (emmap <c>enqueue/2</c>).</summary>
    /// <param name="item">The item's bytes.</param>
    /// <exception cref="QueueFullException">The queue is fixed-size and full (emmap <c>{error, full}</c>).</exception>
    /// <exception cref="ArgumentException">The queue is fixed-size and the item is larger than its whole ring.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The item is longer than 2,147,483,591 bytes (0x7FFFFFC7), the most one record holds; nothing was written.</exception>
    /// <exception cref="IOException">Growing the file or a durable flush failed; nothing was enqueued.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public void Enqueue(ReadOnlySpan<byte> item)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            _queue.Push(item);
            ItemAdded();
        }
    }

    /// <summary>Appends <paramref name="item"/> if it fits.</summary>
    /// <param name="item">The item's bytes.</param>
    /// <returns><see langword="false"/> if the queue is full (see <see cref="MappedQueue.TryPush(ReadOnlySpan{byte})"/>).</returns>
    /// <exception cref="ArgumentException">The queue is fixed-size and the item is larger than its whole ring.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The item is longer than 2,147,483,591 bytes (0x7FFFFFC7), the most one record holds; nothing was written.</exception>
    /// <exception cref="IOException">An I/O error other than a lack of space.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryEnqueue(ReadOnlySpan<byte> item)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (!_queue.TryPush(item))
            {
                return false;
            }

            ItemAdded();
            return true;
        }
    }

    /// <summary>Appends <paramref name="item"/>, waiting for space while a fixed-size queue is full.</summary>
    /// <param name="item">The item's bytes.</param>
    /// <param name="cancellationToken">Cancels the wait. A token canceled before the call enqueues nothing, even with space free, as
    /// <see cref="ChannelWriter{T}.WriteAsync"/> and <see cref="DequeueAsync(CancellationToken)"/> do.</param>
    /// <returns>A task that completes when the item is in the queue.</returns>
    /// <exception cref="OperationCanceledException">The wait was canceled; nothing was enqueued.</exception>
    /// <exception cref="ArgumentException">The queue is fixed-size and the item is larger than its whole ring, so no wait could make room.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The item is longer than 2,147,483,591 bytes (0x7FFFFFC7), the most one record holds; nothing was written.</exception>
    /// <exception cref="IOException">Growing the file failed (for example, the disk is full: a growable queue does not wait for
    /// space on the disk), or another I/O error; nothing was enqueued.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    public async ValueTask EnqueueAsync(ReadOnlyMemory<byte> item, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                ThrowIfDisposed();
                long head = ObserveHead();
                if (_queue.TryPushOrThrowNoSpace(item.Span))
                {
                    ItemAdded();
                    return;
                }

                NoteHead(head);
                wait = JoinWaiters(ref _spaceWaiters, ref _spaceWaiterCount);
                WatchOtherProcesses(_observedTail);
            }

            await WaitAsWaiterAsync(wait, forItems: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the item at the head if there is one, purging the queue when that empties it (emmap <c>dequeue/1</c>).</summary>
    /// <param name="item">The item's bytes, or <see langword="null"/> when the queue is empty.</param>
    /// <returns><see langword="true"/> if an item was removed; <see langword="false"/> when the queue is empty (emmap <c>nil</c>).</returns>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the queue is unchanged.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryDequeue([NotNullWhen(true)] out byte[]? item)
    {
        if (KnownEmpty)
        {
            item = null;
            return false;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            item = _queue.PopAndPurge();
            ItemRemoved(item is not null);
            return item is not null;
        }
    }

    /// <summary>Removes the item at the head and returns it, purging the queue when that empties it (emmap <c>dequeue/1</c>).</summary>
    /// <returns>The item, or <see langword="null"/> when the queue is empty (emmap <c>nil</c>); <see cref="TryDequeue(out byte[])"/> says the
    /// same with a <see langword="bool"/>.</returns>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the queue is unchanged.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public byte[]? Dequeue() => TryDequeue(out byte[]? item) ? item : null;

    /// <summary>Removes the item at the head and appends it to <paramref name="destination"/>, purging the queue when that empties it.</summary>
    /// <param name="destination">Where the item's bytes go.</param>
    /// <returns><see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the queue is unchanged.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>An exception from <paramref name="destination"/> propagates and leaves the item at the head.</remarks>
    public bool TryDequeue(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (KnownEmpty)
        {
            return false;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            bool popped = _queue.TryPopAndPurge(destination);
            ItemRemoved(popped);
            return popped;
        }
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with the item at the head, inside the queue's lock, and removes the item only if the handler
    /// returns normally (emmap <c>try_dequeue/2</c>); an exception from the handler propagates and leaves the item in the queue.
    /// </summary>
    /// <typeparam name="TResult">What the handler returns.</typeparam>
    /// <param name="handler">Receives the item's bytes, valid only during the call.</param>
    /// <param name="result">The handler's result, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if the handler ran and the item was removed; <see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the handler is not called.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryDequeue<TResult>(Func<ReadOnlySpan<byte>, TResult> handler, [MaybeNullWhen(false)] out TResult result)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (KnownEmpty)
        {
            result = default;
            return false;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            bool popped = _queue.TryPopAndPurge(handler, static (bytes, h) => h(bytes), out result);
            ItemRemoved(popped);
            return popped;
        }
    }

    /// <summary>Removes the item at the head, waiting for one while the queue is empty.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The item.</returns>
    /// <exception cref="OperationCanceledException">The wait was canceled; nothing was removed.</exception>
    /// <exception cref="ChannelClosedException">The <see cref="Writer"/> was completed and the queue is empty.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    public ValueTask<byte[]> DequeueAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<byte[]>(cancellationToken);
        }

        try
        {
            if (TryDequeue(out byte[]? item))
            {
                return new ValueTask<byte[]>(item);
            }
        }
        catch (Exception ex) when (ex is not (ChannelClosedException or OperationCanceledException))
        {
            return ValueTask.FromException<byte[]>(ex);
        }

        return DequeueCoreAsync(cancellationToken);
    }

    private async ValueTask<byte[]> DequeueCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await WaitForReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw ChannelClosed();
            }

            if (TryDequeue(out byte[]? item))
            {
                return item;
            }
        }
    }

    /// <summary>As <see cref="WaitToReadAsync"/> for a read, which reports the writer's error wrapped, as a channel's read does.</summary>
    private async ValueTask<bool> WaitForReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsCompletionError(ex))
        {
            throw ChannelClosed();
        }
    }

    /// <summary>Returns a copy of the item at the head without removing it (emmap <c>inspect/1</c>).</summary>
    /// <returns>The item, or <see langword="null"/> when the queue is empty.</returns>
    /// <exception cref="InvalidDataException">The head record fails its checksum.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public byte[]? Inspect()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return _queue.PeekFront();
        }
    }

    /// <summary>Drops every item at once and returns the queue to its initial size (emmap <c>erase/1</c> on the raw queue).</summary>
    /// <exception cref="IOException">Writing the emptied header failed; the queue is unchanged.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public void Erase()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            bool hadItems = _queue.Count != 0;
            _queue.Erase();
            ItemRemoved(hadItems);
        }
    }

    /// <summary>Returns the queue's structure (emmap <c>info/1</c>).</summary>
    /// <returns>The metadata.</returns>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public QueueMetadata Info()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return _queue.GetMetadata();
        }
    }

    /// <summary>Writes the queue back; durably with <paramref name="flushToDisk"/>.</summary>
    /// <param name="flushToDisk">Whether to wait until the data is on the device.</param>
    /// <exception cref="IOException">The write-back failed.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public void Flush(bool flushToDisk = false)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            _queue.Flush(flushToDisk);
        }
    }

    /// <summary>
    /// Closes the queue (emmap's <c>terminate/2</c>): pending waits fail with <see cref="ObjectDisposedException"/>, and the
    /// <see cref="MappedQueue"/> is disposed unless it was given with <c>leaveOpen</c>. For a durable queue this blocks until a flush
    /// to the device completes; <see cref="DisposeAsync"/> does not.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from a handler the queue is running (inside its lock).</exception>
    public void Dispose()
    {
        ThrowIfInsideHandler();
        if (BeginDispose())
        {
            // Outside the gate, which the watcher takes on its way out; no operation gets past the gate any more.
            StopWatching();
            try
            {
                if (!_leaveOpen)
                {
                    _queue.Dispose();
                }
            }
            finally
            {
                FailWaiters();
            }
        }
    }

    /// <summary>
    /// Closes the queue as <see cref="Dispose"/> does; every call fails from the moment this method is called, and a durable flush runs on the
    /// thread pool (see <see cref="MappedQueue.DisposeAsync"/>).
    /// </summary>
    /// <returns>A task that completes once the queue is closed.</returns>
    /// <exception cref="InvalidOperationException">Called from a handler the queue is running (inside its lock).</exception>
    public async ValueTask DisposeAsync()
    {
        ThrowIfInsideHandler();
        if (BeginDispose())
        {
            StopWatching();
            try
            {
                if (!_leaveOpen)
                {
                    await _queue.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                FailWaiters();
            }
        }
    }

    /// <summary>Gets the task that completes when the writer is completed and the queue is drained.</summary>
    internal Task Drained => _drained.Task;

    internal bool TryDequeueForChannel([MaybeNullWhen(false)] out byte[] item) => TryDequeue(out item);

    internal bool TryPeekForChannel([MaybeNullWhen(false)] out byte[] item)
    {
        item = Inspect();
        return item is not null;
    }

    /// <summary>A channel writer's <c>WriteAsync</c>: waits for space, and once the writer is completed fails as a channel's does.</summary>
    internal ValueTask WriteForChannelAsync(ReadOnlyMemory<byte> item, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            if (TryEnqueueForChannel(item.Span, waiting: true))
            {
                return default;
            }
        }
        catch (Exception ex)
        {
            // Made after the writer was completed, the call fails with what a channel's fails with, a cancellation too
            // (thrown from the waiting method below, a cancellation would cancel the call instead).
            return ValueTask.FromException(ex);
        }

        return WriteForChannelCoreAsync(item, cancellationToken);
    }

    private async ValueTask WriteForChannelCoreAsync(ReadOnlyMemory<byte> item, CancellationToken cancellationToken)
    {
        while (true)
        {
            bool more;
            try
            {
                more = await WaitToWriteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsCompletionError(ex))
            {
                throw ChannelClosed();
            }

            if (!more)
            {
                throw ChannelClosed();
            }

            if (TryEnqueueForChannel(item.Span, waiting: true))
            {
                return;
            }
        }
    }

    /// <summary>
    /// A channel writer's write: false once the writer is completed, or while the queue is full. With <paramref name="waiting"/>
    /// (<c>WriteAsync</c>), a disk with no space to grow the file is an <see cref="IOException"/>, as for
    /// <see cref="EnqueueAsync"/>, rather than a full queue that only a pop could end, and a completed writer throws what a
    /// channel's <c>WriteAsync</c> fails with (<see cref="ChannelClosed"/>).
    /// </summary>
    internal bool TryEnqueueForChannel(ReadOnlySpan<byte> item, bool waiting = false)
    {
        lock (_gate)
        {
            if (_writerCompleted || _disposed)
            {
                return waiting && !_disposed ? throw ChannelClosed() : false;
            }

            long head = ObserveHead();
            if (!(waiting ? _queue.TryPushOrThrowNoSpace(item) : _queue.TryPush(item)))
            {
                // Remember that the queue was full as of this many pops, so WaitToWriteAsync waits for the next one.
                NoteHead(head);
                _fullAtPops = _pops;
                return false;
            }

            ItemAdded();
            return true;
        }
    }

    /// <summary>
    /// Waits until an item is available (true) or the writer is completed and the queue empty (false, or the error the writer
    /// was completed with, as a channel's reader does). A canceled token cancels the call before anything is looked at.
    /// </summary>
    internal ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => WaitAsync(forItems: true, cancellationToken);

    /// <summary>
    /// Waits until space may be available (true) or the writer is completed (false, or the error it was completed with, as a
    /// channel's writer does). Items differ in size, so "space" means: no channel write has failed for lack of room since the
    /// last pop. A canceled token cancels the call before anything is looked at.
    /// </summary>
    internal ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken) => WaitAsync(forItems: false, cancellationToken);

    // A wait for items or for space: answered at once when it can be (a call made after the writer was completed with an
    // error fails with it, a cancellation too, as a channel's does; thrown from the waiting method, a cancellation would
    // cancel the call instead), else waits and looks again each time it is woken.
    private ValueTask<bool> WaitAsync(bool forItems, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        Task? wait;
        try
        {
            lock (_gate)
            {
                if (TryAnswerWait(forItems, out bool ready, out wait))
                {
                    return new ValueTask<bool>(ready);
                }
            }
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<bool>(ex);
        }

        return WaitCoreAsync(wait, forItems, cancellationToken);
    }

    private async ValueTask<bool> WaitCoreAsync(Task wait, bool forItems, CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitAsWaiterAsync(wait, forItems, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (TryAnswerWait(forItems, out bool ready, out Task? next))
                {
                    return ready;
                }

                wait = next;
            }
        }
    }

    private bool TryAnswerWait(bool forItems, out bool ready, [NotNullWhen(false)] out Task? wait) =>
        forItems ? TryAnswerWaitToRead(out ready, out wait) : TryAnswerWaitToWrite(out ready, out wait);

    // Under the gate: answers a wait to read now (true: an item is there; false or the writer's error: completed and drained),
    // or joins the calls waiting for items and returns false with the task to wait for.
    private bool TryAnswerWaitToRead(out bool ready, [NotNullWhen(false)] out Task? wait)
    {
        ThrowIfDisposed();
        wait = null;
        long tail = ObserveTail();
        if (_queue.Count > 0)
        {
            ready = true;
            return true;
        }

        if (_writerCompleted)
        {
            // Drained, whoever drained it (another process's pops complete nothing here).
            CompleteDrained();
            ready = _completionError is { } error ? throw error : false;
            return true;
        }

        wait = JoinWaiters(ref _itemWaiters, ref _itemWaiterCount);
        WatchOtherProcesses(tail);
        ready = false;
        return false;
    }

    // Under the gate: answers a wait to write now (true: a pop came since the last write found the queue full; false or the
    // writer's error: completed), or joins the calls waiting for space and returns false with the task to wait for.
    private bool TryAnswerWaitToWrite(out bool ready, [NotNullWhen(false)] out Task? wait)
    {
        ThrowIfDisposed();
        wait = null;
        if (_writerCompleted)
        {
            ready = _completionError is { } error ? throw error : false;
            return true;
        }

        if (_fullAtPops != _pops)
        {
            ready = true;
            return true;
        }

        wait = JoinWaiters(ref _spaceWaiters, ref _spaceWaiterCount);
        WatchOtherProcesses(_observedTail);
        ready = false;
        return false;
    }

    internal bool TryComplete(Exception? error)
    {
        TaskCompletionSource? items;
        TaskCompletionSource? space;
        bool drained;
        lock (_gate)
        {
            if (_writerCompleted || _disposed)
            {
                return false;
            }

            // First: the count is what may fail (inside a handler), and nothing has changed yet.
            drained = _queue.IsKnownEmpty();
            _writerCompleted = true;
            _completionError = error;
            items = _itemWaiters;
            space = _spaceWaiters;
            _itemWaiters = null;
            _spaceWaiters = null;
        }

        items?.TrySetResult();
        space?.TrySetResult();
        if (drained)
        {
            CompleteDrained();
        }

        return true;
    }

    // Under the gate: one more call waits on `waiters` (made when there is none); returns the task that call waits for.
    private static Task JoinWaiters(ref TaskCompletionSource? waiters, ref int count)
    {
        if (waiters is null)
        {
            waiters = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            count = 0;
        }

        count++;
        return waiters.Task;
    }

    // Waits for a task JoinWaiters gave; a call whose token ends the wait first leaves the waiters it joined.
    private async ValueTask WaitAsWaiterAsync(Task wait, bool forItems, CancellationToken cancellationToken)
    {
        try
        {
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (forItems)
                {
                    LeaveWaiters(ref _itemWaiters, ref _itemWaiterCount, wait);
                }
                else
                {
                    LeaveWaiters(ref _spaceWaiters, ref _spaceWaiterCount, wait);
                }
            }

            throw;
        }
    }

    // Under the gate: a canceled call leaves; the last one drops the source. A source completed meanwhile was dropped by its
    // completer, and a later one counts only the calls that joined it.
    private static void LeaveWaiters(ref TaskCompletionSource? waiters, ref int count, Task wait)
    {
        if (waiters is not null && waiters.Task == wait && --count == 0)
        {
            waiters = null;
        }
    }

    // Under the gate: wake consumers waiting for an item.
    private void ItemAdded()
    {
        _knownEmpty = false;
        if (_itemWaiters is { } waiters)
        {
            _itemWaiters = null;
            waiters.TrySetResult();
        }
    }

    // Under the gate: wake producers waiting for space, and finish the reader once a completed writer's items are gone.
    private void ItemRemoved(bool removed)
    {
        if (removed)
        {
            _pops++;
        }

        if (removed && _spaceWaiters is { } waiters)
        {
            _spaceWaiters = null;
            waiters.TrySetResult();
        }

        // After a committed removal nothing may throw: a count that cannot be had counts as not empty. A shared queue's count
        // takes both of its locks, so it is looked at only once the writer is completed.
        bool empty = (!_queue.IsShared || _writerCompleted) && _queue.IsKnownEmpty();
        if (!_queue.IsShared && empty)
        {
            _knownEmpty = true;
        }

        if (_writerCompleted && empty)
        {
            CompleteDrained();
        }
    }

    /// <summary>
    /// Gets whether a pop may return <see langword="false"/> at once, without the gate: the queue was empty when a pop under the
    /// gate last looked, no push has happened since, and the queue is not disposed (a disposed queue's pop throws).
    /// </summary>
    private bool KnownEmpty => _knownEmpty && !Volatile.Read(ref _disposed);

    private void CompleteDrained()
    {
        if (_completionError is OperationCanceledException canceled)
        {
            _drained.TrySetCanceled(canceled.CancellationToken);
        }
        else if (_completionError is { } error)
        {
            _drained.TrySetException(error);
        }
        else
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Marks the queue disposed, under the gate, so that no call reaches the <see cref="MappedQueue"/> from now on; false if it was already.</summary>
    private bool BeginDispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            return true;
        }
    }

    /// <summary>Fails every pending wait with <see cref="ObjectDisposedException"/>, once the queue is disposed.</summary>
    private void FailWaiters()
    {
        TaskCompletionSource? items;
        TaskCompletionSource? space;
        lock (_gate)
        {
            items = _itemWaiters;
            space = _spaceWaiters;
            _itemWaiters = null;
            _spaceWaiters = null;
        }

        var disposed = new ObjectDisposedException(nameof(ConcurrentMappedQueue));
        items?.TrySetException(disposed);
        space?.TrySetException(disposed);
        _drained.TrySetException(disposed);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    // A handler runs inside the gate: a dispose from there would wait for the watcher, which waits for the gate, and a shared
    // queue's close would wait for the lock words the pop holds.
    private void ThrowIfInsideHandler()
    {
        if (_gate.IsHeldByCurrentThread)
        {
            throw new InvalidOperationException("The queue cannot be disposed from a handler it is running; dispose it once the call returns.");
        }
    }

    /// <summary>
    /// What a read of a drained queue, or a channel write, throws once the writer is completed, as a channel does: a
    /// <see cref="ChannelClosedException"/> with the writer's error inside, or the error itself if it is a cancellation.
    /// </summary>
    internal Exception ChannelClosed() => _completionError switch
    {
        null => new ChannelClosedException(),
        OperationCanceledException canceled => canceled,
        Exception error => new ChannelClosedException(error),
    };

    /// <summary>Whether <paramref name="exception"/> is the error the writer was completed with (rethrown by the waits).</summary>
    internal bool IsCompletionError(Exception exception) => ReferenceEquals(exception, Volatile.Read(ref _completionError));
}
