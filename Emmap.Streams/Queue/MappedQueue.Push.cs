using System;
using System.Buffers;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>Appends <paramref name="item"/> at the tail (emmap <c>push/2</c>), growing the file if it does not fit.</summary>
    /// <param name="item">The item's bytes; an empty item is allowed.</param>
    /// <exception cref="QueueFullException">The queue is fixed-size and the item does not fit in its free space; nothing was written.</exception>
    /// <exception cref="ArgumentException">The queue is fixed-size and the item is larger than its whole ring, so it could never fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The item is longer than 2,147,483,591 bytes (0x7FFFFFC7), the most one record holds; nothing was written.</exception>
    /// <exception cref="IOException">Growing the file failed (for example, the disk is full), or a durable flush failed; nothing was pushed.
    /// A growth made for the item before its flush failed stays (the items may already lie in the grown ring); a purge of the
    /// drained queue gives the space back. In a <see cref="QueueOptions.MultiProcess"/> session a flush that fails after the
    /// commit is reported too, and its message says the item was pushed: other processes may already have seen it.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    /// <remarks>The record is written and then committed with one 8-byte store, so a crash at any point leaves the queue either
    /// without the item or with all of it. Constant time and no allocation, except when the file grows.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Push(ReadOnlySpan<byte> item)
    {
        var payload = new SpanPayload(item);
        if (!TryPushCore(ref payload, spaceErrorsAreFull: false))
        {
            ThrowFull(item.Length);
        }
    }

    /// <summary>Appends <paramref name="item"/> at the tail if there is room, growing the file if needed and allowed.</summary>
    /// <param name="item">The item's bytes.</param>
    /// <returns><see langword="true"/> if the item was pushed; <see langword="false"/> if it does not fit (a fixed-size queue is full,
    /// or the disk has no space to grow the file).</returns>
    /// <exception cref="ArgumentException">The queue is fixed-size and the item is larger than its whole ring.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The item is longer than 2,147,483,591 bytes (0x7FFFFFC7), the most one record holds; nothing was written.</exception>
    /// <exception cref="IOException">An I/O error other than a lack of space; nothing was pushed.</exception>
    /// <exception cref="NotSupportedException">The queue is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryPush(ReadOnlySpan<byte> item)
    {
        var payload = new SpanPayload(item);
        return TryPushCore(ref payload, spaceErrorsAreFull: true);
    }

    /// <summary>
    /// As <see cref="TryPush(ReadOnlySpan{byte})"/>, except that a disk with no space to grow the file is the
    /// <see cref="IOException"/> <see cref="Push(ReadOnlySpan{byte})"/> throws: <see langword="false"/> means only that the
    /// queue is fixed-size and full, which a pop can change. For the waiting enqueues.
    /// </summary>
    internal bool TryPushOrThrowNoSpace(ReadOnlySpan<byte> item)
    {
        var payload = new SpanPayload(item);
        return TryPushCore(ref payload, spaceErrorsAreFull: false);
    }

    /// <summary>Appends the bytes of <paramref name="item"/>, a sequence of buffers, as one item: each buffer is copied straight into the record.</summary>
    /// <exception cref="QueueFullException">The queue is fixed-size and the item does not fit.</exception>
    internal void Push(in ReadOnlySequence<byte> item)
    {
        if (item.IsSingleSegment)
        {
            Push(item.FirstSpan);
            return;
        }

        var payload = new SequencePayload(item);
        if (!TryPushCore(ref payload, spaceErrorsAreFull: false))
        {
            ThrowFull(payload.Length);
        }
    }

    /// <summary>Appends the bytes of <paramref name="item"/> as one item if there is room (see <see cref="TryPush(ReadOnlySpan{byte})"/>).</summary>
    internal bool TryPush(in ReadOnlySequence<byte> item)
    {
        if (item.IsSingleSegment)
        {
            return TryPush(item.FirstSpan);
        }

        var payload = new SequencePayload(item);
        return TryPushCore(ref payload, spaceErrorsAreFull: true);
    }

    private bool TryPushCore<TPayload>(scoped ref TPayload item, bool spaceErrorsAreFull)
        where TPayload : IPushPayload, allows ref struct
    {
        long size = QueueLayout.RecordSize(item.Length);
        long tailPhys = _tailPhys;
        if (_state == StateOpen && tailPhys + size <= _pushEnd && _tail - _head + size <= _ringSize && item.Length <= QueueLayout.MaxItemLength)
        {
            CommitPush(tailPhys, ref item, size, skip: 0);
            return true;
        }

        return PushSlow(ref item, spaceErrorsAreFull);
    }

    private bool PushSlow<TPayload>(scoped ref TPayload item, bool spaceErrorsAreFull)
        where TPayload : IPushPayload, allows ref struct
    {
        ThrowIfCannotWrite();
        if (item.Length > QueueLayout.MaxItemLength)
        {
            throw new ArgumentOutOfRangeException(nameof(item), item.Length, $"An item holds at most {QueueLayout.MaxItemLength} bytes.");
        }

        long size = QueueLayout.RecordSize(item.Length);
        if (_multiProcess)
        {
            return SharedPush(ref item, size, spaceErrorsAreFull);
        }

        ThrowIfPositionsExhausted();
        ThrowIfNeverFits(item.Length, size);

        // Before anything changes: a growth would extend a file shrunk under the ring, with zeros for the records it cut.
        _view.ThrowIfShorterThan(_ringEnd);
        return PushLoop(ref item, size, spaceErrorsAreFull);
    }

    /// <summary>
    /// Pushes when the fast path could not: drops a lone marker, repositions a drained queue, wraps with a marker, or grows.
    /// In shared mode it runs holding both locks, with every cursor and count exact.
    /// </summary>
    private bool PushLoop<TPayload>(scoped ref TPayload item, long size, bool spaceErrorsAreFull)
        where TPayload : IPushPayload, allows ref struct
    {
        while (true)
        {
            if (_head != _tail && NoItems())
            {
                // Only a skip marker is left between the cursors: drop it, so the whole ring is free.
                SetHead(_tail, _tailPhys);
            }

            long used = _tail - _head;
            long tailPhys = _tailPhys;
            if (tailPhys + size <= _ringEnd)
            {
                if (used + size <= _ringSize)
                {
                    CommitPushAny(tailPhys, ref item, size, skip: 0);
                    return true;
                }
            }
            else if (size <= _ringSize && NoItems())
            {
                Reposition();
                continue;
            }
            else
            {
                long skip = _ringEnd - tailPhys;
                if (used + skip + size <= _ringSize)
                {
                    CommitPushAny(tailPhys, ref item, size, skip);
                    return true;
                }
            }

            try
            {
                if (!TryGrow(size))
                {
                    return false;
                }
            }
            catch (IOException ex) when (spaceErrorsAreFull && NativeErrors.IsNoSpace(ex))
            {
                return false;
            }
        }
    }

    private void CommitPushAny<TPayload>(long phys, scoped ref TPayload item, long size, long skip)
        where TPayload : IPushPayload, allows ref struct
    {
        if (_multiProcess)
        {
            CommitPushShared(phys, ref item, size, skip);
        }
        else
        {
            CommitPush(phys, ref item, size, skip);
        }
    }

    /// <summary>
    /// Writes the record at <paramref name="phys"/> with stamp <paramref name="stamp"/>, after a skip marker when
    /// <paramref name="skip"/> is not 0 (the record then goes to the ring start, and both are updated to where it went).
    /// Commits nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteRecord<TPayload>(byte* b, ref long phys, ref long stamp, scoped ref TPayload item, long skip)
        where TPayload : IPushPayload, allows ref struct
    {
        if (skip != 0)
        {
            uint field = MarkerField(skip);
            *(long*)(b + phys + 8) = stamp;
            *(ulong*)(b + phys) = field | ((ulong)QueueChecksum.Record(field, stamp, default) << 32);
            CrashPoints.Hit(CrashPoints.WrapMarker);
            phys = QueueLayout.RingStart;
            stamp += skip;
        }

        byte* record = b + phys;
        var written = new Span<byte>(record + QueueLayout.RecordHeaderSize, item.Length);
        item.CopyTo(written);
        CrashPoints.Hit(CrashPoints.PushPayload);
        uint length = (uint)item.Length;
        *(long*)(record + 8) = stamp;
        *(ulong*)record = length | ((ulong)item.Checksum(length, stamp, written) << 32);
        CrashPoints.Hit(CrashPoints.PushHeader);
    }

    /// <summary>
    /// Writes the record (after a skip marker when <paramref name="skip"/> is not 0, in which case the record goes to the
    /// ring start) and commits it with one release store of the tail word.
    /// </summary>
    private unsafe void CommitPush<TPayload>(long phys, scoped ref TPayload item, long size, long skip)
        where TPayload : IPushPayload, allows ref struct
    {
        long stamp = _tail;
        long markerPhys = phys;
        MappedAccess access = BeginRingAccess();
        byte* b = access.Pointer;
        WriteRecord(b, ref phys, ref stamp, ref item, skip);
        long newTail = stamp + size;
        Volatile.Write(ref *(long*)(b + QueueLayout.TailWordOffset), newTail);
        if (!EndCommit(access, Math.Max(markerPhys + QueueLayout.RecordHeaderSize, phys + size)))
        {
            UndoCutPush(_tail);
        }

        CrashPoints.Hit(CrashPoints.PushCommitted);

        long oldTail = _tail;
        long oldTailPhys = _tailPhys;
        long oldLast = _lastPos;
        _tail = newTail;
        long next = phys + size;
        if (next == _ringEnd)
        {
            // A lap ends here: the one place, with the slow path, where the tail's bound is checked.
            next = QueueLayout.RingStart;
            UpdatePushEnd();
        }

        _tailPhys = next;
        _lastPos = stamp;
        _count++;
        _version++;
        if (_durability != QueueDurability.None)
        {
            AfterPush(oldTail, oldTailPhys, oldLast, markerPhys, skip, phys, size);
        }
    }

    private void AfterPush(long oldTail, long oldTailPhys, long oldLast, long markerPhys, long skip, long phys, long size)
    {
        if (_durability == QueueDurability.Batched)
        {
            NoteBatched(skip + size);
            return;
        }

        try
        {
            if (skip != 0)
            {
                _view.Sync(markerPhys, QueueLayout.RecordHeaderSize, wait: true);
            }

            _view.Sync(phys, size, wait: true);
            SyncHeader();
        }
        catch (ObjectDisposedException)
        {
            // The stream under the queue was disposed by another thread after the commit: the push stands (see CutSpared),
            // and nothing can be flushed or taken back through a closed stream.
        }
        catch (IOException)
        {
            // Not durable, so not acknowledged: take the item back out before reporting the failure.
            StoreTail(oldTail);
            _tail = oldTail;
            _tailPhys = oldTailPhys;
            UpdatePushEnd();
            _lastPos = oldLast;
            _count--;
            _version++;
            throw;
        }
    }

    /// <summary>
    /// Moves both cursors of an empty queue to the next lap (the ring start), when the next record does not fit before the ring's
    /// end, or when the queue is purged. The tail moves first, past a skip marker, so every intermediate state is a valid empty queue.
    /// </summary>
    private unsafe void Reposition()
    {
        long skip = _ringEnd - _tailPhys;
        long next = _tail + skip;
        uint field = MarkerField(skip);
        MappedAccess access = _view.BeginAccess();
        byte* b = access.Pointer;
        byte* marker = b + _tailPhys;
        *(long*)(marker + 8) = _tail;
        *(ulong*)marker = field | ((ulong)QueueChecksum.Record(field, _tail, default) << 32);
        if (_multiProcess)
        {
            // Holding both locks: each side's commit journaled, so a process killed between them leaves a marker to skip.
            StoreTailShared(b, next, _pushed, _lastPos);
            CrashPoints.Hit(CrashPoints.WrapReposition);
            StoreHeadShared(b, next, _popped);
        }
        else
        {
            Volatile.Write(ref *(long*)(b + QueueLayout.TailWordOffset), next);
            CrashPoints.Hit(CrashPoints.WrapReposition);
            Volatile.Write(ref *(long*)(b + QueueLayout.HeadWordOffset), next);
        }

        // Either cursor state is an empty queue, so only a cut of the header words undoes the move.
        EndHeaderCommit(access, "move of the empty queue's cursors");

        _head = next;
        _tail = next;
        _headPhys = QueueLayout.RingStart;
        _tailPhys = QueueLayout.RingStart;
        UpdatePushEnd();
        _version++;

        // No flush, even in durable modes: the queue is empty before and after, so either state is right after power loss.
    }

    /// <summary>Sets the push fast path's end: the ring's end while the tail is within <see cref="QueueLayout.MaxPosition"/>, else 0.</summary>
    private void UpdatePushEnd() => _pushEnd = _tail > QueueLayout.MaxPosition ? 0 : _ringEnd;

    private unsafe void StoreTail(long tail)
    {
        MappedAccess access = _view.BeginAccess(QueueLayout.HeaderSize);
        Volatile.Write(ref *(long*)(access.Pointer + QueueLayout.TailWordOffset), tail);
        EndHeaderCommit(access, "move of the tail");
    }

    private void ThrowFull(int length) =>
        throw new QueueFullException(
            $"The fixed-size queue '{_stream.Name}' is full: an item of {length} bytes needs {QueueLayout.RecordSize(length)} bytes of ring " +
            $"and {_ringSize - (_tail - _head)} of {_ringSize} are free (emmap {{error, full}}).");

    private void ThrowIfCannotWrite()
    {
        int state = Volatile.Read(ref _state);
        if (state is StateOpen or StateShared)
        {
            return;
        }

        if (state == StateDisposed)
        {
            ThrowDisposed();
        }

        if (state == StateReadOnly)
        {
            throw new NotSupportedException($"The queue '{_stream.Name}' was opened read-only (QueueOptions.ReadOnly).");
        }

        ReportBatchFailure();
    }
}
