using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Emmap.Streams;

public sealed partial class ConcurrentMappedQueue
{
    /// <summary>How long an idle watcher sleeps before it looks whether its queue was collected.</summary>
    private static readonly TimeSpan s_watcherIdleCheck = TimeSpan.FromSeconds(2);

    /// <summary>What the watcher's round did.</summary>
    private enum WatchStep
    {
        /// <summary>Waited for another process's commit (or was woken), and completed the waiters it concerns.</summary>
        Watched,

        /// <summary>Found no waiters.</summary>
        Idle,

        /// <summary>The queue is disposed or collected, or its words failed: the thread ends.</summary>
        Stop,
    }

    /// <summary>The tail word as waiters see it before they check for items (0 when the queue is not shared).</summary>
    private long ObserveTail() => _queue.IsShared ? _queue.TailWord : 0;

    /// <summary>The head word as waiters see it before they try for space (0 when the queue is not shared).</summary>
    private long ObserveHead() => _queue.IsShared ? _queue.HeadWord : 0;

    /// <summary>
    /// Under the gate, after a waiter registered: in shared mode, records the tail it saw before it found nothing (so a
    /// commit by another process after that moves it) and makes sure the watcher runs. Items pushed or popped by this
    /// process wake its waiters directly (<see cref="ItemAdded"/>, <see cref="ItemRemoved"/>); the watcher is for other processes.
    /// The head is recorded by <see cref="NoteHead"/>, which counts the pops it shows.
    /// </summary>
    private void WatchOtherProcesses(long tail)
    {
        if (!_queue.IsShared)
        {
            return;
        }

        _observedTail = tail;
        if (_watcher is null)
        {
            _watchRequested ??= new AutoResetEvent(false);
            _watcher = new Thread(Watch) { IsBackground = true, Name = "Emmap.Streams queue watcher" };
            _watcher.Start(new WatcherStart(new WeakReference<ConcurrentMappedQueue>(this), _watchRequested));
        }
        else
        {
            _watchRequested!.Set();
            bool onEventWord = _watchingItems || _watchingSpace;
            if (onEventWord && ((_itemWaiters is not null && !_watchingItems) || (_spaceWaiters is not null && !_watchingSpace)))
            {
                // The watcher sleeps on the event word for the other kind of commit only: wake it, so it looks for this one too.
                // (An idle watcher waits for the request above, and a wake of the event word would wake every process's.)
                _queue.InterruptWaiters();
            }
        }
    }

    /// <summary>
    /// Under the gate: records the head word as a call saw it. A head that moved since the last one recorded means that
    /// another process popped (or this one did, counted already, which only counts twice): a pop for
    /// <see cref="WaitToWriteAsync"/>, and a wake for the calls waiting for space, which saw the head before it moved. So no
    /// call that looks at the head takes another process's pop from the waiters, whoever looks first.
    /// </summary>
    private void NoteHead(long head)
    {
        if (head == _observedHead)
        {
            return;
        }

        _observedHead = head;
        _pops++;
        if (_spaceWaiters is { } waiters)
        {
            _spaceWaiters = null;
            waiters.TrySetResult();
        }
    }

    /// <summary>
    /// The watcher: while this process has waiters, sleeps on the queue's event word until another process commits past the
    /// cursors they saw, then completes them (they check again under the gate); with no waiters, sleeps until one registers.
    /// Idle, it holds the queue only weakly, so a queue that is abandoned (never disposed) can be collected and its file opened
    /// again, as without a watcher; the thread then ends within two seconds.
    /// </summary>
    private static void Watch(object? state)
    {
        var (owner, requested) = (WatcherStart)state!;
        while (true)
        {
            switch (WatchOnce(owner))
            {
                case WatchStep.Stop:
                    return;
                case WatchStep.Idle:
                    if (!requested.WaitOne(s_watcherIdleCheck) && !owner.TryGetTarget(out _))
                    {
                        return;
                    }

                    break;
            }
        }
    }

    // Takes the queue strongly for one step only, so that no reference to it stays on the thread while it is idle.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WatchStep WatchOnce(WeakReference<ConcurrentMappedQueue> owner) =>
        owner.TryGetTarget(out ConcurrentMappedQueue? queue) ? queue.WatchStepOnce() : WatchStep.Stop;

    /// <summary>One round of the watcher: stops once the queue is disposed or its words fail, is idle without waiters, else waits for another process.</summary>
    private WatchStep WatchStepOnce()
    {
        bool items;
        bool space;
        long tail;
        long head;
        uint seen;
        try
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return WatchStep.Stop;
                }

                items = _itemWaiters is not null;
                space = _spaceWaiters is not null;
                tail = _observedTail;
                head = _observedHead;
                _watchingItems = items;
                _watchingSpace = space;

                // Read under the gate: a waiter of another kind that registers after this interrupts, which moves the word.
                seen = items || space ? _queue.EventWord : 0;
            }

            if (!items && !space)
            {
                return WatchStep.Idle;
            }

            _queue.WaitForOtherProcesses(items, tail, space, head, seen, _stillWatched ??= StillWatched);
            long nowTail = _queue.TailWord;
            long nowHead = _queue.HeadWord;
            lock (_gate)
            {
                if (nowTail != _observedTail && _itemWaiters is { } itemWaiters)
                {
                    _observedTail = nowTail;
                    _itemWaiters = null;
                    itemWaiters.TrySetResult();
                }

                NoteHead(nowHead);
            }

            return WatchStep.Watched;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException)
        {
            // The queue is going away, or reading its words or sleeping on them failed. Either way the waiters look again
            // with calls of their own, which report the failure if it lasts; the next one to wait starts a new watcher.
            WakeWaitersAfterFailure();
            return WatchStep.Stop;
        }
    }

    /// <summary>
    /// Whether a call still waits for what the watcher sleeps on: after the last waiter's wait is canceled it is not, and the
    /// watcher goes idle (holding the queue only weakly again) instead of sleeping on. Read without the gate, which the
    /// watcher must not take while it holds the queue's header: a stale answer costs one more sleep or one more round.
    /// </summary>
    private bool StillWatched() =>
        (Volatile.Read(ref _watchingItems) && Volatile.Read(ref _itemWaiters) is not null)
        || (Volatile.Read(ref _watchingSpace) && Volatile.Read(ref _spaceWaiters) is not null);

    /// <summary>The watcher ends on a failure: completes every waiter and lets the next registration start a watcher again.</summary>
    private void WakeWaitersAfterFailure()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                // The dispose completes the waiters and waits for this thread.
                return;
            }

            _watcher = null;
            TaskCompletionSource? items = _itemWaiters;
            TaskCompletionSource? space = _spaceWaiters;
            _itemWaiters = null;
            _spaceWaiters = null;
            items?.TrySetResult();
            space?.TrySetResult();
        }
    }

    /// <summary>Ends the watcher (after the gate marked the queue disposed): wakes it wherever it sleeps and waits for it.</summary>
    private void StopWatching()
    {
        if (_watcher is null)
        {
            return;
        }

        // The watcher may read the event word just after an interrupt and sleep on the new value: interrupt until it is gone.
        _watchRequested!.Set();
        do
        {
            try
            {
                _queue.InterruptWaiters();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or IOException)
            {
            }
        }
        while (!_watcher.Join(TimeSpan.FromMilliseconds(10)));

        _watchRequested.Dispose();
    }

    /// <summary>What the watcher thread starts with: its queue, weakly, and the event by which waiters wake it.</summary>
    private readonly record struct WatcherStart(WeakReference<ConcurrentMappedQueue> Owner, AutoResetEvent Requested);
}
