using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Emmap.Streams.Mapping;

namespace Emmap.Streams.Views;

/// <summary>
/// A <see cref="PipeReader"/> whose buffers are the mapped bytes themselves: reading is exposing more of the mapping, and
/// consuming is moving a position. Created by <see cref="MappedFileStream.AsPipeReader"/>.
/// </summary>
/// <remarks>
/// <para><b>Buffer.</b> The unconsumed bytes <c>[_consumed, _end)</c> are one contiguous range of the mapping, shown as one
/// segment (more only past 1 GiB). A read that needs more data extends the range to <c>_consumed + window</c> (one window
/// past <c>_end</c> when the consumer holds a whole window), clipped at the end of the data and the end position. A read
/// after an <c>AdvanceTo</c> that did not examine everything returns the unconsumed range as it is.</para>
/// <para><b>Lifetime.</b> While the buffer has unconsumed bytes the reader holds one pin (a reference on the mapping, taken
/// with <see cref="MappedView.Pin"/>), so disposing the stream cannot take the pages away under the consumer; it drops the
/// pin when the consumer consumes everything, on <see cref="Complete"/>, and when a read finds the stream disposed (which
/// then throws <see cref="ObjectDisposedException"/>). Addresses come from <see cref="MappedView.ViewAddress"/>, after the
/// pin, each time the range is extended, so growth that moves the mapping is followed.</para>
/// <para><b>Threads.</b> One consumer at a time, as every <see cref="PipeReader"/>; <see cref="CancelPendingRead"/> may be
/// called from any thread, and <see cref="Complete"/> too while a follower waits: it and the woken wait's read take
/// <c>_waitGate</c> in turn.</para>
/// </remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "A PipeReader is not disposable: Complete disposes the timer and the wake source.")]
internal sealed class MappedPipeReader : PipeReader
{
    private const int SegmentSize = 1 << 30;

    // The stream is held only to keep it reachable while the reader lives: the view refers to its stream weakly, and a stream
    // nobody else references would otherwise be finalized, and its view disposed, under a reader still in use.
    private readonly MappedFileStream _stream;
    private readonly MappedView _view;
    private readonly long _endPosition;
    private readonly int _window;
    private readonly bool _follow;
    private readonly TimeSpan _pollInterval;
    private readonly List<MappedPipeSegment>[] _chains = [[], []];
    private readonly Lock _waitGate = new();

    // The buffer is [_consumed, _end) in stream positions, on _used segments of chain _chain.
    private long _consumed;
    private long _end;
    private int _chain;
    private int _used;

    // Whether the consumer examined all of the buffer since the last read returned it.
    private bool _examinedAll;

    // No data will come past _end: the end of the data (without Follow) or the end position was reached.
    private bool _ended;
    private volatile bool _completed;
    private MappingState? _pin;
    private int _cancelPending;
    private CancellationTokenSource? _wake;
    private PeriodicTimer? _timer;

    internal MappedPipeReader(MappedFileStream stream, MappedView view, long position, MappedPipeReaderOptions options)
    {
        _stream = stream;
        _view = view;
        _consumed = position;
        _end = position;
        _window = options.WindowSize;
        _follow = options.Follow;
        _pollInterval = options.PollInterval;
        // A window that ends before its file did at the open never holds data past its end: a follower ends there too.
        long windowEnd = view.WindowEnd == long.MaxValue ? long.MaxValue : view.WindowEnd - view.Offset;
        _endPosition = Math.Min(options.EndPosition ?? long.MaxValue, windowEnd);
        _ended = position >= _endPosition;
    }

