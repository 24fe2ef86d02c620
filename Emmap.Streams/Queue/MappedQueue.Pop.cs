using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>Removes the item at the head and returns it (emmap <c>pop/1</c>).</summary>
    /// <returns>The item's bytes, or <see langword="null"/> when the queue is empty (emmap <c>nil</c>).</returns>
    /// <exception cref="InvalidDataException">The head record fails its checksum (the file was damaged after it was opened); the queue is unchanged.</exception>
    /// <exception cref="IOException">A durable flush failed; the item stays in the queue. In a <see cref="QueueOptions.MultiProcess"/>
    /// session a flush that fails after the commit is reported too, and its message says the item was popped: other
    /// processes may already have seen the head move.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>Does not shrink the file; see <see cref="PopAndPurge"/>.</remarks>
    public byte[]? Pop()
    {
        var sink = new ArraySink();
        return PopCore(ref sink, purge: false) ? sink.Result : null;
    }

    /// <summary>Removes the item at the head and appends its bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">Where the item's bytes go.</param>
    /// <returns><see langword="true"/> if an item was popped; <see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the queue is unchanged and nothing is appended.</exception>
    /// <exception cref="IOException">A durable flush failed; the item stays in the queue and nothing is appended.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="destination"/>'s <see cref="IBufferWriter{T}.GetSpan"/> changed or
    /// disposed the queue; nothing is popped.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>The queue allocates nothing; the bytes are checked against the record's checksum after they are copied, so what
    /// <paramref name="destination"/> receives is exactly what was pushed. An exception from <paramref name="destination"/>
    /// propagates and leaves the item at the head: thrown by <see cref="IBufferWriter{T}.Advance"/>, the pop is taken back.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public unsafe bool TryPop(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (_state != StateOpen || _count == 0)
        {
            return TryPopSlow(destination);
        }

        long phys = _headPhys;
        MappedAccess access = BeginRingAccess();
        byte* b = access.Pointer;
        byte* record = b + phys;
        ulong word = *(ulong*)record;
        long stamp = *(long*)(record + 8);
        uint length = (uint)word;
        long size = QueueLayout.RecordSize(length);
        if (stamp != _head || length > QueueLayout.MaxItemLength || size > _tail - _head || size > _ringEnd - phys)
        {
            _view.EndAccess(access);
            return TryPopSlow(destination);
        }

        Span<byte> target;
        int version = _version;
        try
        {
            // The caller's writer may throw (a full or broken buffer), or pop from this queue itself: either way the pop did not
            // happen, and the access must not outlive it.
            target = destination.GetSpan((int)length)[..(int)length];
            ThrowIfChangedDuringPop(version);
        }
        catch
        {
            access.EndUnchecked();
            throw;
        }

        // The runtime's copy, not MappedCopy as at the push: the checksum below reads the copy back eight bytes at a time,
        // and after MappedCopy's single 64-byte store the pair measured slower (docs/benchmarks.md).
        new ReadOnlySpan<byte>(record + QueueLayout.RecordHeaderSize, (int)length).CopyTo(target);
        if (QueueChecksum.Record(length, stamp, target) != (uint)(word >> 32))
        {
            _view.EndAccess(access);
            throw Corrupt(_head, phys, "the item's checksum does not match");
        }

        CrashPoints.Hit(CrashPoints.PopRead);
        long newHead = _head + size;
        Volatile.Write(ref *(long*)(b + QueueLayout.HeadWordOffset), newHead);
        EndHeaderCommit(access, "pop");
        CommittedPop(size);
        try
        {
            destination.Advance((int)length);
        }
        catch
        {
            PutBackAfterCallerFailed(stamp, phys);
            throw;
        }

        return true;
    }

    /// <summary>Removes the item at the head into the caller's buffer, if it fits.</summary>
    /// <param name="destination">Where the item's bytes go.</param>
    /// <param name="bytesWritten">The item's length when popped; the length it needs when <paramref name="destination"/> is too small; else 0.</param>
    /// <returns><see cref="OperationStatus.Done"/> if the item was popped; <see cref="OperationStatus.DestinationTooSmall"/> if it does
    /// not fit (nothing is popped); <see cref="OperationStatus.NeedMoreData"/> when the queue is empty.</returns>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the queue is unchanged.</exception>
    /// <exception cref="IOException">A durable flush failed; the item stays in the queue.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>Allocates nothing. The bytes are checked against the record's checksum after they are copied.</remarks>
    public unsafe OperationStatus PopInto(Span<byte> destination, out int bytesWritten)
    {
        ThrowIfCannotWrite();
        if (_multiProcess)
        {
            return SharedPopInto(destination, out bytesWritten);
        }

        if (!LocateHead(out long phys, out uint length, out uint crc, out long size))
        {
            bytesWritten = 0;
            return OperationStatus.NeedMoreData;
        }

        if (length > (uint)destination.Length)
        {
            bytesWritten = (int)length;
            return OperationStatus.DestinationTooSmall;
        }

        Span<byte> target = destination[..(int)length];
        MappedAccess access = BeginRingAccess();
        new ReadOnlySpan<byte>(access.Pointer + phys + QueueLayout.RecordHeaderSize, (int)length).CopyTo(target);
        _view.EndAccess(access);
        if (QueueChecksum.Record(length, _head, target) != crc)
        {
            throw Corrupt(_head, phys, "the item's checksum does not match");
        }

        CrashPoints.Hit(CrashPoints.PopRead);
        StoreHead(_head + size);
        CommittedPop(size);
        bytesWritten = (int)length;
        return OperationStatus.Done;
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with the item at the head and removes the item only if the handler returns normally
    /// (emmap <c>try_pop/2</c>): an exception from the handler propagates and leaves the item in the queue.
    /// </summary>
    /// <typeparam name="TResult">What the handler returns.</typeparam>
    /// <param name="handler">Receives the item's bytes, which are valid only during the call (no copy is made).</param>
    /// <param name="result">The handler's result, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if the handler ran and the item was removed; <see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The handler changed or disposed the queue.</exception>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the handler is not called.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPop<TResult>(Func<ReadOnlySpan<byte>, TResult> handler, [MaybeNullWhen(false)] out TResult result)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return TryPop(handler, static (item, h) => h(item), out result);
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with <paramref name="state"/> and the item at the head, and removes the item only if the
    /// handler returns normally (emmap <c>try_pop/2</c>); with a static lambda it allocates nothing.
    /// </summary>
    /// <typeparam name="TState">The state passed to the handler.</typeparam>
    /// <typeparam name="TResult">What the handler returns.</typeparam>
    /// <param name="state">Passed to the handler.</param>
    /// <param name="handler">Receives the item's bytes, valid only during the call, and the state.</param>
    /// <param name="result">The handler's result, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if the handler ran and the item was removed; <see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The handler changed or disposed the queue.</exception>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the handler is not called.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPop<TState, TResult>(TState state, Func<ReadOnlySpan<byte>, TState, TResult> handler, [MaybeNullWhen(false)] out TResult result)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var sink = new HandlerSink<TState, TResult>(state, handler);
        bool popped = PopCore(ref sink, purge: false);
        result = sink.Result;
        return popped;
    }

    /// <summary>
    /// Removes the item at the head and returns it; when that empties the queue, shrinks the file back to its initial size
    /// (emmap <c>pop_and_purge/1</c>).
    /// </summary>
    /// <returns>The item's bytes, or <see langword="null"/> when the queue was already empty (it is still purged).</returns>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the queue is unchanged.</exception>
    /// <exception cref="IOException">A durable flush failed; the item stays in the queue.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public byte[]? PopAndPurge()
    {
        var sink = new ArraySink();
        return PopCore(ref sink, purge: true) ? sink.Result : null;
    }

    /// <summary>
    /// Like <see cref="TryPop{TResult}(Func{ReadOnlySpan{byte}, TResult}, out TResult)"/>, and purges the queue when the item was the
    /// last one (emmap <c>try_pop_and_purge/2</c>).
    /// </summary>
    /// <typeparam name="TResult">What the handler returns.</typeparam>
    /// <param name="handler">Receives the item's bytes, valid only during the call.</param>
    /// <param name="result">The handler's result, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if the handler ran and the item was removed; <see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The handler changed or disposed the queue.</exception>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the handler is not called.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPopAndPurge<TResult>(Func<ReadOnlySpan<byte>, TResult> handler, [MaybeNullWhen(false)] out TResult result)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return TryPopAndPurge(handler, static (item, h) => h(item), out result);
    }

    /// <summary>
    /// Like <see cref="TryPop{TState, TResult}(TState, Func{ReadOnlySpan{byte}, TState, TResult}, out TResult)"/>, and purges the queue
    /// when the item was the last one (emmap <c>try_pop_and_purge/2</c>).
    /// </summary>
    /// <typeparam name="TState">The state passed to the handler.</typeparam>
    /// <typeparam name="TResult">What the handler returns.</typeparam>
    /// <param name="state">Passed to the handler.</param>
    /// <param name="handler">Receives the item's bytes, valid only during the call, and the state.</param>
    /// <param name="result">The handler's result, or the default when the queue is empty.</param>
    /// <returns><see langword="true"/> if the handler ran and the item was removed; <see langword="false"/> when the queue is empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The handler changed or disposed the queue.</exception>
    /// <exception cref="InvalidDataException">The head record fails its checksum; the handler is not called.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public bool TryPopAndPurge<TState, TResult>(TState state, Func<ReadOnlySpan<byte>, TState, TResult> handler, [MaybeNullWhen(false)] out TResult result)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var sink = new HandlerSink<TState, TResult>(state, handler);
        bool popped = PopCore(ref sink, purge: true);
        result = sink.Result;
        return popped;
    }

    /// <summary>
    /// Pops items from the head while <paramref name="folder"/> returns <see langword="true"/>, threading an accumulator through
    /// (emmap <c>pop/3</c>). When the folder returns <see langword="false"/>, that item stays in the queue. When the fold runs out of
    /// items, the queue is purged as emmap does; once the fold has popped an item, that purge never throws (the accumulator holds
    /// what the pops took), and in a <see cref="QueueOptions.MultiProcess"/> session count words the cursors contradict are
    /// reported through the damage word instead, as after <see cref="PopAndPurge"/>.
    /// </summary>
    /// <typeparam name="TAccumulate">The accumulator's type.</typeparam>
    /// <param name="seed">The initial accumulator.</param>
    /// <param name="folder">Receives each item, valid only during the call, and the accumulator; returns whether to pop it and go on.</param>
    /// <returns>The final accumulator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="folder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The folder changed or disposed the queue.</exception>
    /// <exception cref="InvalidDataException">A record fails its checksum; the items before it were popped.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>An exception from the folder propagates; the item it was called with stays in the queue, those before it were popped.</remarks>
    public TAccumulate PopWhile<TAccumulate>(TAccumulate seed, QueueFolder<TAccumulate> folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var sink = new FoldSink<TAccumulate>(folder, seed);
        bool popped = false;
        while (PopCore(ref sink, purge: false))
        {
            popped = true;
        }

        if (!sink.Halted)
        {
            try
            {
                Purge();
            }
            catch (Exception ex) when (popped && ex is InvalidDataException or IOException)
            {
                // The pops stand, and only the accumulator holds what they took. A purge only gives space back; counts the cursors
                // contradict have set the damage word already (the next open recounts).
            }
        }

        return sink.Accumulator;
    }

    private bool TryPopSlow(IBufferWriter<byte> destination)
    {
        var sink = new WriterSink(destination);
        return PopCore(ref sink, purge: false);
    }

    /// <summary>Pops into <paramref name="destination"/> and purges when that drains a queue that has grown (the thread-safe wrapper's dequeue).</summary>
    internal bool TryPopAndPurge(IBufferWriter<byte> destination)
    {
        var sink = new WriterSink(destination);
        return PopCore(ref sink, purge: true);
    }

    /// <summary>
    /// The general pop: finds the head item (committing the head past skip markers), checks it, hands it to
    /// <paramref name="sink"/>, and commits the pop only if the sink accepts it. Purges afterwards when asked and empty.
    /// </summary>
    private unsafe bool PopCore<TSink>(ref TSink sink, bool purge)
        where TSink : struct, IPopSink
    {
        ThrowIfCannotWrite();
        if (_multiProcess)
        {
            return SharedPopCore(ref sink, purge);
        }

        if (!LocateHead(out long phys, out uint length, out uint crc, out long size))
        {
            if (purge)
            {
                PurgeCore();
            }

            return false;
        }

        int version = _version;
        MappedAccess access = BeginRingAccess();
        bool accepted;
        try
        {
            // The sink checks the checksum and may call the caller's handler: either may throw.
            accepted = sink.Accept(new ReadOnlySpan<byte>(access.Pointer + phys + QueueLayout.RecordHeaderSize, (int)length), length, _head, crc, this, phys);
        }
        catch
        {
            access.EndUnchecked();
            throw;
        }

        if (_version != version || _state == StateDisposed)
        {
            // Looked at before the access ends: a handler that erased or purged a grown queue has shrunk the mapping, and one
            // that disposed the queue has closed it; either would otherwise be reported as a shrink by someone else. Reported
            // whether the sink took the item or not, as a peek reports it: the caller's code broke the rule either way.
            access.EndUnchecked();
            throw ChangedDuringPop();
        }

        _view.EndAccess(access);
        if (!accepted)
        {
            return false;
        }

        CrashPoints.Hit(CrashPoints.PopRead);
        long oldHead = _head;
        StoreHead(oldHead + size);
        CommittedPop(size);
        try
        {
            sink.Committed();
        }
        catch
        {
            PutBackAfterCallerFailed(oldHead, phys);
            throw;
        }

        if (purge)
        {
            PurgeAfterPop();
        }

        return true;
    }

    /// <summary>
    /// Purges after a committed pop if that left the queue empty. Never throws: the pop stands, and an exception would take its
    /// item from the caller. A count taken on trust is checked against the records here, and the recount's header write may
    /// fail; the queue in memory is right either way, and a crash before the next header write leads to a scanning open.
    /// </summary>
    private void PurgeAfterPop()
    {
        try
        {
            if (NoItems())
            {
                PurgeCore();
            }
        }
        catch (IOException)
        {
            // Purging only gives space back.
        }
    }

    /// <summary>
    /// Finds the first item from the head, committing the head past any skip markers on the way.
    /// Returns false when the queue holds no item.
    /// </summary>
    private unsafe bool LocateHead(out long phys, out uint length, out uint crc, out long size)
    {
        while (true)
        {
            phys = _headPhys;
            if (NoItems())
            {
                length = 0;
                crc = 0;
                size = 0;
                return false;
            }

            MappedAccess access = BeginRingAccess();
            RecordKind kind = ReadRecord(access.Pointer, _head, phys, _tail, _ringEnd, out length, out crc, out size);
            _view.EndAccess(access);
            if (kind == RecordKind.Item)
            {
                return true;
            }

            if (kind == RecordKind.Invalid)
            {
                throw Corrupt(_head, phys, "the head record's header does not check out");
            }

            long next = phys + size;
            SetHead(_head + size, next == _ringEnd ? QueueLayout.RingStart : next);
        }
    }

    /// <summary>Moves the committed head to <paramref name="head"/> without removing an item (past a marker, or onto the tail of an empty queue).</summary>
    private void SetHead(long head, long headPhys)
    {
        StoreHeadAny(head, items: 0);
        _head = head;
        _headPhys = headPhys;
        _version++;
    }

    private unsafe void StoreHead(long head)
    {
        MappedAccess access = _view.BeginAccess(QueueLayout.HeaderSize);
        Volatile.Write(ref *(long*)(access.Pointer + QueueLayout.HeadWordOffset), head);
        EndHeaderCommit(access, "move of the head");
    }

    /// <summary>Updates the in-memory state after the head word was stored past a record of <paramref name="size"/> bytes, then applies durability.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CommittedPop(long size)
    {
        CrashPoints.Hit(CrashPoints.PopCommitted);
        long oldHead = _head;
        long oldHeadPhys = _headPhys;
        _head = oldHead + size;
        long next = oldHeadPhys + size;
        _headPhys = next == _ringEnd ? QueueLayout.RingStart : next;
        _count--;
        _version++;
        if (_durability != QueueDurability.None)
        {
            PopDurably(size, oldHead, oldHeadPhys);
        }
    }

    /// <summary>Applies durability after a pop; if that fails, the item goes back to the head and the failure propagates.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PopDurably(long size, long oldHead, long oldHeadPhys)
    {
        try
        {
            AfterHeadMoved(size);
        }
        catch (ObjectDisposedException)
        {
            // The stream under the queue was disposed by another thread after the commit: the pop stands (see CutSpared).
        }
        catch (IOException)
        {
            // Not durable, so not acknowledged: the item goes back to the head.
            PutBack(oldHead, oldHeadPhys);
            throw;
        }
    }

    /// <summary>
    /// Puts the item just popped back at the head after the caller's code that was to receive it failed (a buffer writer's
    /// <see cref="IBufferWriter{T}.Advance"/>): the pop did not happen. Nothing else used the queue since its head moved, since
    /// a queue used by this process alone is used by one caller at a time. Under <see cref="QueueDurability.Always"/> the
    /// put-back is flushed as the pop was.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PutBackAfterCallerFailed(long oldHead, long oldHeadPhys)
    {
        PutBack(oldHead, oldHeadPhys);
        if (_durability == QueueDurability.Always)
        {
            try
            {
                SyncHeader();
            }
            catch (IOException)
            {
                // The caller's exception is the one to report. The put-back is in the file (every later open reads it), and the
                // next durable operation flushes the header with it.
            }
        }
    }

    /// <summary>Moves the head back to <paramref name="oldHead"/>, before the item a pop just committed.</summary>
    private void PutBack(long oldHead, long oldHeadPhys)
    {
        StoreHead(oldHead);
        _head = oldHead;
        _headPhys = oldHeadPhys;
        _count++;
        _version++;
    }

    /// <summary>
    /// Throws when caller's code called during a pop (a handler, a folder, a buffer writer) changed or disposed the queue since
    /// <paramref name="version"/>: the pop is not committed.
    /// </summary>
    private void ThrowIfChangedDuringPop(int version)
    {
        if (_version != version || _state == StateDisposed)
        {
            throw ChangedDuringPop();
        }
    }

    private static InvalidOperationException ChangedDuringPop() =>
        new("The queue was changed or disposed by the caller's code called during a pop; the pop was not committed.");

    /// <summary>Applies durability after the head word moved.</summary>
    private void AfterHeadMoved(long bytes)
    {
        if (_durability == QueueDurability.Always)
        {
            SyncHeader();
        }
        else if (_durability == QueueDurability.Batched)
        {
            NoteBatched(bytes);
        }
    }
}
