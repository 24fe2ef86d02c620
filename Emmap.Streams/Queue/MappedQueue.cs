using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;

namespace Emmap.Streams;

/// <summary>
/// A persistent FIFO queue of byte items in a memory-mapped file (emmap's <c>emmap_queue</c>), crash-safe and
/// checksummed, that reuses popped space as a ring, grows when full and shrinks back when drained.
/// </summary>
/// <remarks>
/// <para><b>Format.</b> Two checksummed header slots hold the geometry; a push writes its record and commits it with
/// one aligned 8-byte store of the tail cursor, a pop with one store of the head cursor. Every record carries a
/// CRC32C and its own position, so reopening after a crash scans the committed records and stops at the first one
/// that does not check out. A clean close writes an exact checkpoint (the count and the last item), which the next open
/// takes instead of scanning if nothing changed since; the records are then checked as they are read. See
/// docs/queue-format.md.</para>
/// <para><b>Thread safety.</b> A <see cref="MappedQueue"/> is for one thread at a time, like emmap's raw queue; use
/// <see cref="ConcurrentMappedQueue"/> for many producers and consumers. By default a queue file is owned by one open
/// <see cref="MappedQueue"/> at a time, across processes: a second writable open throws <see cref="IOException"/>
/// while the owner lives. With <see cref="QueueOptions.MultiProcess"/>, any number of processes share it, each with one
/// instance. A process that dies leaves no lock behind.</para>
/// <para><b>Durability.</b> Everything a call commits survives the process being killed. What survives power loss
/// is set by <see cref="QueueOptions.Durability"/>; see docs/queue-durability.md. Closing a queue opened with
/// <see cref="QueueDurability.Batched"/> or <see cref="QueueDurability.Always"/> waits for a durable flush: <see cref="DisposeAsync"/>
/// (<c>await using</c>) waits without blocking the calling thread.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: the name is emmap's and the issue's contract.")]
public sealed partial class MappedQueue : IDisposable, IAsyncDisposable
{
    private const int StateOpen = 0;
    private const int StateReadOnly = 1;
    private const int StateBatchFailed = 2;
    private const int StateDisposed = 3;

    // Open for writing in shared mode: every operation leaves the single-process fast paths for the shared ones.
    private const int StateShared = 4;

    // How far beyond a file cut short a writable open restores its header's size at most (or double the file, if more).
    private const long MaxRestoredGrowth = 64L << 20;

    private static readonly Lock s_openGate = new();
    // Queues open for writing in this process. Weak, so that a queue that was never disposed stops counting once collected.
    private static readonly Dictionary<(object File, long Offset), WeakReference<MappedQueue>> s_open = [];

    private readonly MappedFileStream _stream;
    private readonly MappedView _view;
    private readonly bool _ownsStream;
    private readonly bool _fixedSize;
    private readonly bool _autoUnlink;
    private readonly QueueDurability _durability;
    private readonly QueueOptions _options;
    private readonly long _window;
    private readonly GrowthPolicy _growth;
    private readonly (object File, long Offset) _key;
    private bool _registered;
    private long _ownerWord;

    // Geometry: the active header slot, and copies of what the hot paths need.
    private QueueSlot _slot;
    private int _activeSlotOffset;
    private long _ringEnd;
    private long _ringSize;

    // Where the push fast path's records must end: the ring's end, or 0 once the tail has passed QueueLayout.MaxPosition
    // (pushes then take the slow path, which refuses them), so positions stay within QueueLayout.PositionLimit.
    private long _pushEnd;

    // Cursors (logical positions) and where they are in the file.
    private long _head;
    private long _headPhys;
    private long _tail;
    private long _tailPhys;
    private long _count;
    private long _lastPos;

    // StateOpen, StateShared, StateReadOnly, StateBatchFailed (a background flush failed; reported by the next write) or StateDisposed.
    private int _state;
    private int _version;

