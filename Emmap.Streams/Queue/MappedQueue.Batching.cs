using System;
using System.IO;
using System.Threading;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    private Timer? _batchTimer;
    private int _batchScheduled;
    private int _batchUrgent;
    private long _batchBytes;
    private Exception? _batchFailure;

    /// <summary>
    /// Batched durability: after a commit, make sure one durable flush is scheduled within <see cref="QueueOptions.BatchInterval"/>,
    /// or at once when <see cref="QueueOptions.BatchBytes"/> have accumulated. Every operation committed before that flush starts
    /// is covered by it, so many operations share one <c>fsync</c>. Costs one flag read per operation while a flush is pending.
    /// </summary>
    private void NoteBatched(long bytes)
    {
        long pending = _batchBytes += bytes;
        if (Volatile.Read(ref _batchScheduled) == 0)
        {
            Volatile.Write(ref _batchScheduled, 1);
            _batchTimer?.Change(pending >= _options.BatchBytes ? TimeSpan.Zero : _options.BatchInterval, Timeout.InfiniteTimeSpan);
        }
        else if (pending >= _options.BatchBytes && Interlocked.Exchange(ref _batchUrgent, 1) == 0)
        {
            _batchTimer?.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The group flush, on a timer thread. A failure is reported by the next operation that changes the queue.</summary>
    private void OnBatchTimer()
    {
        // Re-arm first: an operation committed from here on schedules the next flush, so none is left uncovered.
        Volatile.Write(ref _batchScheduled, 0);
        Volatile.Write(ref _batchUrgent, 0);
        Interlocked.Exchange(ref _batchBytes, 0);
        try
        {
            _stream.Flush(flushToDisk: true);
        }
        catch (ObjectDisposedException)
        {
            // Closing: Dispose makes its own final flush.
        }
        catch (IOException ex)
        {
            _batchFailure = ex;
            Interlocked.CompareExchange(ref _state, StateBatchFailed, WritableState);
        }
    }

    /// <summary>Gets whether a failed group flush waits to be reported by the next change (for tests).</summary>
    internal bool BatchFailurePending => Volatile.Read(ref _state) == StateBatchFailed;

    /// <summary>Reports a failed group flush once, to the next caller that changes the queue, before that caller's operation runs.</summary>
    private void ReportBatchFailure()
    {
        Exception? failure = Interlocked.Exchange(ref _batchFailure, null);
        Interlocked.CompareExchange(ref _state, WritableState, StateBatchFailed);
        if (failure is not null)
        {
            throw new IOException(
                $"A batched durable flush of the queue '{_stream.Name}' failed: operations since the last successful flush may not survive power loss. {failure.Message}",
                failure);
        }
    }

    private void StopBatching()
    {
        Timer? timer = Interlocked.Exchange(ref _batchTimer, null);
        if (timer is null)
        {
            return;
        }

        using var done = new ManualResetEvent(false);
        if (timer.Dispose(done))
        {
            done.WaitOne();
        }
    }
}
