using System;
using System.Buffers;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>
    /// A push in shared mode: under the tail lock, the record goes after the tail and one journaled store of the tail word
    /// commits it, all within one access to the mapping. When it does not fit where the tail is (a wrap into occupied space,
    /// growth, a drained queue to reposition), the head lock is taken too and the single-process logic runs with every cursor
    /// and count exact.
    /// </summary>
    private unsafe bool SharedPush<TPayload>(scoped ref TPayload item, long size, bool spaceErrorsAreFull)
        where TPayload : IPushPayload, allows ref struct
    {
        ThrowIfReentered();
        MappedAccess access = _view.BeginAccess();
        byte* b = access.Pointer;
        if (LockWord(b, QueueLayout.TailLockOffset))
        {
            RepairTail(b);
        }

        _heldLocks |= TailLockHeld;
        bool committed = false;
        bool open = true;
        try
        {
            if (GeometryMoved(b))
            {
                // Another process grew the queue: map the new geometry in a new access (the old region stays mapped).
                EndHeaderAccess(access);
                open = false;
                SyncGeometry();
                access = _view.BeginAccess();
                b = access.Pointer;
                open = true;
            }

            SyncTailSide(b);
            CrashPoints.Hit(CrashPoints.SharedClaimed);
            ThrowIfPositionsExhausted();
            if (!FitsAtTail(size))
            {
                RefreshHead(b);
            }

            if (!FitsAtTail(size))
            {
                UpgradeToBoth();
                try
                {
                    ThrowIfNeverFits(item.Length, size);
                    return PushLoop(ref item, size, spaceErrorsAreFull);
                }
                finally
                {
                    ExitHead();
                }
            }

            if (_durability == QueueDurability.Always)
            {
                CommitPushShared(_tailPhys, ref item, size, skip: 0);
                return true;
            }

            long stamp = _tail;
            long phys = _tailPhys;
            WriteRecord(b, ref phys, ref stamp, ref item, skip: 0);

            // The record must have reached the file before it is committed (no cut of its pages meanwhile).
            _view.CheckAccess(access);
            StoreTailShared(b, stamp + size, _pushed + 1, stamp);
            CrashPoints.Hit(CrashPoints.PushCommitted);
            AdvanceTail(phys, size, stamp);
            committed = true;
            return true;
        }
        finally
        {
            _heldLocks &= ~TailLockHeld;
            UnlockWord(b, QueueLayout.TailLockOffset);
            if (open)
            {
                EndHeaderAccess(access);
            }
            if (committed && _durability == QueueDurability.Batched)
            {
                NoteBatched(size);
            }
        }
    }

    private bool FitsAtTail(long size) => _tailPhys + size <= _ringEnd && _tail - _head + size <= _ringSize;

    /// <summary>
    /// Writes the record (after a skip marker when <paramref name="skip"/> is not 0) and commits it with a journaled store of
    /// the tail word (<see cref="StoreTailShared"/>). In <see cref="QueueDurability.Always"/> mode the record is flushed before
    /// the commit, so a failed flush leaves nothing committed.
    /// </summary>
    private unsafe void CommitPushShared<TPayload>(long phys, scoped ref TPayload item, long size, long skip)
        where TPayload : IPushPayload, allows ref struct
    {
        long stamp = _tail;
        long markerPhys = phys;

        // The record's access ends (and is validated) before the commit: an error after the commit would report a push that happened.
        MappedAccess access = _view.BeginAccess();
        WriteRecord(access.Pointer, ref phys, ref stamp, ref item, skip);
        _view.EndAccess(access);
        if (_durability == QueueDurability.Always)
        {
            if (skip != 0)
            {
                _view.Sync(markerPhys, QueueLayout.RecordHeaderSize, wait: true);
            }

            _view.Sync(phys, size, wait: true);
        }

        access = _view.BeginAccess();
        StoreTailShared(access.Pointer, stamp + size, _pushed + 1, stamp);
        EndHeaderAccess(access);
        CrashPoints.Hit(CrashPoints.PushCommitted);
        AdvanceTail(phys, size, stamp);
        AfterSharedCommit(skip + size, "pushed");
    }

    /// <summary>The in-memory side of a committed push of a record of <paramref name="size"/> bytes at <paramref name="phys"/>.</summary>
    private void AdvanceTail(long phys, long size, long stamp)
    {
        _tail = stamp + size;
        long next = phys + size;
        if (next == _ringEnd)
        {
            next = QueueLayout.RingStart;
            UpdatePushEnd();
        }

        _tailPhys = next;
        _lastPos = stamp;
        _count++;
        _version++;
    }

    /// <summary>
    /// The tail-side commit: journal (tail, pushed count, last item), then the tail word (a release store: the commit), then the
    /// count and last item. A process killed anywhere in between is repaired by <see cref="RepairTail"/>. Processes waiting for
    /// items are woken after the lock's release (<see cref="UnlockWord"/>), whose full fence orders this store before the check
    /// of their flag.
    /// </summary>
    private unsafe void StoreTailShared(byte* b, long tail, long pushed, long last)
    {
        *(long*)(b + QueueLayout.JournalTailOffset) = tail;
        *(long*)(b + QueueLayout.JournalPushedOffset) = pushed;
        *(long*)(b + QueueLayout.JournalLastOffset) = last;
        CrashPoints.Hit(CrashPoints.SharedJournaled);
        Volatile.Write(ref *(long*)(b + QueueLayout.TailWordOffset), tail);
        CrashPoints.Hit(CrashPoints.SharedCommitted);
        *(long*)(b + QueueLayout.PushedOffset) = pushed;
        *(long*)(b + QueueLayout.LastItemOffset) = last;
        _pushed = pushed;
        _wakeItemWaiters = true;
    }

    /// <summary>
    /// The head-side commit: journal (head, popped count), the head word (a release store: the commit), the count. Processes
    /// waiting for space are woken after the lock's release.
    /// </summary>
    private unsafe void StoreHeadShared(byte* b, long head, long popped)
    {
        *(long*)(b + QueueLayout.JournalHeadOffset) = head;
        *(long*)(b + QueueLayout.JournalPoppedOffset) = popped;
        CrashPoints.Hit(CrashPoints.SharedPopJournaled);
        Volatile.Write(ref *(long*)(b + QueueLayout.HeadWordOffset), head);
        *(long*)(b + QueueLayout.PoppedOffset) = popped;
        _popped = popped;
        _wakeSpaceWaiters = true;
    }

    /// <summary>Moves the head word (journaled in shared mode), removing <paramref name="items"/> items.</summary>
    private unsafe void StoreHeadAny(long head, long items)
    {
        if (!_multiProcess)
        {
            StoreHead(head);
            return;
        }

        MappedAccess access = _view.BeginAccess();
        StoreHeadShared(access.Pointer, head, _popped + items);
        EndHeaderAccess(access);
    }

    /// <summary>
    /// Durability after a shared commit. <see cref="QueueDurability.Always"/>: the header is flushed; other processes may already
    /// have acted on the commit, so a failure cannot be undone as in single-process mode, and is reported as such.
    /// </summary>
    private void AfterSharedCommit(long bytes, string what)
    {
        if (_durability == QueueDurability.Batched)
        {
            NoteBatched(bytes);
        }
        else if (_durability == QueueDurability.Always)
        {
            try
            {
                SyncHeader();
            }
            catch (ObjectDisposedException)
            {
                // The stream under the queue was disposed by another thread after the commit: the operation stands.
            }
            catch (IOException ex)
            {
                throw new IOException(
                    $"The item was {what} and other processes may already see it, but flushing the queue '{_stream.Name}' failed, so it may not survive power loss: {ex.Message}",
                    ex);
            }
        }
    }

    /// <summary>
    /// A pop in shared mode, within one access to the mapping: under the head lock, skips markers (committing the head past
    /// them), hands the item to <paramref name="sink"/>, and commits with a journaled store of the head word only if the sink
    /// accepts it. A handler runs while the lock is held, so a consumer killed inside it leaves the item to the next consumer.
    /// </summary>
    private unsafe bool SharedPopCore<TSink>(ref TSink sink, bool purge)
        where TSink : struct, IPopSink, allows ref struct
    {
        ThrowIfReentered();
        MappedAccess access = _view.BeginAccess();
        byte* b = access.Pointer;

        // Empty without taking the lock: this instance's head is at most the real head, which is at most the tail; so a tail
        // equal to it means head and tail were equal when the tail was read. A consumer polling an empty queue then costs one
        // load of the producers' line and no store at all.
        if (Volatile.Read(ref *(long*)(b + QueueLayout.TailWordOffset)) == _head && _heldLocks == 0)
        {
            EndHeaderAccess(access);
            if (purge)
            {
                PurgeIfGrownShared();
            }

            return false;
        }

        if (LockWord(b, QueueLayout.HeadLockOffset))
        {
            RepairHead(b);
        }

        _heldLocks |= HeadLockHeld;
        long popped = 0;
        bool drained;
        bool open = true;
        try
        {
            if (GeometryMoved(b))
            {
                // Another process grew the queue: map the new geometry in a new access (the old region stays mapped).
                EndHeaderAccess(access);
                open = false;
                SyncGeometry();
                access = _view.BeginAccess();
                b = access.Pointer;
                open = true;
            }

            SyncHeadSide(b);
            CrashPoints.Hit(CrashPoints.SharedHeadClaimed);
            while (true)
            {
                if (_head == _tail)
                {
                    RefreshTail(b);
                    if (_head == _tail)
                    {
                        break;
                    }
                }

                long phys = _headPhys;
                RecordKind kind = ReadRecord(b, _head, phys, _tail, _ringEnd, out uint length, out uint crc, out long size);
                if (kind == RecordKind.Invalid)
                {
                    _view.CheckAccess(access);
                    throw Corrupt(_head, phys, "the head record's header does not check out");
                }

                bool accepted = true;
                if (kind == RecordKind.Item)
                {
                    int version = _version;
                    accepted = sink.Accept(new ReadOnlySpan<byte>(b + phys + QueueLayout.RecordHeaderSize, (int)length), length, _head, crc, this, phys);
                    if (accepted)
                    {
                        ThrowIfChangedDuringPop(version);
                    }
                }

                // What was read is validated before anything is committed on its strength. The access stays open for the
                // commit and the next record; the finally ends it once.
                _view.CheckAccess(access);
                if (!accepted)
                {
                    break;
                }

                if (kind == RecordKind.Marker)
                {
                    StoreHeadShared(b, _head + size, _popped);
                }
                else
                {
                    // The item is handed over before the head moves: once it has, a producer may write over the record, so the pop
                    // could not be taken back if the caller's writer threw.
                    sink.Committed();
                    CrashPoints.Hit(CrashPoints.PopRead);
                    StoreHeadShared(b, _head + size, _popped + 1);
                    CrashPoints.Hit(CrashPoints.PopCommitted);
                    popped = size;
                    _count--;
                }

                _head += size;
                long next = phys + size;
                _headPhys = next == _ringEnd ? QueueLayout.RingStart : next;
                _version++;
                if (popped != 0)
                {
                    break;
                }
            }

            drained = _head == _tail;
        }
        finally
        {
            _heldLocks &= ~HeadLockHeld;
            UnlockWord(b, QueueLayout.HeadLockOffset);
            if (open)
            {
                EndHeaderAccess(access);
            }
        }

        if (popped != 0)
        {
            AfterSharedCommit(popped, "popped");
        }

        if (purge && drained)
        {
            PurgeIfGrownShared();
        }

        return popped != 0;
    }

    /// <summary><see cref="PopInto"/> in shared mode: the pop core with a sink that copies into the caller's span if it fits.</summary>
    private OperationStatus SharedPopInto(Span<byte> destination, out int bytesWritten)
    {
        var sink = new SpanSink(destination);
        if (SharedPopCore(ref sink, purge: false))
        {
            bytesWritten = sink.Written;
            return OperationStatus.Done;
        }

        bytesWritten = sink.Needed;
        return sink.Needed > 0 ? OperationStatus.DestinationTooSmall : OperationStatus.NeedMoreData;
    }

    /// <summary>
    /// After a pop drained the queue (as far as the head lock could see): purges it if that gives space back. Checked against
    /// this process's copy of the geometry first, so a queue at its initial size never takes the second lock for it. Never
    /// throws: it follows a committed pop, whose item an exception would take from the caller, and a purge only gives space
    /// back. Words the cursors contradict are reported through the damage word instead.
    /// </summary>
    private void PurgeIfGrownShared()
    {
        if (_slot.FileSize <= _slot.InitialSize && _view.CachedLength <= _slot.FileSize)
        {
            return;
        }

        try
        {
            EnterBoth(reentrancyChecked: true);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // Counts the cursors contradict (the damage word is set) or a geometry that could not be mapped: no purge.
            return;
        }

        try
        {
            // After a committed pop: a count the records contradict is reported through the damage word, never thrown, so
            // the pop stands.
            if (SharedCountContradicted())
            {
                WithdrawTrust();
            }
            else if (_count == 0)
            {
                PurgeCore();
            }
        }
        finally
        {
            ExitBoth();
        }
    }

    /// <summary>Purges only if the queue is empty and has grown; for the thread-safe wrapper's dequeues.</summary>
    internal void PurgeIfDrained()
    {
        if (_multiProcess)
        {
            PurgeIfGrownShared();
        }
        else if (_count == 0)
        {
            Purge();
        }
    }

    /// <summary>Wakes processes sleeping on the event word if the flag at <paramref name="flagOffset"/> says some wait.</summary>
    private unsafe void WakeWaiters(byte* b, int flagOffset)
    {
        ref int flag = ref *(int*)(b + flagOffset);
        if (Volatile.Read(ref flag) != 0 && Interlocked.Exchange(ref flag, 0) != 0)
        {
            uint* word = (uint*)(b + QueueLayout.EventOffset);
            Interlocked.Increment(ref *word);
            _waits!.WakeAll(EventWaitSlot, word);
        }
    }

    private void ThrowIfPositionsExhausted()
    {
        if (_tail > QueueLayout.MaxPosition)
        {
            throw new IOException(
                $"The queue '{_stream.Name}' has used up its position space ({QueueLayout.MaxPosition} bytes pushed through it) and takes no more " +
                "pushes; its items still pop. Move them to a new queue.");
        }
    }

    private void ThrowIfNeverFits(int item, long size)
    {
        if (_fixedSize && size > _ringSize)
        {
            throw new ArgumentException(
                $"An item of {item} bytes needs {size} bytes of ring, but this fixed-size queue's ring holds {_ringSize}: it can never fit.",
                nameof(item));
        }
    }
}
