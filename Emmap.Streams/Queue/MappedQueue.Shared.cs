using System;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>How many times an open that joins a session reads the header before it calls it damaged.</summary>
    private const int JoinReads = 4;

    /// <summary>The state a writable queue is in when nothing is wrong: <see cref="StateShared"/> in shared mode.</summary>
    private int WritableState => _multiProcess ? StateShared : StateOpen;

    /// <summary>The byte whose exclusive lock serialises shared opens and closes (so exactly one process starts a session).</summary>
    private long OpenLockByte => _lockBase;

    /// <summary>Where shared-mode processes announce themselves (a shared lock; the kernel drops it when the process dies).</summary>
    private long PresenceByte => _lockBase + 2;

    /// <summary>Where the queue's locks go: the data file's descriptor, except on macOS (see <see cref="FileEntry.LockHandle"/>).</summary>
    private SafeFileHandle LockFile => _view.Entry.LockHandle;

    /// <summary>
    /// Opens in shared mode (docs/queue-format.md, "Shared mode"). Under the open lock, announces this process, then either
    /// starts a session (no other shared process is present: recover the file exactly as a single-process open does, then
    /// initialise the shared words from the recovered state) or joins the running one (take the geometry; the cursors and
    /// counts are read under the locks at every operation).
    /// </summary>
    private void OpenShared()
    {
        RangeLocks.Lock(LockFile, OpenLockByte, shared: false, _stream.Name);
        try
        {
            ThrowIfDeleted();
            RangeLocks.RegisterPresence(LockFile, PresenceByte, _stream.Name);
            _presenceRegistered = true;
            if (RangeLocks.OthersPresent(LockFile, PresenceByte, _stream.Name))
            {
                JoinSession();
            }
            else
            {
                StartSession();
            }

            _state = StateShared;
        }
        finally
        {
            RangeLocks.Unlock(LockFile, OpenLockByte);
        }
    }

    /// <summary>
    /// The first shared open: full recovery while holding the owner word (so a library that knows only version 1 cannot take
    /// the file meanwhile), the header rewritten as version 2 (which such libraries refuse from then on), then the shared words
    /// set from the recovered state. Nothing a crashed earlier session left in them is trusted: the locks start free, the
    /// counts start from the scan. A crash here leaves a file the next open recovers the same way.
    /// </summary>
    private unsafe void StartSession()
    {
        Load();
        try
        {
            if (_slot.Version != QueueLayout.SharedVersion)
            {
                FlipSlot(_slot with { Sequence = _slot.Sequence + 1, Version = QueueLayout.SharedVersion, Head = _head, Tail = _tail, Count = _count, Flags = 0, LastItem = 0 });
            }

            MappedAccess access = _view.BeginAccess();
            byte* b = access.Pointer;
            *(long*)(b + QueueLayout.TailLockOffset) = 0;
            *(long*)(b + QueueLayout.HeadLockOffset) = 0;
            *(long*)(b + QueueLayout.JournalHeadOffset) = _head;
            *(long*)(b + QueueLayout.JournalPoppedOffset) = 0;
            *(long*)(b + QueueLayout.PoppedOffset) = 0;
            *(int*)(b + QueueLayout.SpaceWaitersOffset) = 0;
            *(long*)(b + QueueLayout.JournalTailOffset) = _tail;
            *(long*)(b + QueueLayout.JournalPushedOffset) = _count;
            *(long*)(b + QueueLayout.JournalLastOffset) = _lastPos;
            *(long*)(b + QueueLayout.PushedOffset) = _count;
            *(long*)(b + QueueLayout.LastItemOffset) = _lastPos;
            *(int*)(b + QueueLayout.ItemWaitersOffset) = 0;
            *(long*)(b + QueueLayout.DamageSeenOffset) = 0;
            Volatile.Write(ref *(long*)(b + QueueLayout.HeadWordOffset), _head);
            Volatile.Write(ref *(long*)(b + QueueLayout.TailWordOffset), _tail);
            AdvanceGeneration(b);
            _view.EndAccess(access);
            if (_durability != QueueDurability.None)
            {
                SyncHeader();
            }

            _pushed = _count;
            _popped = 0;
        }
        finally
        {
            ReleaseOwnership();
        }
    }

    /// <summary>Joins a running session: the newest valid header slot, which the session made version 2.</summary>
    private void JoinSession()
    {
        HeaderState header = ReadSessionHeader();

        // The geometry may change before this process takes a lock (nothing stops another process from growing the file
        // meanwhile): so none is trusted until then. The first operation, under a lock, reads the generation and then the slots.
        ApplyGeometry(header.Slot, header.SlotOffset);
        _generation = long.MinValue;
    }

    /// <summary>
    /// Reads the header of a running session without its locks. The other processes go on meanwhile, and each rewrite of a slot
    /// (a growth, a shrink, a checkpoint) writes the older one, so a read that finds one slot torn takes the other. Only a read
    /// that two rewrites overtake finds both torn (or the older slot of the version before the session): it reads again, after
    /// the rewrites have had time to finish. A header that stays unreadable through <see cref="JoinReads"/> reads is damaged.
    /// </summary>
    private HeaderState ReadSessionHeader()
    {
        for (int read = 1; ; read++)
        {
            CrashPoints.Hit(CrashPoints.SharedJoining);
            try
            {
                HeaderState header = ReadHeader(_stream, _stream.Name);
                if (header.Slot.Version == QueueLayout.SharedVersion)
                {
                    return header;
                }

                if (read == JoinReads)
                {
                    throw new InvalidDataException(
                        $"'{_stream.Name}' is open in shared mode in another process, yet its header is not version {QueueLayout.SharedVersion}: it was changed by something else.");
                }
            }
            catch (InvalidDataException) when (read < JoinReads)
            {
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// Leaves the session (in <see cref="Dispose"/>): under the open lock, the last process to leave writes a checkpoint, as a
    /// single-process close does, and deletes the file if <see cref="QueueOptions.AutoUnlink"/> is set (an open waiting for the
    /// lock then finds its file gone and opens the path again); then this process withdraws its presence. Presence goes last because a single-process open checks presence, not the open lock: withdrawn earlier, it
    /// would let such an open in while the header slot is still being written, and both would write the same slot.
    /// </summary>
    private void CloseShared()
    {
        try
        {
            RangeLocks.Lock(LockFile, OpenLockByte, shared: false, _stream.Name);
            try
            {
                if (!RangeLocks.OthersPresent(LockFile, PresenceByte, _stream.Name))
                {
                    _closedLast = true;
                    CrashPoints.Hit(CrashPoints.SharedClosing);
                    EnterBoth(reentrancyChecked: false);
                    try
                    {
                        CloseCleanly();
                    }
                    finally
                    {
                        ExitBoth();
                    }

                    if (_autoUnlink)
                    {
                        UnlinkWhileHeld();
                    }
                }
            }
            finally
            {
                WithdrawPresence();
                RangeLocks.Unlock(LockFile, OpenLockByte);
            }
        }
        catch (IOException)
        {
            // The checkpoint only speeds up a fallback: the cursor words are the commit. The next session recovers either way.
        }
        catch (InvalidDataException)
        {
        }
        catch (ObjectDisposedException)
        {
            // The caller disposed the stream first (a queue made with leaveOpen): nothing can be written through it, and the
            // next session recovers without the checkpoint.
        }
    }

    /// <summary>Withdraws this process's presence, if announced. Never throws.</summary>
    private void WithdrawPresence()
    {
        if (!_presenceRegistered)
        {
            return;
        }

        _presenceRegistered = false;
        try
        {
            RangeLocks.WithdrawPresence(LockFile, PresenceByte);
        }
        catch (ObjectDisposedException)
        {
            // The descriptor is closed already, which dropped the lock.
        }
    }

    /// <summary>
    /// A single-process open: refuses while shared-mode processes have the queue open. Called holding the owner word, which
    /// shared processes check after announcing themselves, so of two racing opens at least one sees the other.
    /// </summary>
    private void ThrowIfShared()
    {
        if (RangeLocks.OthersPresent(LockFile, PresenceByte, _stream.Name))
        {
            throw new IOException(
                $"The queue '{_stream.Name}' is open in shared mode by other processes: open it with QueueOptions.MultiProcess, or wait until they close it.");
        }
    }

    /// <summary>Runs <paramref name="operation"/> holding both locks (the count, the metadata, peeks, purge, erase).</summary>
    private static TResult Shared<TResult>(MappedQueue queue, Func<MappedQueue, TResult> operation)
    {
        queue.EnterBoth(reentrancyChecked: true);
        try
        {
            return operation(queue);
        }
        finally
        {
            queue.ExitBoth();
        }
    }

    /// <summary>
    /// The exact count at an instant: both locks held, nothing changes. A count of 0 with items between the cursors (the words
    /// no checksum covers say too few were pushed) is reported as damage, as a peek reports it, rather than read as an empty
    /// queue: a consumer waiting for the count to rise would wait beside items it never looks for.
    /// </summary>
    private long SharedCount() => Shared(this, static q => q.NoItems() ? 0 : q._count);

    private unsafe long ReadShared(int offset)
    {
        MappedAccess access = _view.BeginAccess();
        long value = Volatile.Read(ref *(long*)(access.Pointer + offset));
        EndHeaderAccess(access);
        return value;
    }

    /// <summary>
    /// Ends an access that touched only the header. The header is never cut (a queue shrinks to 4 KiB at least), so a cut of
    /// the file elsewhere meanwhile (this process picking up another's shrink) does not concern it, unlike an access to the ring.
    /// </summary>
    private static void EndHeaderAccess(in MappedAccess access) => _ = access.End();
}
