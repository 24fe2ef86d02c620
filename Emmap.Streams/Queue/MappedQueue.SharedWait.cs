using System;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    // The words processes sleep on (SharedWaits slots): the event word, and the two lock words.
    private const int EventWaitSlot = 0;
    private const int HeadLockWaitSlot = 1;
    private const int TailLockWaitSlot = 2;
    private const int WaitSlots = 3;

    // The longest sleep on the event word before the words are looked at again: a committer killed between its commit and its
    // wake (or inside the wake) never advances the event word, and no lock it held tells anyone.
    private const int CommitCheckMilliseconds = 100;

    // Shared mode: the waits on the header's words across processes (open while the queue is).
    private SharedWaits? _waits;

    /// <summary>Gets whether the queue is open in shared mode (<see cref="QueueOptions.MultiProcess"/>).</summary>
    internal bool IsShared => _multiProcess;

    /// <summary>Reads the committed tail word without any lock: it moves when some process pushes.</summary>
    internal long TailWord => ReadShared(QueueLayout.TailWordOffset);

    /// <summary>Reads the committed head word without any lock: it moves when some process pops.</summary>
    internal long HeadWord => ReadShared(QueueLayout.HeadWordOffset);

    /// <summary>Reads the event word that <see cref="WaitForOtherProcesses(bool, long, bool, long, uint, Func{bool})"/> sleeps on: it moves at every wake.</summary>
    internal unsafe uint EventWord
    {
        get
        {
            MappedAccess access = _view.BeginAccess();
            uint value = Volatile.Read(ref *(uint*)(access.Pointer + QueueLayout.EventOffset));
            EndHeaderAccess(access);
            return value;
        }
    }

    /// <summary>As the overload with a seen event word, reading the word itself (an interrupt before this call may be lost), wanted until it returns.</summary>
    internal void WaitForOtherProcesses(bool items, long observedTail, bool space, long observedHead) =>
        WaitForOtherProcesses(items, observedTail, space, observedHead, EventWord, static () => true);

    /// <summary>
    /// Shared mode: blocks the calling thread until some process pushes past <paramref name="observedTail"/> (with
    /// <paramref name="items"/>) or pops past <paramref name="observedHead"/> (with <paramref name="space"/>), or until
    /// <see cref="InterruptWaiters"/> (one since <paramref name="seen"/>, the <see cref="EventWord"/> the caller read before it
    /// decided what to wait for, is not lost), or until <paramref name="stillWanted"/>, asked after each sleep that timed out, says
    /// the wait is no longer wanted; it may also return early, so the caller checks again. Does not poll: the thread sleeps
    /// on the event word (a futex; on Windows a named semaphore, see SharedWaits) after raising the waiter flags, and the process whose commit it waits for wakes it.
    /// </summary>
    /// <remarks>
    /// The flags are raised with a full fence before the cursors are read; a commit stores its cursor with a full fence before
    /// it reads the flags. So either this thread sees the new cursor and does not sleep, or the committer sees the flag, advances
    /// the event word and wakes it; the wait compares the event word with the value read before the flags, so a wake that comes
    /// first is not lost. A committer killed after its commit and before its wake wakes no one: so a sleep lasts at most
    /// <see cref="CommitCheckMilliseconds"/>, after which the flags are raised again and the cursors looked at once more. Safe from
    /// a thread other than the one using the queue (it touches only the header).
    /// </remarks>
    internal unsafe void WaitForOtherProcesses(bool items, long observedTail, bool space, long observedHead, uint seen, Func<bool> stillWanted)
    {
        MappedAccess access = _view.BeginAccess();
        byte* b = access.Pointer;
        uint* word = (uint*)(b + QueueLayout.EventOffset);
        while (true)
        {
            if (items)
            {
                Interlocked.Exchange(ref *(int*)(b + QueueLayout.ItemWaitersOffset), 1);
            }

            if (space)
            {
                Interlocked.Exchange(ref *(int*)(b + QueueLayout.SpaceWaitersOffset), 1);
            }

            bool moved = (items && Volatile.Read(ref *(long*)(b + QueueLayout.TailWordOffset)) != observedTail)
                || (space && Volatile.Read(ref *(long*)(b + QueueLayout.HeadWordOffset)) != observedHead);
            int injected = FaultInjection.Check(FaultPoint.Wait);
            if (injected != 0)
            {
                EndHeaderAccess(access);
                throw NativeErrors.IOError(injected, "Waiting for another process's commit", Path);
            }

            if (moved || _waits!.Wait(EventWaitSlot, word, seen, CommitCheckMilliseconds) != Futex.WaitResult.TimedOut || !stillWanted())
            {
                break;
            }
        }

        EndHeaderAccess(access);
    }

    private static int WaitSlotOf(int lockOffset) => lockOffset == QueueLayout.HeadLockOffset ? HeadLockWaitSlot : TailLockWaitSlot;

    /// <summary>Wakes every thread, in any process, sleeping in <see cref="WaitForOtherProcesses(bool, long, bool, long, uint, Func{bool})"/> (they check again and sleep on).</summary>
    internal unsafe void InterruptWaiters()
    {
        MappedAccess access = _view.BeginAccess();
        uint* word = (uint*)(access.Pointer + QueueLayout.EventOffset);
        Interlocked.Increment(ref *word);
        _waits!.WakeAll(EventWaitSlot, word);
        EndHeaderAccess(access);
    }
}
