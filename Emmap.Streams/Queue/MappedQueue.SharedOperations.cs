using System;
using System.Buffers;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>
    /// A push in shared mode: under the tail lock, the record goes after the tail and one journaled store of the tail word
    /// commits it. When it does not fit where the tail is (a wrap into occupied space, growth, a drained queue to reposition),
    /// the head lock is taken too and the single-process logic runs with every cursor and count exact.
    /// </summary>
    private bool SharedPush(ReadOnlySpan<byte> item, long size, bool spaceErrorsAreFull)
    {
        EnterTail();
        try
        {
            CrashPoints.Hit(CrashPoints.SharedClaimed);
            ThrowIfPositionsExhausted();
            if (!FitsAtTail(size))
            {
                RefreshHead();
            }

            if (FitsAtTail(size))
            {
                CommitPushShared(_tailPhys, item, size, skip: 0);
                return true;
            }

            UpgradeToBoth();
            try
            {
                ThrowIfNeverFits(item.Length, size);
                return PushLoop(item, size, spaceErrorsAreFull);
            }
            finally
            {
                ExitHead();
            }
        }
        finally
        {
            ExitTail();
        }
    }

    private bool FitsAtTail(long size) => _tailPhys + size <= _ringEnd && _tail - _head + size <= _ringSize;

    /// <summary>
    /// Writes the record (after a skip marker when <paramref name="skip"/> is not 0) and commits it with a journaled store of
    /// the tail word (<see cref="StoreTailShared"/>). In <see cref="QueueDurability.Always"/> mode the record is flushed before
    /// the commit, so a failed flush leaves nothing committed.
    /// </summary>
    private unsafe void CommitPushShared(long phys, ReadOnlySpan<byte> item, long size, long skip)
    {
        long stamp = _tail;
        long markerPhys = phys;

        // The record's access ends (and is validated) before the commit: an error after the commit would report a push that happened.
        MappedAccess access = _view.BeginAccess();
        WriteRecord(access.Pointer, ref phys, ref stamp, item, skip);
        _view.EndAccess(access);
        if (_durability == QueueDurability.Always)
        {
            if (skip != 0)
            {
                _view.Sync(markerPhys, QueueLayout.RecordHeaderSize, wait: true);
            }

            _view.Sync(phys, size, wait: true);
        }

        long newTail = stamp + size;
        access = _view.BeginAccess();
        StoreTailShared(access.Pointer, newTail, _pushed + 1, stamp);
        EndHeaderAccess(access);
        CrashPoints.Hit(CrashPoints.PushCommitted);

        _tail = newTail;
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
        AfterSharedCommit(skip + size, "pushed");
    }

    /// <summary>
    /// The tail-side commit: journal (tail, pushed count, last item), then the tail word with a full fence (the commit, and
    /// the fence that pairs with a waiter's announcement), then the count and last item. A process killed anywhere in between
    /// is repaired by <see cref="RepairTail"/>. Wakes processes waiting for items.
    /// </summary>
    private unsafe void StoreTailShared(byte* b, long tail, long pushed, long last)
    {
        *(long*)(b + QueueLayout.JournalTailOffset) = tail;
        *(long*)(b + QueueLayout.JournalPushedOffset) = pushed;
        *(long*)(b + QueueLayout.JournalLastOffset) = last;
        CrashPoints.Hit(CrashPoints.SharedJournaled);
        Interlocked.Exchange(ref *(long*)(b + QueueLayout.TailWordOffset), tail);
        CrashPoints.Hit(CrashPoints.SharedCommitted);
        *(long*)(b + QueueLayout.PushedOffset) = pushed;
        *(long*)(b + QueueLayout.LastItemOffset) = last;
        _pushed = pushed;
        WakeWaiters(b, QueueLayout.ItemWaitersOffset);
    }

    /// <summary>The head-side commit: journal (head, popped count), the head word with a full fence, the count. Wakes processes waiting for space.</summary>
    private unsafe void StoreHeadShared(byte* b, long head, long popped)
    {
        *(long*)(b + QueueLayout.JournalHeadOffset) = head;
        *(long*)(b + QueueLayout.JournalPoppedOffset) = popped;
        CrashPoints.Hit(CrashPoints.SharedPopJournaled);
        Interlocked.Exchange(ref *(long*)(b + QueueLayout.HeadWordOffset), head);
        *(long*)(b + QueueLayout.PoppedOffset) = popped;
        _popped = popped;
        WakeWaiters(b, QueueLayout.SpaceWaitersOffset);
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
            catch (IOException ex)
            {
                throw new IOException(
                    $"The item was {what} and other processes may already see it, but flushing the queue '{_stream.Name}' failed, so it may not survive power loss: {ex.Message}",
                    ex);
            }
        }
    }

    /// <summary>
    /// A pop in shared mode: under the head lock, skips markers (committing the head past them), hands the item to
    /// <paramref name="sink"/>, and commits with a journaled store of the head word only if the sink accepts it. A handler
    /// runs while the lock is held, so a consumer killed inside it leaves the item to the next consumer.
    /// </summary>
    private bool SharedPopCore<TSink>(ref TSink sink, bool purge)
        where TSink : struct, IPopSink
    {
        bool popped;
        bool drained;
        EnterHead();
        try
        {
            CrashPoints.Hit(CrashPoints.SharedHeadClaimed);
            popped = SharedPopHeld(ref sink);
            drained = _head == _tail;
        }
        finally
        {
            ExitHead();
        }

        if (purge && drained)
        {
            PurgeIfGrownShared();
        }

        return popped;
    }

    private unsafe bool SharedPopHeld<TSink>(ref TSink sink)
        where TSink : struct, IPopSink
    {
        if (!SharedLocateHead(out long phys, out uint length, out uint crc, out long size))
        {
            return false;
        }

        int version = _version;
        MappedAccess access = _view.BeginAccess();
        ReadOnlySpan<byte> mapped = new(access.Pointer + phys + QueueLayout.RecordHeaderSize, (int)length);
        bool accepted = sink.Accept(mapped, length, _head, crc, this, phys);
        _view.EndAccess(access);
        if (!accepted)
        {
            return false;
        }

        if (_version != version || _state == StateDisposed)
        {
            throw new InvalidOperationException("The queue was changed or disposed by the handler called during a pop; the pop was not committed.");
        }

        CrashPoints.Hit(CrashPoints.PopRead);
        CommitPopShared(size);
        sink.Committed();
        AfterSharedCommit(size, "popped");
        return true;
    }

    private unsafe void CommitPopShared(long size)
    {
        MappedAccess access = _view.BeginAccess();
        StoreHeadShared(access.Pointer, _head + size, _popped + 1);
        EndHeaderAccess(access);
        CrashPoints.Hit(CrashPoints.PopCommitted);
        _head += size;
        long next = _headPhys + size;
        _headPhys = next == _ringEnd ? QueueLayout.RingStart : next;
        _count--;
        _version++;
    }

    /// <summary>Holding the head lock: finds the first item from the head, committing the head past markers. False when there is none.</summary>
    private unsafe bool SharedLocateHead(out long phys, out uint length, out uint crc, out long size)
    {
        while (true)
        {
            if (_head == _tail)
            {
                RefreshTail();
            }

            phys = _headPhys;
            if (_head == _tail)
            {
                length = 0;
                crc = 0;
                size = 0;
                return false;
            }

            MappedAccess access = _view.BeginAccess();
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

            StoreHeadAny(_head + size, items: 0);
            _head += size;
            long next = phys + size;
            _headPhys = next == _ringEnd ? QueueLayout.RingStart : next;
            _version++;
        }
    }

    /// <summary><see cref="PopInto"/> in shared mode.</summary>
    private unsafe OperationStatus SharedPopInto(Span<byte> destination, out int bytesWritten)
    {
        EnterHead();
        try
        {
            if (!SharedLocateHead(out long phys, out uint length, out uint crc, out long size))
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
            MappedAccess access = _view.BeginAccess();
            new ReadOnlySpan<byte>(access.Pointer + phys + QueueLayout.RecordHeaderSize, (int)length).CopyTo(target);
            _view.EndAccess(access);
            if (QueueChecksum.Record(length, _head, target) != crc)
            {
                throw Corrupt(_head, phys, "the item's checksum does not match");
            }

            CrashPoints.Hit(CrashPoints.PopRead);
            CommitPopShared(size);
            AfterSharedCommit(size, "popped");
            bytesWritten = (int)length;
            return OperationStatus.Done;
        }
        finally
        {
            ExitHead();
        }
    }

    /// <summary>
    /// After a pop drained the queue (as far as the head lock could see): purges it if that gives space back. Checked against
    /// this process's copy of the geometry first, so a queue at its initial size never takes the second lock for it.
    /// </summary>
    private void PurgeIfGrownShared()
    {
        if (_slot.FileSize <= _slot.InitialSize && _view.CachedLength <= _slot.FileSize)
        {
            return;
        }

        EnterBoth(reentrancyChecked: true);
        try
        {
            if (_count == 0)
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
    private static unsafe void WakeWaiters(byte* b, int flagOffset)
    {
        ref int flag = ref *(int*)(b + flagOffset);
        if (Volatile.Read(ref flag) != 0 && Interlocked.Exchange(ref flag, 0) != 0)
        {
            uint* word = (uint*)(b + QueueLayout.EventOffset);
            Interlocked.Increment(ref *word);
            _ = Futex.WakeAll(word);
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
