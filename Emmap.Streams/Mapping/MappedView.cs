using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Emmap.Streams.Native;

namespace Emmap.Streams.Mapping;

/// <summary>
/// One open handle of a mapped file: a window <c>[Offset, WindowEnd)</c> of a <see cref="MappingState"/>, with the
/// handle's own limits (0 once disposed, so the access protocol refuses every range) and growth rules. Everything built on
/// a mapping — <see cref="MappedFileStream"/>, the atomics, views, counters and the queue — reads and writes through a
/// view, and every touch of mapped memory goes through <see cref="MappedAccess"/>.
/// </summary>
/// <remarks>
/// Positions are relative to <see cref="Offset"/> and never negative (callers validate). The positional members are
/// thread-safe; a call racing with <see cref="Dispose"/> either completes or throws <see cref="ObjectDisposedException"/>.
/// </remarks>
internal sealed unsafe partial class MappedView
{
    internal readonly MappingState State;
    internal readonly FileEntry Entry;
    internal readonly long Offset;
    internal readonly long WindowEnd;
    internal readonly bool Writable;
    internal readonly bool Readable;
    internal readonly GrowthPolicy Growth;
    internal readonly string Path;

    private readonly bool _fixedSize;

    // Where this handle's copy of the protocol's inputs lives (the stream), once bound; written under the gate only. Weak: the
    // file's mapping state lists its views, so a strong reference would keep a stream that was never disposed reachable for
    // as long as the file is open in the process, and its finalizer (which lets go of its sharing lock) would never run.
    private WeakReference<MappedFileStream>? _owner;

    // The stream, while it is reachable; null before Bind and once it was collected.
    private MappedFileStream? Owner => _owner is { } owner && owner.TryGetTarget(out MappedFileStream? stream) ? stream : null;

    // The access protocol's limits (file coordinates): the window's end, or -1 once disposed (and, for writes, on a read-only
    // handle), so that the one range check also refuses disposed and read-only handles, even for empty ranges.
    private long _limit;
    private long _writeLimit;
    private int _disposed;

    /// <summary>Gets whether the handle may change the file's length: it is neither fixed-size nor a bounded window.</summary>
    internal bool CanChangeLength => !_fixedSize && WindowEnd == long.MaxValue;

    internal MappedView(MappingState state, string path, long offset, long windowEnd, bool readable, bool writable, bool fixedSize, long maxIncrement)
    {
        State = state;
        Entry = state.File;
        Path = path;
        Offset = offset;
        WindowEnd = windowEnd;
        Readable = readable;
        Writable = writable;
        _fixedSize = fixedSize;
        Growth = new GrowthPolicy(maxIncrement);
        _limit = windowEnd;
        _writeLimit = writable ? windowEnd : -1;
    }

    /// <summary>Gets whether the handle is disposed.</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Gets the handle's read limit (-1 once disposed), for <see cref="MappedAccess.TryBegin(MappingState, long, long, long, long, out MappedAccess)"/>.</summary>
    internal long Limit => Volatile.Read(ref _limit);

    /// <summary>Gets the length as this process last saw it, without looking for other processes' changes.</summary>
    internal long CachedLength => Clip(Volatile.Read(ref State.Length));

    /// <summary>
    /// Gets the length of the data in the window, after picking up changes by other handles and processes (as
    /// <c>FileStream.Length</c> asks the file system). Throws once disposed.
    /// </summary>
    internal long Length
    {
        get
        {
            ThrowIfDisposed();
            lock (Entry.Gate)
            {
                Refresh();
                return CachedLength;
            }
        }
    }