    /// <inheritdoc/>
    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        return TryReadCore(0, out result);
    }

    /// <inheritdoc/>
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => ReadCoreAsync(0, cancellationToken);

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ThrowIfCompleted();
        if (consumed.GetObject() is null || examined.GetObject() is null)
        {
            // As PipeReader.Create(stream): the positions of an empty (default) buffer change nothing.
            return;
        }

        if (_consumed == _end)
        {
            ThrowHelper.ThrowPipeAlreadyAdvanced();
        }

        long consumedAt = Resolve(consumed);
        long examinedAt = Resolve(examined);
        if (examinedAt < consumedAt)
        {
            ThrowHelper.ThrowPipeExaminedBeforeConsumed();
        }

        _consumed = consumedAt;
        _examinedAll = examinedAt == _end;
        if (consumedAt == _end)
        {
            ReleasePin();
        }
    }

    /// <inheritdoc/>
    public override void CancelPendingRead()
    {
        Interlocked.Exchange(ref _cancelPending, 1);
        Wake();
    }

    /// <inheritdoc/>
    /// <remarks>Releases the pin on the mapping; the stream stays open (the reader never owns it).</remarks>
    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        lock (_waitGate)
        {
            // Under the gate: a wait woken on another thread reads (and pins) under it too, so it either returns before
            // the buffer is dropped here or sees the reader completed; a pin taken after the drop would never be released.
            _completed = true;
            Drop();
            _timer?.Dispose();
            _timer = null;
            _wake?.Dispose();
            _wake = null;
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the reader is completed: its buffers are gone.</summary>
    internal void ThrowIfBufferGone()
    {
        if (_completed)
        {
            ThrowHelper.ThrowObjectDisposed(this);
        }
    }

    /// <inheritdoc/>
    protected override ValueTask<ReadResult> ReadAtLeastAsyncCore(int minimumSize, CancellationToken cancellationToken) =>
        ReadCoreAsync(minimumSize, cancellationToken);

    private ValueTask<ReadResult> ReadCoreAsync(int minimum, CancellationToken cancellationToken)
    {
        ThrowIfCompleted();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        try
        {
            if (TryReadCore(minimum, out ReadResult result))
            {
                return new ValueTask<ReadResult>(result);
            }
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<ReadResult>(ex);
        }

        return WaitAsync(minimum, cancellationToken);
    }

    /// <summary>
    /// Returns a result unless the read must wait for growth (only with Follow): a pending cancellation, the buffer as it is
    /// (not all examined and long enough), or the buffer extended by new data, or at the end.
    /// </summary>
    private bool TryReadCore(int minimum, out ReadResult result)
    {
        if (_view.IsDisposed)
        {
            ThrowDisposed();
        }

        if (Interlocked.Exchange(ref _cancelPending, 0) != 0)
        {
            result = Result(isCanceled: true);
            return true;
        }

        long buffered = _end - _consumed;
        if (!_examinedAll && buffered > 0 && buffered >= minimum)
        {
            result = Result(isCanceled: false);
            return true;
        }

        bool grew = !_ended && Extend(minimum);
        if (_ended || (grew && _end - _consumed >= minimum))
        {
            result = Result(isCanceled: false);
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>Shows new data past <c>_end</c> if there is any; sets <c>_ended</c> at the end. Returns whether the buffer grew.</summary>
    private bool Extend(int minimum)
    {
        long target = _consumed + Math.Max(_window, minimum);
        if (target <= _end)
        {
            // The consumer holds a whole window and examined it all: show one more.
            target = _end + _window;
        }

        target = Math.Min(target, _endPosition);
        long available = _view.CachedLength;
        if (target >= available)
        {
            // At the end as this process knows it: look for other handles' and processes' growth, so that a buffer that
            // reaches it is not reported as the last while the data goes on.
            try
            {
                available = _view.Length;
            }
            catch (ObjectDisposedException)
            {
                ThrowDisposed();
            }
        }

        long newEnd = Math.Min(target, available);
        bool grew = newEnd > _end && Expose(newEnd);
        if (!grew && _view.IsDisposed)
        {
            // Disposed after the check at the read's start: nothing was shown, which is not the end of the data.
            ThrowDisposed();
        }

        if (_end >= _endPosition || (!_follow && (!grew || _end >= available)))
        {
            _ended = true;
        }

        return grew;
    }

    /// <summary>Pins the mapping if needed and points a fresh chain at <c>[_consumed, newEnd)</c>; false if a shrink took the new bytes away first.</summary>
    private unsafe bool Expose(long newEnd)
    {
        bool pinned = _pin is not null;
        if (!pinned)
        {
            try
            {
                _pin = _view.Pin();
            }
            catch (ObjectDisposedException)
            {
                ThrowDisposed();
            }

            Testing.CrashPoints.Hit(Testing.CrashPoints.ViewPinned);
        }

        byte* start = _view.ViewAddress(_consumed, newEnd - _consumed, out long count);
        newEnd = _consumed + count;
        if (newEnd <= _end)
        {
            if (!pinned)
            {
                ReleasePin();
            }

            return false;
        }

        Build(start, newEnd);
        return true;
    }

    /// <summary>Points the chain the current buffer does not use at <c>[_consumed, newEnd)</c> and makes it current.</summary>
    private unsafe void Build(byte* start, long newEnd)
    {
        int next = 1 - _chain;
        List<MappedPipeSegment> chain = _chains[next];
        long length = newEnd - _consumed;
        int count = (int)((length + SegmentSize - 1) / SegmentSize);
        while (chain.Count < count)
        {
            chain.Add(new MappedPipeSegment(this, _view.State, next));
        }

        MappedPipeSegment? following = null;
        for (int i = count - 1; i >= 0; i--)
        {
            long offset = (long)i * SegmentSize;
            chain[i].Set(start + offset, (int)Math.Min(SegmentSize, length - offset), _consumed + offset, following);
            following = chain[i];
        }

        List<MappedPipeSegment> previous = _chains[_chain];
        for (int i = 0; i < _used; i++)
        {
            previous[i].Clear();
        }

        _chain = next;
        _used = count;
        _end = newEnd;
    }

    private ReadResult Result(bool isCanceled)
    {
        _examinedAll = false;
        return new ReadResult(Buffer(), isCanceled, _ended);
    }

    private ReadOnlySequence<byte> Buffer()
    {
        if (_consumed == _end)
        {
            return default;
        }

        List<MappedPipeSegment> chain = _chains[_chain];
        MappedPipeSegment first = chain[(int)((_consumed - chain[0].RunningIndex) / SegmentSize)];
        MappedPipeSegment last = chain[_used - 1];
        return new ReadOnlySequence<byte>(first, (int)(_consumed - first.RunningIndex), last, (int)(_end - last.RunningIndex));
    }

    /// <summary>The stream position of <paramref name="position"/>, which must lie in the unconsumed part of the current buffer.</summary>
    private long Resolve(SequencePosition position)
    {
        if (position.GetObject() is not MappedPipeSegment segment || segment.Reader != this || segment.Chain != _chain || segment.RunningIndex < 0)
        {
            ThrowHelper.ThrowPipePositionNotFromBuffer();
            return 0;
        }

        int index = position.GetInteger();
        long at = segment.RunningIndex + index;
        if ((uint)index > (uint)segment.Memory.Length || at > _end)
        {
            ThrowHelper.ThrowPipePositionPastBuffer(nameof(position));
        }

        if (at < _consumed)
        {
            ThrowHelper.ThrowPipeAlreadyAdvanced();
        }

        return at;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> WaitAsync(int minimum, CancellationToken cancellationToken)
    {
        CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((MappedPipeReader)state!).Wake(), this)
            : default;
        using (registration)
        {
            while (true)
            {
                (PeriodicTimer timer, CancellationToken wake) = PrepareWait();
                if (Volatile.Read(ref _cancelPending) == 0 && !cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        // False: the timer was disposed, because the reader was completed meanwhile.
                        _ = await timer.WaitForNextTickAsync(wake).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Woken by CancelPendingRead or by the caller's token; both are looked at below.
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
                lock (_waitGate)
                {
                    ThrowIfCompleted();
                    if (TryReadCore(minimum, out ReadResult result))
                    {
                        return result;
                    }
                }
            }
        }
    }

    /// <summary>The poll timer and a token that <see cref="Wake"/> cancels (a fresh one after each wake).</summary>
    private (PeriodicTimer Timer, CancellationToken Wake) PrepareWait()
    {
        lock (_waitGate)
        {
            ThrowIfCompleted();
            if (_wake is null || _wake.IsCancellationRequested)
            {
                _wake?.Dispose();
                _wake = new CancellationTokenSource();
            }

            _timer ??= new PeriodicTimer(_pollInterval);
            return (_timer, _wake.Token);
        }
    }

    /// <summary>Ends a wait in progress (any thread).</summary>
    private void Wake()
    {
        CancellationTokenSource? wake;
        lock (_waitGate)
        {
            wake = _wake;
        }

        // Outside the gate, and with the wait's continuation (the consumer's code after its read) sent to the thread pool
        // rather than run inside the caller of CancelPendingRead or of the token's Cancel. A source replaced or disposed
        // meanwhile belongs to a wait that has already ended.
        try
        {
            _ = wake?.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Forgets the buffer and drops the pin.</summary>
    private void Drop()
    {
        _end = _consumed;
        _examinedAll = false;
        ReleasePin();
    }

    private void ReleasePin() => Interlocked.Exchange(ref _pin, null)?.Release();

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            ThrowHelper.ThrowPipeReaderCompleted();
        }
    }

    [DoesNotReturn]
    private void ThrowDisposed()
    {
        // A read after the stream was disposed: the consumer has advanced past the last buffer, so nothing can still use
        // the pages; let them go with the stream.
        Drop();
        ThrowHelper.ThrowObjectDisposed(typeof(MappedFileStream));
    }
}
