using System;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    private const int TailLockHeld = 1;
    private const int HeadLockHeld = 2;

    // Set in a lock word while other processes sleep on it, so the release wakes one.
    private const long LockWaitersBit = 1L << 31;

    // A sleeping waiter wakes this often to see whether the holder still lives (docs/queue-format.md, "A killed participant").
    private const int HolderCheckMilliseconds = 1;

    // Spins before sleeping: a push or pop holds a lock for well under a microsecond.
    private const int LockSpins = 40;

    /// <summary>
    /// Takes the tail lock (producers' side) and synchronises the tail side: the tail, the pushed count and the last item are
    /// exact; the head is a lower bound (more space may be free than it says).
    /// </summary>
    private unsafe void EnterTail()
    {
        ThrowIfReentered();
        MappedAccess access = _view.BeginAccess();
        if (LockWord(access.Pointer, QueueLayout.TailLockOffset))
        {
            RepairTail(access.Pointer);
        }

        _heldLocks |= TailLockHeld;
        EndHeaderAccess(access);
        try
        {
            SyncGeometry();
            access = _view.BeginAccess();
            SyncTailSide(access.Pointer);
            EndHeaderAccess(access);
        }
        catch
        {
            ExitTail();
            throw;
        }
    }

    /// <summary>
    /// Takes the head lock (consumers' side) and synchronises the head side: the head and the popped count are exact; the tail
    /// is a lower bound (more items may be there than it says). May be called holding the tail lock, never the other way round.
    /// </summary>
    private unsafe void EnterHead(bool reentrancyChecked = true)
    {
        if (reentrancyChecked)
        {
            ThrowIfReentered();
        }

        MappedAccess access = _view.BeginAccess();
        if (LockWord(access.Pointer, QueueLayout.HeadLockOffset))
        {
            RepairHead(access.Pointer);
        }

        _heldLocks |= HeadLockHeld;
        EndHeaderAccess(access);
        try
        {
            SyncGeometry();
            access = _view.BeginAccess();
            SyncHeadSide(access.Pointer);
            EndHeaderAccess(access);
        }
        catch
        {
            ExitHead();
            throw;
        }
    }

    /// <summary>Takes both locks, tail first (the one order, so no two processes deadlock): everything is exact, including the count.</summary>
    private void EnterBoth(bool reentrancyChecked)
    {
        if (reentrancyChecked)
        {
            ThrowIfReentered();
        }

        EnterTail();
        try
        {
            UpgradeToBoth();
        }
        catch
        {
            ExitTail();
            throw;
        }
    }

    /// <summary>Holding the tail lock, takes the head lock too and computes the exact count.</summary>
    private void UpgradeToBoth()
    {
        EnterHead(reentrancyChecked: false);
        _count = _pushed - _popped;
        if (_count < 0 || _count > (_tail - _head) / QueueLayout.RecordAlignment)
        {
            WithdrawTrust();
            ExitHead();
            throw new InvalidDataException(
                $"The queue '{_stream.Name}' is damaged: its shared counts ({_pushed} pushed, {_popped} popped) disagree with its cursors " +
                $"(head {_head}, tail {_tail}). Close it in every process; the next open recounts its items.");
        }
    }

    private unsafe void ExitTail()
    {
        _heldLocks &= ~TailLockHeld;
        MappedAccess access = _view.BeginAccess();
        UnlockWord(access.Pointer, QueueLayout.TailLockOffset);
        EndHeaderAccess(access);
    }

    private unsafe void ExitHead()
    {
        _heldLocks &= ~HeadLockHeld;
        MappedAccess access = _view.BeginAccess();
        UnlockWord(access.Pointer, QueueLayout.HeadLockOffset);
        EndHeaderAccess(access);
    }

    private void ExitBoth()
    {
        ExitHead();
        ExitTail();
    }

    /// <summary>
    /// A handler or folder called back into the queue while this process holds its locks: taking them again would deadlock,
    /// and taking the tail lock after the head lock could deadlock with another process.
    /// </summary>
    private void ThrowIfReentered()
    {
        if (_heldLocks != 0)
        {
            throw new InvalidOperationException(
                "A handler or folder called back into a shared queue while the queue holds its locks; the operation was not committed.");
        }
    }

    /// <summary>
    /// Takes the lock word at <paramref name="offset"/> of the header at <paramref name="b"/>: free (0) or held by a process that
    /// died, it is taken with one compare-and-swap; held by a live process, this thread spins briefly, then sleeps on the word (a
    /// futex), waking when the holder releases it or every <see cref="HolderCheckMilliseconds"/> to see whether the holder still
    /// lives. Returns true if the lock was taken over from a dead holder, whose operation the caller must then repair.
    /// </summary>
    private unsafe bool LockWord(byte* b, int offset)
    {
        long* word = (long*)(b + offset);
        return Interlocked.CompareExchange(ref *word, _stamp, 0) != 0 && AcquireContended(word, WaitSlotOf(offset), _stamp);
    }

    private unsafe bool AcquireContended(long* word, int slot, long me)
    {
        bool waited = false;
        bool checkHolder = false;
        var spinner = new SpinWait();
        while (true)
        {
            long seen = Volatile.Read(ref *word);
            if (seen == 0)
            {
                // Having slept, take it marked as waited-on, so that this release wakes the next sleeper.
                if (Interlocked.CompareExchange(ref *word, waited ? me | LockWaitersBit : me, 0) == 0)
                {
                    return false;
                }

                continue;
            }

            if (spinner.Count < LockSpins)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
                if (spinner.Count == LockSpins)
                {
                    checkHolder = true;
                }

                continue;
            }

            long holder = seen & ~LockWaitersBit;
            if (checkHolder && (holder == me || !ProcessStamp.IsAlive(holder)))
            {
                // The holder died (or is a leftover of this very process, which holds no lock): take the lock from it.
                if (Interlocked.CompareExchange(ref *word, me | LockWaitersBit, seen) == seen)
                {
                    CrashPoints.Hit(CrashPoints.SharedTakenOver);
                    return true;
                }

                continue;
            }

            if ((seen & LockWaitersBit) == 0 && Interlocked.CompareExchange(ref *word, seen | LockWaitersBit, seen) != seen)
            {
                continue;
            }

            waited = true;
            checkHolder = _waits!.Wait(slot, (uint*)word, (uint)(seen | LockWaitersBit), HolderCheckMilliseconds) == Futex.WaitResult.TimedOut;
        }
    }

    /// <summary>
    /// Releases the lock word at <paramref name="offset"/> (a full fence), wakes one sleeper if any, then wakes the processes
    /// waiting for items or space that a commit made under the lock concerns: the release's fence orders the commit before the
    /// check of their flags, as a waiter's raising of its flag is ordered before its check of the cursors.
    /// </summary>
    private unsafe void UnlockWord(byte* b, int offset)
    {
        long* word = (long*)(b + offset);
        if ((Interlocked.Exchange(ref *word, 0) & LockWaitersBit) != 0)
        {
            _waits!.WakeOne(WaitSlotOf(offset), (uint*)word);
        }

        if (_wakeItemWaiters)
        {
            _wakeItemWaiters = false;
            WakeWaiters(b, QueueLayout.ItemWaitersOffset);
        }

        if (_wakeSpaceWaiters)
        {
            _wakeSpaceWaiters = false;
            WakeWaiters(b, QueueLayout.SpaceWaitersOffset);
        }
    }

    /// <summary>
    /// After taking the tail lock from a dead holder: if its last commit stored the tail word (the tail equals the journal),
    /// the pushed count and last item it was about to store are the journal's; otherwise it died before committing, and the
    /// words are as they were. Either way the tail side is now exactly what was committed.
    /// </summary>
    private static unsafe void RepairTail(byte* b)
    {
        if (Volatile.Read(ref *(long*)(b + QueueLayout.TailWordOffset)) == *(long*)(b + QueueLayout.JournalTailOffset))
        {
            *(long*)(b + QueueLayout.PushedOffset) = *(long*)(b + QueueLayout.JournalPushedOffset);
            *(long*)(b + QueueLayout.LastItemOffset) = *(long*)(b + QueueLayout.JournalLastOffset);
        }
    }

    /// <summary>After taking the head lock from a dead holder: the popped count is the journal's if the head word matches it.</summary>
    private static unsafe void RepairHead(byte* b)
    {
        if (Volatile.Read(ref *(long*)(b + QueueLayout.HeadWordOffset)) == *(long*)(b + QueueLayout.JournalHeadOffset))
        {
            *(long*)(b + QueueLayout.PoppedOffset) = *(long*)(b + QueueLayout.JournalPoppedOffset);
        }
    }

    /// <summary>Whether another process changed the geometry since this instance last read it (holding a lock).</summary>
    private unsafe bool GeometryMoved(byte* b) => Volatile.Read(ref *(long*)(b + QueueLayout.GenerationOffset)) != _generation;

    /// <summary>
    /// Holding a lock: if another process changed the geometry (the generation moved), reads the newest valid header slot and
    /// maps what it covers. Slots change only under both locks, so none is being written now; one left torn by a process that
    /// died fails its checksum, and the other slot stays in force. May pick up another process's shrink, which cuts this
    /// process's mapping: call it before beginning an access to the ring.
    /// </summary>
    private void SyncGeometry()
    {
        long generation = ReadShared(QueueLayout.GenerationOffset);
        if (generation == _generation)
        {
            return;
        }

        HeaderState header = ReadHeader(_stream, _stream.Name);
        if (_view.Length < header.Slot.FileSize)
        {
            throw new IOException($"The queue '{_stream.Name}' was truncated by another program while in use: it has fewer bytes than its header says.");
        }

        ApplyGeometry(header.Slot, header.SlotOffset);
        _generation = generation;
    }

    /// <summary>Takes <paramref name="slot"/> as the geometry and recomputes where the cursors are.</summary>
    private void ApplyGeometry(QueueSlot slot, int slotOffset)
    {
        _slot = slot;
        _activeSlotOffset = slotOffset;
        _ringSize = slot.RingSize;
        _ringEnd = slot.RingEnd;
        _headPhys = slot.PhysicalOf(_head);
        _tailPhys = slot.PhysicalOf(_tail);
        UpdatePushEnd();
    }

    private unsafe void SyncTailSide(byte* b)
    {
        long tail = Volatile.Read(ref *(long*)(b + QueueLayout.TailWordOffset));
        _pushed = *(long*)(b + QueueLayout.PushedOffset);
        _lastPos = *(long*)(b + QueueLayout.LastItemOffset);
        if (tail != _tail)
        {
            CheckPosition(tail);
            _tail = tail;
            _tailPhys = _slot.PhysicalOf(tail);
            UpdatePushEnd();
        }
    }

    private unsafe void SyncHeadSide(byte* b)
    {
        long head = Volatile.Read(ref *(long*)(b + QueueLayout.HeadWordOffset));
        _popped = *(long*)(b + QueueLayout.PoppedOffset);
        if (head != _head)
        {
            CheckPosition(head);
            _head = head;
            _headPhys = _slot.PhysicalOf(head);
        }

        if (_tail < _head)
        {
            RefreshTail(b);
        }
    }

    /// <summary>Holding the head lock: reads the tail word again (items pushed since the last look).</summary>
    private unsafe void RefreshTail(byte* b)
    {
        long tail = Volatile.Read(ref *(long*)(b + QueueLayout.TailWordOffset));
        if (tail != _tail)
        {
            CheckPosition(tail);
            _tail = tail;
            _tailPhys = _slot.PhysicalOf(tail);
        }
    }

    /// <summary>Holding the tail lock: reads the head word again (space freed since the last look).</summary>
    private unsafe void RefreshHead(byte* b)
    {
        long head = Volatile.Read(ref *(long*)(b + QueueLayout.HeadWordOffset));
        if (head != _head)
        {
            CheckPosition(head);
            _head = head;
            _headPhys = _slot.PhysicalOf(head);
        }
    }

    // The shared words are live state, but a position is still never used before it is bounded.
    private void CheckPosition(long position)
    {
        if (position < 0 || position > QueueLayout.PositionLimit || ((position - _slot.Base) & (QueueLayout.RecordAlignment - 1)) != 0)
        {
            throw new InvalidDataException(
                $"The queue '{_stream.Name}' is damaged: a shared cursor word holds {position}, which is not a position of this queue.");
        }
    }
}