    // Shared mode (QueueOptions.MultiProcess; docs/queue-format.md, "Shared mode"). The cursors and counts above and below
    // are copies of the shared words, valid while this instance holds the lock of their side: the tail side (_tail,
    // _tailPhys, _pushed, _lastPos) under the tail lock, the head side (_head, _headPhys, _popped) under the head lock, _count
    // under both. Outside its lock a copy is a stale lower bound (positions only grow).
    private readonly bool _multiProcess;
    private readonly long _lockBase;
    private long _pushed;
    private long _popped;
    private long _generation;
    private int _heldLocks;
    private bool _presenceRegistered;
    private bool _closedLast;

    // Whether the close has deleted the file already (AutoUnlink, while this instance still held the queue).
    private bool _unlinked;

    // Whether Open(path) made this instance (and opens the path again if the file it opened was deleted meanwhile).
    private readonly bool _byPath;

    // Whether Load took the count from a clean close's exact checkpoint instead of scanning (and so has not checked the
    // records' checksums yet: a pop does, and a damaged record withdraws the trust for the next open), and whether a scan is
    // required regardless (Verify).
    private bool _trustedCheckpoint;
    private bool _damageSeen;
    private readonly bool _fullScan;

    // This process's stamp (the value of a lock word it holds), and which waiters a commit made under the lock must wake once
    // the lock's release has fenced it (shared mode).
    private long _stamp;
    private bool _wakeItemWaiters;
    private bool _wakeSpaceWaiters;

    private MappedQueue(
        MappedFileStream stream, bool ownsStream, QueueOptions options, long formatSize, IProgress<long>? scanProgress = null, bool fullScan = false, bool byPath = false)
    {
        _byPath = byPath;
        _scanProgress = scanProgress;
        _fullScan = fullScan;
        _stream = stream;
        _view = stream.View;
        _ownsStream = ownsStream;
        _options = options;
        // A stream that cannot change its length (fixed-size, or a window that ends before its file does) cannot grow the queue.
        _fixedSize = options.FixedSize || !_view.CanChangeLength;
        _autoUnlink = options.AutoUnlink;
        _durability = options.Durability;
        _window = stream.View.Offset;
        _growth = new GrowthPolicy(options.MaxIncrementSize);
        _key = (stream.View.Entry, _window);
        _state = options.ReadOnly ? StateReadOnly : StateOpen;
        _multiProcess = options.MultiProcess && !options.ReadOnly;
        _lockBase = QueueLayout.LockBase + (_window << 17);
        _stamp = _multiProcess ? Native.ProcessStamp.Current : 0;

        if (stream.View.State.IsPrivate)
        {
            throw new ArgumentException(
                "A queue needs a shared mapping (MapSharing.Shared): with a private one nothing would reach the file.", nameof(stream));
        }

        if (!options.ReadOnly && !stream.View.Writable)
        {
            throw new ArgumentException("The stream is read-only: open it with FileAccess.ReadWrite, or set QueueOptions.ReadOnly.", nameof(stream));
        }

        if ((_window & 7) != 0)
        {
            throw new ArgumentException($"The queue's cursor words must be 8-byte aligned in the file, but the stream starts at file offset {_window}.", nameof(stream));
        }

        if (!options.ReadOnly)
        {
            Register();
        }

        try
        {
            if (formatSize > 0)
            {
                Format(stream, formatSize);
            }

            if (_multiProcess)
            {
                _waits = SharedWaits.Open(_view.Entry.Identity, _window, WaitSlots);
                OpenShared();
            }
            else
            {
                Load();
            }

            if (_durability == QueueDurability.Batched && !options.ReadOnly)
            {
                _batchTimer = new Timer(static s => ((MappedQueue)s!).OnBatchTimer(), this, Timeout.Infinite, Timeout.Infinite);
            }
        }
        catch
        {
            ReleaseOwnership();
            WithdrawPresence();
            Unregister();
            _waits?.Dispose();
            throw;
        }
    }

    /// <summary>Gets the full path of the queue file.</summary>
    /// <value>The path of the underlying <see cref="MappedFileStream"/>.</value>
    public string Path => _stream.Name;