    /// <summary>Gets the bytes the file has room for in the window without growing again.</summary>
    internal long Capacity
    {
        get
        {
            ThrowIfDisposed();
            lock (Entry.Gate)
            {
                Refresh();
                long end = State.IsPrivate ? (long)State.Region.Accessible : Entry.PhysicalLength;
                return Math.Max(CachedLength, Math.Min(end, WindowEnd) - Offset);
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="owner"/>, the stream of this handle, hold its copy of the access protocol's inputs (<see cref="HandleAccess"/>), and
    /// keeps it up to date from now on. Until then the copy refuses every access.
    /// </summary>
    internal void Bind(MappedFileStream owner)
    {
        lock (Entry.Gate)
        {
            _owner = new WeakReference<MappedFileStream>(owner);
            owner.Access.StateId = State.Id;
            if (IsDisposed)
            {
                PublishAccess();
                return;
            }

            State.AttachView(this);
        }
    }

    /// <summary>Fills the whole copy from the state (under the gate).</summary>
    internal void PublishAccess()
    {
        if (Owner is null)
        {
            return;
        }

        PublishShrinks();
        PublishBase();
        PublishEnds();
        PublishCuts(IsDisposed ? -1 : Volatile.Read(ref State.Cuts));
    }

    /// <summary>Copies the state's shrink count, then where the counter is (under the gate; see <see cref="MappingState.AdoptShrinks"/>).</summary>
    internal void PublishShrinks()
    {
        if (Owner is { } owner)
        {
            Volatile.Write(ref owner.Access.SeenShrinks, State.SeenShrinks);
            Volatile.Write(ref owner.Access.ShrinksAddress, State.ShrinksAddress);
        }
    }

    /// <summary>Copies the state's base, plus the window's offset (under the gate, before a length it makes reachable).</summary>
    internal void PublishBase()
    {
        if (Owner is { } owner)
        {
            Volatile.Write(ref owner.Access.Base, (nint)(Volatile.Read(ref State.Base) + Offset));
        }
    }

    /// <summary>Copies the state's length, clipped to the window and the handle's rights (under the gate).</summary>
    internal void PublishEnds()
    {
        if (Owner is not { } owner)
        {
            return;
        }

        // Never below -1, so that "end - count" cannot wrap around for a window that starts past the data.
        long end = IsDisposed ? -1 : Math.Max(-1, Math.Min(Volatile.Read(ref State.Length), WindowEnd) - Offset);
        ref HandleAccess access = ref owner.Access;
        Volatile.Write(ref access.ReadEnd, Readable ? end : -1);
        Volatile.Write(ref access.WriteEnd, Writable ? end : -1);
        Volatile.Write(ref access.UpdateEnd, Readable && Writable ? end : -1);
    }

    /// <summary>Copies a new cut count (under the gate, after a lower length and before any page is replaced).</summary>
    internal void PublishCuts(long cuts)
    {
        if (Owner is { } owner)
        {
            Volatile.Write(ref owner.Access.Cuts, cuts);
        }
    }

    /// <summary>Appends <paramref name="data"/> at the end of the data, atomically for every handle and process.</summary>
    /// <returns>The position the data was written at.</returns>
    /// <remarks>
    /// The end is taken under the gate and the size lock, after picking up other handles' and processes' changes (at the
    /// window's start when the data ends before it): an end read before, from this handle's copy, may be one that a shrink
    /// has cut since, and appending there would leave a gap.
    /// </remarks>
    internal long Append(ReadOnlySpan<byte> data) => WriteSlow(0, data, append: true);

    /// <summary>
    /// Sets the length of the data in the window (a whole-file or open-ended window only). With <paramref name="growOnly"/>, a
    /// length the data has reached by then (through another thread or process) is left as it is.
    /// </summary>
    internal void SetLength(long length, bool growOnly = false)
    {
        ThrowIfCannotWrite();
        lock (Entry.Gate)
        {
            ThrowIfDisposed();
            Refresh();
            long current = CachedLength;
            if (growOnly && length <= current)
            {
                return;
            }

            if (!CanChangeLength)
            {
                if (length == current)
                {
                    return;
                }

                if (_fixedSize)
                {
                    ThrowHelper.ThrowFixedSize(Path, current);
                }

                ThrowHelper.ThrowBoundedWindow(Path, Offset, WindowEnd - Offset);
            }

            if (length == current && Offset + length > Volatile.Read(ref State.Length))
            {
                // A window whose data ends before it (another handle shrank the file below its start) keeps its length 0:
                // nothing to grow, and the file outside the window is left as it is.
                return;
            }

            if (length > MappedLimits.MaxFileSize - Offset)
            {
                ThrowHelper.ThrowFileTooLarge(Path, Offset + length);
            }

            if (State.IsPrivate)
            {
                Entry.SetPrivateLength(State, Offset + length);
            }
            else
            {
                Entry.SetFileLength(Offset + length, growOnly);
            }
        }
    }

    /// <summary>Throws if the data may not grow to <paramref name="end"/> (file coordinates) from <paramref name="length"/>.</summary>
    internal void CheckCanGrowTo(long end, long length)
    {
        if (end > WindowEnd)
        {
            ThrowHelper.ThrowBoundedWindow(Path, Offset, WindowEnd - Offset);
        }

        if (_fixedSize)
        {
            ThrowHelper.ThrowFixedSize(Path, Clip(length));
        }

        if (end > MappedLimits.MaxFileSize)
        {
            ThrowHelper.ThrowPositionTooLarge("position");
        }
    }

    /// <summary>
    /// Throws what a write of <paramref name="count"/> bytes at <paramref name="position"/> would throw for the handle's own
    /// limits (the largest position, a bounded window's end, a fixed size), before any of it is stored.
    /// </summary>
    internal void CheckCanWrite(long position, long count)
    {
        ThrowIfCannotWrite();
        if (position > MappedLimits.MaxFileSize - Offset - count)
        {
            ThrowHelper.ThrowPositionTooLarge(nameof(position));
        }

        long end = Offset + position + count;
        if (end > WindowEnd)
        {
            ThrowHelper.ThrowBoundedWindow(Path, Offset, WindowEnd - Offset);
        }

        if (_fixedSize)
        {
            lock (Entry.Gate)
            {
                Refresh();
                long length = Volatile.Read(ref State.Length);
                if (end > length)
                {
                    ThrowHelper.ThrowFixedSize(Path, Clip(length));
                }
            }
        }
    }

    /// <summary>Takes a reference on the mapping for a direct view; throws (holding nothing) once the handle is disposed.</summary>
    internal MappingState Pin()
    {
        ThrowIfDisposed();
        MappingState state = State;
        if (!state.TryAddRef())
        {
            ThrowHelper.ThrowObjectDisposed(typeof(MappedFileStream));
        }

        // Taking the reference is a full fence: a concurrent Dispose either sees it or is seen here.
        if (IsDisposed)
        {
            state.Release();
            ThrowHelper.ThrowObjectDisposed(typeof(MappedFileStream));
        }

        return state;
    }

    /// <summary>Picks up other handles' and processes' changes when <c>[position, position + length)</c> reaches past the cached end (before a pin).</summary>
    internal void RefreshIfShort(long position, long length)
    {
        if (CachedLength - position < length)
        {
            _ = Length;
        }
    }

    /// <summary>
    /// For a pinned view: the address and clipped length of <c>[position, position + length)</c>, or a zero length at or past
    /// the end. Never throws, so a caller that pinned first can always release.
    /// </summary>
    internal byte* ViewAddress(long position, long length, out long count)
    {
        while (true)
        {
            count = Math.Clamp(CachedLength - position, 0, length);
            if (MappedAccess.TryBegin(State, Offset, long.MaxValue, position, count, out MappedAccess access))
            {
                access.EndUnchecked();
                return access.Pointer;
            }

            if (count == 0)
            {
                return (byte*)Volatile.Read(ref State.Base);
            }
        }
    }

    /// <summary>Calls <paramref name="reader"/> with the mapped bytes of the range, clipped at the end, with no copy.</summary>
    internal TResult ReadInPlace<TState, TResult>(long position, int length, TState state, InPlaceReader<TState, TResult> reader)
        where TState : allows ref struct
    {
        ThrowIfDisposed();
        int count = (int)Math.Clamp(CachedLength - position, 0, length);
        TResult result = ReadInPlaceOnce(position, count, state, reader, out bool intact);
        if (intact)
        {
            return result;
        }

        // A cut raced with the callback: run it again under the gate, where none can happen.
        lock (Entry.Gate)
        {
            count = (int)Math.Clamp(CachedLength - position, 0, length);
            return ReadInPlaceOnce(position, count, state, reader, out _);
        }
    }

    /// <summary>Writes back the pages of <c>[position, position + count)</c>, clipped to the data.</summary>
    internal void Sync(long position, long count, bool wait)
    {
        ThrowIfDisposed();
        if (!Writable || State.IsPrivate || count <= 0)
        {
            return;
        }

        long length = CachedLength;
        if (position >= length)
        {
            return;
        }

        long end = count > length - position ? length : position + count;
        if (MappedAccess.TryBegin(State, Offset, long.MaxValue, position, end - position, out MappedAccess access))
        {
            // The base is page-aligned, so the page start of the range is its address rounded down.
            byte* start = PageStart(access.Pointer);
            try
            {
                Mmap.Sync(start, (nuint)(access.Pointer - start + (end - position)), wait, Path);
            }
            catch
            {
                // A failed write-back touched nothing; the access must not outlive it (Windows releases views only when
                // no access is recorded).
                access.EndUnchecked();
                throw;
            }

            _ = access.End();
        }
    }

    /// <summary>Schedules or performs write-back of the range and, with <paramref name="flushToDisk"/>, makes the file durable.</summary>
    internal void Flush(long position, long count, bool flushToDisk)
    {
        Sync(position, count, flushToDisk);
        if (!Writable || State.IsPrivate)
        {
            return;
        }

        // The size on disk follows the length at every flush, when nothing prevents it.
        lock (Entry.Gate)
        {
            ThrowIfDisposed();
            Entry.TrimSurplus();
        }

        if (flushToDisk)
        {
            Entry.FlushToDisk();
        }
    }

    /// <summary>Makes the file's written data and metadata durable (<c>fsync</c>), without flushing mapped pages.</summary>
    internal void SyncFile()
    {
        ThrowIfDisposed();
        if (Writable && !State.IsPrivate)
        {
            Entry.FlushToDisk();
        }
    }

    /// <summary>Faults the window's pages in ahead of use (best effort).</summary>
    internal void Populate()
    {
        long length = CachedLength;
        if (MappedAccess.TryBegin(State, Offset, long.MaxValue, 0, length, out MappedAccess access))
        {
            byte* start = PageStart(access.Pointer);
            Mmap.Populate(start, (nuint)(access.Pointer - start + length));
            _ = access.End();
        }
    }

    /// <summary>
    /// Begins an access for a layer that keeps its own structure in the view (the queue) to the whole of the data: the layer
    /// touches only offsets it has checked against its own geometry, which lies inside the data. Throws
    /// <see cref="ObjectDisposedException"/> once disposed. End it with <see cref="EndAccess"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal MappedAccess BeginAccess()
    {
        if (MappedAccess.TryBegin(State, Offset, Volatile.Read(ref _limit), 0, CachedLength, out MappedAccess access))
        {
            return access;
        }

        return BeginAccessAgain();
    }

    /// <summary>
    /// Begins an access, as <see cref="BeginAccess()"/> does, for a layer whose structure spans the view's first
    /// <paramref name="count"/> bytes: throws <see cref="System.IO.IOException"/> if the data is shorter, which only another
    /// handle or program shrinking the file underneath the layer makes it, so that nothing is written into the cut range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal MappedAccess BeginAccess(long count)
    {
        if (!MappedAccess.TryBegin(State, Offset, Volatile.Read(ref _limit), 0, count, out MappedAccess access))
        {
            ThrowShorterThan(count);
        }

        return access;
    }

    /// <summary>The second try of <see cref="BeginAccess()"/>, after the length changed under the first; throws if it fails too.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private MappedAccess BeginAccessAgain()
    {
        if (!MappedAccess.TryBegin(State, Offset, Volatile.Read(ref _limit), 0, CachedLength, out MappedAccess access))
        {
            ThrowIfDisposed();
            throw new System.IO.IOException($"'{Path}' has no data at offset {Offset}: the file was shrunk by another handle or program.");
        }

        return access;
    }

    /// <summary>Throws as <see cref="BeginAccess(long)"/> does if the data is shorter than <paramref name="count"/> bytes.</summary>
    internal void ThrowIfShorterThan(long count)
    {
        if (CachedLength < count)
        {
            ThrowShorterThan(count);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowShorterThan(long count)
    {
        ThrowIfDisposed();
        throw new System.IO.IOException(
            $"'{Path}' holds fewer than the {count} bytes in use at offset {Offset}: the file was shrunk by another handle or program.");
    }

    /// <summary>
    /// Ends an access begun with <see cref="BeginAccess()"/>: throws if a cut happened meanwhile that reached the view (any cut,
    /// for a view that reaches the end of the file). The layer owns its bytes, so such a cut means another handle or program shrank
    /// the file underneath: what was read may not be data, what was written may be lost.
    /// </summary>
    internal void EndAccess(in MappedAccess access)
    {
        if (access.End())
        {
            return;
        }

        ThrowIfCutReachedTheWindow(access.Cuts);
    }

    /// <summary>
    /// Checks an access begun with <see cref="BeginAccess()"/> that goes on: throws as <see cref="EndAccess"/> does if a cut
    /// happened since it began, and leaves it open otherwise.
    /// </summary>
    internal void CheckAccess(in MappedAccess access)
    {
        if (access.Check())
        {
            return;
        }

        ThrowIfCutReachedTheWindow(access.Cuts);
    }

    /// <summary>
    /// After an access saw the cut counter move: throws unless the cuts made since <paramref name="cuts"/> all lay past the end
    /// of a window that ends before the file does, so that the layer's bytes were neither taken away nor handed back.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowIfCutReachedTheWindow(long cuts)
    {
        ThrowIfDisposed();
        if (WindowEnd != long.MaxValue && RangeUntouched(cuts, 0, WindowEnd - Offset))
        {
            // Another handle shrank the file past this window: nothing the layer keeps here was touched.
            return;
        }

        throw new System.IO.IOException($"'{Path}' was shrunk by another handle or program while it was in use.");
    }

    /// <summary>True if the cuts made since counter value <paramref name="cuts"/> left <c>[position, position + count)</c> alone.</summary>
    internal bool RangeUntouched(long cuts, long position, long count)
    {
        lock (Entry.Gate)
        {
            return State.Untouched(cuts, Offset + position + count);
        }
    }

    /// <summary>Disposes the handle: from now on every range check fails. Returns false if it was already disposed.</summary>
    internal bool Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        Volatile.Write(ref _limit, -1);
        Volatile.Write(ref _writeLimit, -1);
        lock (Entry.Gate)
        {
            // The copy refuses every access from now on, and an access in flight sees its counter move: its checks then go
            // through the slow paths, which see the disposal. Later cuts no longer need to reach it.
            PublishEnds();
            PublishCuts(-1);
            State.DetachView(this);
            if (Writable && !State.IsPrivate)
            {
                try
                {
                    // As a FileStream's buffer is written at its dispose: another reader looking now sees the length.
                    Entry.TrimSurplus();
                }
                catch (System.IO.IOException)
                {
                    // Only surplus bytes stay on disk; the last close gives them back.
                }
            }
        }

        return true;
    }

    /// <summary>Releases the handle's reference on the mapping (after <see cref="Dispose"/>).</summary>
    internal void Release() => State.ReleaseHandle();

    /// <summary>Throws <see cref="ObjectDisposedException"/> once disposed.</summary>
    internal void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            ThrowHelper.ThrowObjectDisposed(typeof(MappedFileStream));
        }
    }

    /// <summary>Throws if the handle is disposed or read-only.</summary>
    internal void ThrowIfCannotWrite()
    {
        ThrowIfDisposed();
        if (!Writable)
        {
            ThrowHelper.ThrowReadOnly();
        }
    }

    /// <summary>Picks up other handles' and processes' changes (under the gate).</summary>
    internal void Refresh()
    {
        if (!State.IsPrivate)
        {
            Entry.Refresh(checkDisk: true);
        }
    }

    private static byte* PageStart(byte* address) => (byte*)((nuint)address & ~(Region.PageSize - 1));

    private long Clip(long fileLength) => Math.Max(0, Math.Min(fileLength, WindowEnd) - Offset);

    /// <summary>
    /// A read the fast path did not complete: at or past the cached end (another process may have appended), partly past
    /// it, on a disposed handle, or raced by a cut. Done under the gate, where no cut can happen.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal int ReadSlow(long position, Span<byte> buffer) => Read(position, buffer, whole: false, out _);

    /// <summary>
    /// An exact read the handle's fast path did not complete: copies all of <paramref name="buffer"/> and returns true, or
    /// copies nothing and returns false when the data, after picking up other handles' changes, ends before the range does.
    /// </summary>
    /// <param name="position">The first byte, relative to the window; not negative.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="length">The length of the data the read was checked against.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool ReadWhole(long position, Span<byte> buffer, out long length) =>
        Read(position, buffer, whole: true, out length) == buffer.Length;

    private int Read(long position, Span<byte> buffer, bool whole, out long length)
    {
        ThrowIfDisposed();
        lock (Entry.Gate)
        {
            ThrowIfDisposed();
            long available = CachedLength - position;
            if (available < buffer.Length)
            {
                Refresh();
                available = CachedLength - position;
            }

            length = CachedLength;
            int count = (int)Math.Clamp(available, 0, buffer.Length);
            if (count == 0 || (whole && count < buffer.Length))
            {
                return 0;
            }

            if (!MappedAccess.TryBegin(State, Offset, long.MaxValue, position, count, out MappedAccess access))
            {
                return 0;
            }

            new ReadOnlySpan<byte>(access.Pointer, count).CopyTo(buffer);
            _ = access.End();
            return count;
        }
    }

    /// <summary>
    /// A write the fast path did not complete: past the end (grow, if allowed), on a disposed or read-only handle.
    /// Returns the position written at.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal long WriteSlow(long position, ReadOnlySpan<byte> data, bool append)
    {
        ThrowIfCannotWrite();
        if (data.IsEmpty)
        {
            // FileStream parity: an empty write past the end does not extend the stream. An empty append writes nothing
            // either: it reports the end of the data in the window, neither padding the file up to a window that starts past
            // its end nor answering with a position past a window that ends before the file does.
            return append ? Length : position;
        }

        if (position > MappedLimits.MaxFileSize - Offset - data.Length)
        {
            ThrowHelper.ThrowPositionTooLarge(nameof(position));
        }

        long fileOffset = Offset + position;
        if (!append && fileOffset + data.Length > WindowEnd)
        {
            ThrowHelper.ThrowBoundedWindow(Path, Offset, WindowEnd - Offset);
        }

        lock (Entry.Gate)
        {
            ThrowIfDisposed();
            return WriteLocked(fileOffset, data, append) - Offset;
        }
    }

    /// <summary>
    /// Does again, under the gate, a write inside the data whose end check saw a cut. Its bytes may have landed in pages that
    /// a shrink swapped out, in the tail of a page past the new end, or, if the file grew back meanwhile, in the grown pages:
    /// written again in full, it takes effect after the cut, as a <c>pwrite</c> after a truncation does (extending the file
    /// if it now ends before the range), and none of its bytes are left half there. A handle disposed meanwhile returns: the
    /// write came before its close.
    /// </summary>
    /// <param name="position">The first byte, relative to the handle's position 0.</param>
    /// <param name="data">The bytes.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void WriteAgain(long position, ReadOnlySpan<byte> data)
    {
        lock (Entry.Gate)
        {
            if (IsDisposed)
            {
                // Disposed during the call (a caller's bug whose cost is bounded): the write stands where it landed, as one
                // made before the cut it raced. What it stored past the end (another process's shrink may have put the end
                // below it) goes, while the file is still open in this process to do it.
                if (!State.IsPrivate && !Entry.IsClosed)
                {
                    Entry.ZeroPastEnd(Offset + position, data.Length);
                }

                return;
            }

            try
            {
                _ = WriteLocked(Offset + position, data, append: false);
            }
            catch when (!State.IsPrivate)
            {
                // The growth the write needs now failed (a full disk, a fixed size, a bounded window). Its first attempt may
                // have stored bytes past the end, where another process's shrink put the end meanwhile: they go, as a
                // failed write's bytes must, so that nothing past the end shows them.
                Entry.ZeroPastEnd(Offset + position, data.Length);
                throw;
            }
        }
    }

    // Under the gate: a write at `fileOffset`, past the data or not; returns the file offset written at.
    private long WriteLocked(long fileOffset, ReadOnlySpan<byte> data, bool append) =>
        State.IsPrivate ? WritePrivate(fileOffset, data, append) : Entry.WriteShared(this, fileOffset, data, append);

    // Under the gate: a private handle's data lives in its own pages only.
    private long WritePrivate(long fileOffset, ReadOnlySpan<byte> data, bool append)
    {
        long length = Volatile.Read(ref State.Length);
        if (append)
        {
            fileOffset = Math.Max(fileOffset, length);
        }

        long end = fileOffset + data.Length;
        if (end > length)
        {
            CheckCanGrowTo(end, length);
            Entry.PreparePrivateGrowth(State, length, end);
        }

        data.CopyTo(new Span<byte>(MappedAccess.BeginExclusive(State, fileOffset, data.Length), data.Length));
        State.Grow(end);
        return fileOffset;
    }

    private TResult ReadInPlaceOnce<TState, TResult>(long position, int count, TState state, InPlaceReader<TState, TResult> reader, out bool intact)
        where TState : allows ref struct
    {
        if (!MappedAccess.TryBegin(State, Offset, Volatile.Read(ref _limit), position, count, out MappedAccess access))
        {
            ThrowIfDisposed();
            intact = count == 0;
            return reader([], state);
        }

        TResult result;
        try
        {
            result = reader(new ReadOnlySpan<byte>(access.Pointer, count), state);
        }
        catch
        {
            access.EndUnchecked();
            throw;
        }

        intact = access.End();
        return result;
    }
}