    /// <summary>Gets the number of items (emmap <c>length/1</c>, which walks the file; here it is a field).</summary>
    /// <value>The item count, in O(1).</value>
    /// <exception cref="InvalidDataException">In a <see cref="QueueOptions.MultiProcess"/> session, the shared count words
    /// contradict the cursors (no checksum covers them); the items stay, and the next open recounts them.</exception>
    /// <exception cref="IOException">A count taken on trust from the checkpoint was found wrong, and writing the recounted header
    /// failed.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public long Count
    {
        get
        {
            ThrowIfDisposed();
            return _multiProcess ? SharedCount() : _trustedCheckpoint ? CheckedTrustedCount() : _count;
        }
    }

    /// <summary>
    /// Whether the queue is empty, for bookkeeping that follows a committed change (the thread-safe wrapper's): false when the
    /// count cannot be had (counts the cursors contradict, a recount whose header write failed, a shared queue's count asked
    /// for inside a handler that holds its locks), so the change that came first is never reported as failed. The next
    /// operation on the queue reports what stopped the count.
    /// </summary>
    internal bool IsKnownEmpty()
    {
        try
        {
            return Count == 0;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Gets whether the queue holds no items (emmap <c>is_empty/1</c>).</summary>
    /// <value><see langword="true"/> when <see cref="Count"/> is 0.</value>
    /// <exception cref="InvalidDataException">As for <see cref="Count"/>.</exception>
    /// <exception cref="IOException">As for <see cref="Count"/>.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool IsEmpty => Count == 0;

    /// <summary>Gets whether the queue was opened with <see cref="QueueOptions.ReadOnly"/>.</summary>
    /// <value><see langword="true"/> for an inspection-only queue.</value>
    public bool IsReadOnly => _options.ReadOnly;

    /// <summary>Gets whether the file keeps its size (<see cref="QueueOptions.FixedSize"/>, a fixed-size stream, or a window that
    /// ends before the end of its file).</summary>
    /// <value><see langword="true"/> if a push that does not fit fails instead of growing the file.</value>
    public bool IsFixedSize => _fixedSize;

    /// <summary>Gets the durability mode the queue was opened with.</summary>
    /// <value>The <see cref="QueueOptions.Durability"/> value.</value>
    public QueueDurability Durability => _durability;

    /// <summary>Opens the queue in <paramref name="path"/>, creating it with <paramref name="initialSize"/> bytes if it does not exist (emmap <c>open/3</c>).</summary>
    /// <param name="path">The queue file.</param>
    /// <param name="initialSize">The file size of a new queue, at least 4096 bytes; the queue shrinks back to it when drained. An existing queue
    /// opens at whatever size it has grown to, and keeps the initial size it was created with.</param>
    /// <param name="options">How to open the queue; <see langword="null"/> for the defaults (growing, no forced flushes).</param>
    /// <returns>The open queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialSize"/> is less than 4096 or more than 2^44 (16 TiB, the largest queue), or an option is out of range.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist and <see cref="QueueOptions.ReadOnly"/> is set, or it was deleted
    /// each of the four times this open made or opened it (by other processes closing it with <see cref="QueueOptions.AutoUnlink"/>).</exception>
    /// <exception cref="InvalidDataException">The file is not a queue, or is damaged beyond recovery.</exception>
    /// <exception cref="IOException">Another live process has the queue open, the queue is already open in this process, or an I/O error occurred.</exception>
    /// <remarks>
    /// Creation is atomic: the queue is written to a temporary file in the same directory, flushed, and linked into place only if
    /// nothing exists there, so a concurrent opener never sees a half-made queue. Opening recovers from any earlier crash: it takes the
    /// newest valid header slot and keeps every committed record up to the first one whose checksum fails. After a clean close it takes
    /// the count from the exact checkpoint the close wrote instead of checking every record, as long as the file still matches it and
    /// no process has the queue open; each record is then checked when it is popped or peeked.
    /// </remarks>
    public static MappedQueue Open(string path, long initialSize, QueueOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialSize, QueueLayout.MinimumFileSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(initialSize, QueueLayout.MaxFileSize);
        QueueOptions o = (options ?? new QueueOptions()).Clone();
        o.Validate(nameof(options));
        string fullPath = System.IO.Path.GetFullPath(path);

        for (int attempt = 0; ; attempt++)
        {
            if (!o.ReadOnly && !File.Exists(fullPath))
            {
                CreateFile(fullPath, initialSize, o);
            }

            MappedFileStream stream;
            try
            {
                stream = MappedFileStream.Open(fullPath, new MapOptions
                {
                    Mode = FileMode.Open,
                    Access = o.ReadOnly ? FileAccess.Read : FileAccess.ReadWrite,
                    Sharing = MapSharing.Shared,
                    MaxIncrementSize = o.MaxIncrementSize,
                });
            }
            catch (FileNotFoundException) when (!o.ReadOnly && attempt < 3)
            {
                // Deleted between creation and open: create it again.
                continue;
            }

            try
            {
                if (stream.Length == 0)
                {
                    // Checked once open, so that a pipe or a device gets the stream's "not a regular file" instead.
                    throw new InvalidDataException($"'{fullPath}' is empty, so it is not a queue.");
                }

                return new MappedQueue(stream, ownsStream: true, o, formatSize: 0, byPath: true);
            }
            catch (FileNotFoundException) when (!o.ReadOnly && attempt < 3)
            {
                // Deleted by the last process to close it (AutoUnlink) while this open waited for it: open the path again.
                stream.Dispose();
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
    }

    /// <summary>Opens (or creates) a queue of typed items in <paramref name="path"/>; see <see cref="Open(string, long, QueueOptions?)"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="path">The queue file.</param>
    /// <param name="initialSize">The file size of a new queue, at least 4096 bytes.</param>
    /// <param name="serializer">Turns items into bytes and back, for example <see cref="QueueSerializer.Utf8"/>.</param>
    /// <param name="options">How to open the queue.</param>
    /// <returns>The open typed queue, which owns the byte queue underneath.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="serializer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialSize"/> is less than 4096 or more than 2^44 (16 TiB, the largest queue), or an option is out of range.</exception>
    /// <exception cref="InvalidDataException">The file is not a queue, or is damaged beyond recovery.</exception>
    /// <exception cref="IOException">Another live process has the queue open, or an I/O error occurred.</exception>
    public static MappedQueue<T> Open<T>(string path, long initialSize, IQueueSerializer<T> serializer, QueueOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        return new MappedQueue<T>(Open(path, initialSize, options), serializer);
    }

    /// <summary>Makes a queue over an open stream (used by <see cref="QueueStreamExtensions.AsQueue"/>).</summary>
    internal static MappedQueue Over(MappedFileStream stream, QueueOptions? options, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        QueueOptions o = (options ?? new QueueOptions()).Clone();
        o.Validate(nameof(options));
        MappedView view = stream.View;
        view.ThrowIfDisposed();
        if (!view.Readable)
        {
            // Checked before the blank check reads the stream, as StreamReader checks CanRead.
            throw new ArgumentException("The stream is write-only: a queue reads its file; open it with FileAccess.ReadWrite.", nameof(stream));
        }

        long formatSize = 0;
        if (!o.ReadOnly && IsBlank(stream))
        {
            formatSize = stream.Length;
            if (formatSize < QueueLayout.MinimumFileSize)
            {
                throw new ArgumentException(
                    $"A new queue needs at least {QueueLayout.MinimumFileSize} bytes, but the stream has {formatSize}.", nameof(stream));
            }
        }

        return new MappedQueue(stream, ownsStream: !leaveOpen, o, formatSize);
    }

    /// <summary>Returns a snapshot of the queue's structure (emmap <c>metadata/1</c>).</summary>
    /// <returns>The cursors, sizes and header sequence.</returns>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public QueueMetadata GetMetadata()
    {
        ThrowIfDisposed();
        if (_multiProcess)
        {
            return Shared(this, static q => q.Metadata());
        }

        return Metadata();
    }

    private QueueMetadata Metadata()
    {
        return new QueueMetadata(
            _head,
            _tail,
            _count,
            _slot.FileSize,
            _slot.InitialSize,
            QueueLayout.RingStart,
            _ringSize,
            _window + _headPhys,
            _window + _tailPhys,
            _slot.Sequence);
    }

    /// <summary>Writes the queue's pages back (emmap <c>flush/1</c>); with <paramref name="flushToDisk"/>, waits until they are on the device.</summary>
    /// <param name="flushToDisk"><see langword="false"/> to schedule write-back; <see langword="true"/> for a durable flush,
    /// which also completes any pending <see cref="QueueDurability.Batched"/> group.</param>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <exception cref="IOException">The write-back failed; or, with <paramref name="flushToDisk"/>, a
    /// <see cref="QueueDurability.Batched"/> group flush had failed since the last report of it (reported once).</exception>
    public void Flush(bool flushToDisk = false)
    {
        ThrowIfDisposed();
        if (_state == StateReadOnly)
        {
            return;
        }

        if (flushToDisk)
        {
            // A group flush that failed left pages whose write-back may be lost, which a sync that succeeds now would not
            // bring back: this durable point cannot be claimed, so the failure is reported (once) instead.
            ReportBatchFailure();
            Interlocked.Exchange(ref _batchBytes, 0);
        }

        _stream.Flush(flushToDisk);
    }

    /// <summary>
    /// Closes the queue (emmap <c>close/1</c>): completes a pending durable flush, records an exact checkpoint of the cursors,
    /// the count and the last item (which lets the next open skip checking every record), gives up ownership of the file and,
    /// unless the stream was given with <c>leaveOpen</c>, disposes it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The queue is shared (<see cref="QueueOptions.MultiProcess"/>) and this was called by a
    /// handler, folder or buffer writer that the queue runs while it holds its locks: the queue stays open, as it refuses every
    /// other call back into it then.</exception>
    /// <remarks>Safe to call more than once. Closing never loses committed items; errors while writing the checkpoint are ignored
    /// (the cursors themselves are already in the file), and so is a failure of the final durable flush: call
    /// <see cref="Flush(bool)"/> with <see langword="true"/> first to learn whether everything reached the device.</remarks>
    public void Dispose()
    {
        ThrowIfClosedFromInside();
        int previous = Interlocked.Exchange(ref _state, StateDisposed);
        if (previous != StateDisposed)
        {
            Close(previous);
        }
    }

    /// <summary>
    /// Closes the queue as <see cref="Dispose"/> does. The queue refuses every call from the moment this method is called; when closing
    /// needs a durable flush (<see cref="QueueDurability.Batched"/> or <see cref="QueueDurability.Always"/>), the flush runs on the thread
    /// pool and the returned task completes after it, so the calling thread is not blocked by the device.
    /// </summary>
    /// <returns>A task that completes once the queue is closed and its file given up.</returns>
    /// <exception cref="InvalidOperationException">As for <see cref="Dispose"/>: a shared queue is not closed by code it runs while it holds its locks.</exception>
    /// <remarks>Safe to call more than once, and together with <see cref="Dispose"/>: only the first call closes.</remarks>
    public ValueTask DisposeAsync()
    {
        ThrowIfClosedFromInside();
        int previous = Interlocked.Exchange(ref _state, StateDisposed);
        if (previous == StateDisposed)
        {
            return ValueTask.CompletedTask;
        }

        if (previous == StateReadOnly || _durability == QueueDurability.None)
        {
            Close(previous);
            return ValueTask.CompletedTask;
        }

        return new ValueTask(Task.Run(() => Close(previous)));
    }

    /// <summary>
    /// Shared mode: a close from code the queue runs while it holds its locks (a handler, a folder, a buffer writer) is refused
    /// before anything changes, as every other call back into the queue is; the close could take neither the locks for its
    /// checkpoint nor the mapping from the operation under way. A queue already closed stays a no-op.
    /// </summary>
    private void ThrowIfClosedFromInside()
    {
        if (_heldLocks != 0 && Volatile.Read(ref _state) != StateDisposed)
        {
            ThrowIfReentered();
        }
    }

    /// <summary>The closing steps, once the state is <see cref="StateDisposed"/>; <paramref name="previous"/> is the state before.</summary>
    private void Close(int previous)
    {
        try
        {
            StopBatching();
            if (_multiProcess)
            {
                CloseShared();
            }
            else if (previous != StateReadOnly)
            {
                CloseCleanly();
            }
        }
        finally
        {
            if (_autoUnlink && _ownerWord != 0 && !_multiProcess)
            {
                UnlinkWhileHeld();
            }

            ReleaseOwnership();
            WithdrawPresence();
            Unregister();
            _waits?.Dispose();
            if (_ownsStream)
            {
                _stream.Dispose();
            }

            if (_autoUnlink && !_unlinked && !_options.ReadOnly && (!_multiProcess || _closedLast))
            {
                DeleteQuietly(_stream.Name);
            }
        }
    }

    private void CloseCleanly()
    {
        try
        {
            long last = _count == 0 ? 0 : _lastPos;
            long flags = QueueSlot.CleanCloseFlag | (DamageSeen() ? 0 : QueueSlot.ExactFlag);
            if (_durability != QueueDurability.None)
            {
                // The records reach the device before a header that vouches for them does (power loss cannot reorder them).
                _stream.Flush(flushToDisk: true);
            }

            if (_slot.Head != _head || _slot.Tail != _tail || _slot.Count != _count || _slot.Flags != flags || _slot.LastItem != last)
            {
                // Count and last item are exact here: the next open can take them instead of scanning every record.
                FlipSlot(_slot with
                {
                    Sequence = _slot.Sequence + 1,
                    Head = _head,
                    Tail = _tail,
                    Count = _count,
                    Flags = flags,
                    LastItem = last,
                });
            }

            if (_durability != QueueDurability.None)
            {
                _stream.Flush(flushToDisk: true);
            }
        }
        catch (IOException)
        {
            // The cursor words are the commit; the checkpoint only speeds up a fallback. Nothing committed is lost.
        }
        catch (ObjectDisposedException)
        {
            // The caller disposed the stream first: its pages are already released.
        }
    }

    /// <summary>Whether a damaged record was found in this session (then the next open must scan).</summary>
    private bool DamageSeen() => _multiProcess ? ReadShared(QueueLayout.DamageSeenOffset) != 0 : _damageSeen;

    /// <summary>
    /// Enters this instance in the process's table of open queues. A queue of this process still closing (disposed, not yet
    /// unregistered) is waited for: it holds the queue through locks of the file's descriptor, which this process shares, so an
    /// open meanwhile would pass them, and the close's release of them (the owner word, the shared-mode presence) would then
    /// release this instance's hold too.
    /// </summary>
    private void Register()
    {
        while (true)
        {
            lock (s_openGate)
            {
                bool closing = false;
                if (s_open.TryGetValue(_key, out WeakReference<MappedQueue>? existing) && existing.TryGetTarget(out MappedQueue? other))
                {
                    if (Volatile.Read(ref other._state) != StateDisposed)
                    {
                        throw new IOException(
                            $"The queue '{_stream.Name}' is already open in this process. Share one MappedQueue (or a ConcurrentMappedQueue) instead of opening it twice.");
                    }

                    closing = true;
                }

                if (!closing)
                {
                    if (s_open.Count >= 64)
                    {
                        foreach ((object File, long Offset) key in s_open.Where(e => !e.Value.TryGetTarget(out _)).Select(e => e.Key).ToList())
                        {
                            s_open.Remove(key);
                        }
                    }

                    s_open[_key] = new WeakReference<MappedQueue>(this);
                    break;
                }
            }

            Thread.Sleep(1);
        }

        _registered = true;
    }

    private void Unregister()
    {
        if (!_registered)
        {
            return;
        }

        lock (s_openGate)
        {
            if (s_open.TryGetValue(_key, out WeakReference<MappedQueue>? entry) && entry.TryGetTarget(out MappedQueue? registered) && ReferenceEquals(registered, this))
            {
                s_open.Remove(_key);
            }
        }

        _registered = false;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _state) == StateDisposed)
        {
            ThrowDisposed();
        }
    }

    private void ThrowDisposed() => throw new ObjectDisposedException(nameof(MappedQueue));

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
