using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

/// <summary>
/// A <see cref="Stream"/> over a memory-mapped file: a drop-in for <see cref="FileStream"/> whose
/// reads and writes are memory copies, with emmap's open options, positional
/// <see cref="ReadAt(long, Span{byte})"/>/<see cref="WriteAt(long, ReadOnlySpan{byte})"/>
/// (<c>file:pread/pwrite</c>), growth, zero-copy views and atomics.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Like <see cref="FileStream"/>, the position-based members
/// (<see cref="Read(Span{byte})"/>, <see cref="Write(ReadOnlySpan{byte})"/>, <see cref="Seek"/>,
/// <see cref="Position"/>) are not thread-safe. <see cref="ReadAt(long, Span{byte})"/>,
/// <see cref="WriteAt(long, ReadOnlySpan{byte})"/>, the atomics, <see cref="ReadDirect"/> and
/// views are safe from many threads at once, also while another thread grows, shrinks or disposes
/// the stream: no sequence of calls can fault the process. A call that races with
/// <see cref="Stream.Dispose()"/> either completes or throws <see cref="ObjectDisposedException"/>.</para>
/// <para><b>Length and capacity.</b> <see cref="Length"/> is the end of the data, as with
/// <see cref="FileStream"/>; writes past it grow the file by emmap's policy (double while below
/// <see cref="MapOptions.MaxIncrementSize"/>, then add it), and the surplus is trimmed when the last
/// handle of the file in the process closes. All <see cref="MapSharing.Shared"/> handles of a file
/// in one process share one mapping and one length.</para>
/// <para><b>Durability.</b> A write to a shared mapping is in the page cache at once and survives
/// the process being killed; <see cref="Flush(bool)"/> with <see langword="true"/> makes it survive
/// power loss.</para>
/// </remarks>
public sealed partial class MappedFileStream : Stream
{
    private readonly MappingState _state;
    private readonly FileEntry _entry;
    private readonly long _offset;
    private readonly long _windowEnd;

    // The fast paths' range limits (file coordinates): the window's end, or -1 once disposed (and, for writes, on a read-only
    // handle), so that a single range check also refuses disposed and read-only handles.
    private long _limit;
    private long _writeLimit;
    private readonly bool _writable;
    private readonly bool _readable;
    private readonly MapOptions _options;
    private readonly GrowthPolicy _growth;

    // The stream's own open of the file (the caller's mode, access and FileShare): it holds FileStream's sharing lock.
    private readonly FileStream _ownFile;

    // FileMode.Append: the length at open, below which the stream may not seek or truncate; -1 otherwise.
    private readonly long _appendStart;
    private long _position;
    private int _disposed;

    private MappedFileStream(OpenedMapping opened)
    {
        _state = opened.State;
        _entry = opened.State.File;
        _offset = opened.Offset;
        _windowEnd = opened.Limit;
        _limit = opened.Limit;
        _writeLimit = opened.Writable ? opened.Limit : -1;
        _writable = opened.Writable;
        _readable = opened.Readable;
        _options = opened.Options;
        _growth = new GrowthPolicy(opened.Options.MaxIncrementSize);
        _ownFile = opened.OwnFile;
        _appendStart = opened.AppendStart;
        _position = Math.Max(0, opened.AppendStart);
        Name = opened.Path;
        Existed = opened.Existed;
        if (opened.Options.Populate)
        {
            Populate();
        }
    }

    /// <summary>Releases the mapping of a stream that was not disposed.</summary>
    ~MappedFileStream()
    {
        Dispose(false);
    }

    /// <summary>Gets the full path of the mapped file.</summary>
    /// <value>The absolute path given to <c>Open</c>.</value>
    public string Name { get; }

    /// <summary>Gets whether the file existed before this stream was opened (emmap info <c>exist</c>).</summary>
    /// <value><see langword="false"/> if the open created the file.</value>
    public bool Existed { get; }

    /// <summary>Gets the file offset of position 0 of this stream (the window start given to <c>Open</c>).</summary>
    /// <value>0 for a whole-file stream.</value>
    public long Offset => _offset;

    /// <summary>Gets the options the stream was opened with (a copy; changing it has no effect).</summary>
    /// <value>A copy of the <see cref="MapOptions"/>.</value>
    public MapOptions Options => _options.Clone();

    /// <summary>Gets the number of live direct views (and pins) of this stream's mapping, which keep it mapped.</summary>
    /// <value>For <see cref="MapSharing.Shared"/> streams, the count covers every handle of the file in this process.</value>
    /// <remarks>A view that is never disposed keeps its mapping until the process exits; this count makes leaks visible.</remarks>
    public int LiveViewCount => Math.Max(0, _state.ViewCount);

    /// <inheritdoc/>
    public override bool CanRead => !IsDisposed && _readable;

    /// <inheritdoc/>
    public override bool CanSeek => !IsDisposed;

    /// <inheritdoc/>
    public override bool CanWrite => !IsDisposed && _writable;

    /// <summary>Gets the length of the data in bytes (emmap info <c>size</c>).</summary>
    /// <value>The end of the data, relative to <see cref="Offset"/>.</value>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override long Length
    {
        get
        {
            ThrowIfDisposed();
            return CurrentLength(_state);
        }
    }

    /// <summary>Gets the number of bytes the file has room for past <see cref="Offset"/> without growing again.</summary>
    /// <value>At least <see cref="Length"/>; larger after writes past the end grew the file by the growth policy.</value>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public long Capacity
    {
        get
        {
            ThrowIfDisposed();
            long end = _state.IsPrivate ? (long)_state.Region.Accessible : _entry.PhysicalLength;
            return Math.Max(CurrentLength(_state), Math.Min(end, _windowEnd) - _offset);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    /// <exception cref="IOException">The stream was opened with <see cref="FileMode.Append"/> and the value is before the length it had then.</exception>
    public override long Position
    {
        get
        {
            ThrowIfDisposed();
            return _position;
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ThrowIfDisposed();
            if (value < _appendStart)
            {
                ThrowHelper.ThrowAppendSeek();
            }

            _position = value;
        }
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Reads bytes at <paramref name="position"/> into <paramref name="buffer"/> (emmap <c>pread</c>).
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to read from, relative to <see cref="Offset"/>.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <returns>The number of bytes read: <paramref name="buffer"/>'s length, fewer only at the end of the data, 0 at or past it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe; a memory copy with no system call and no allocation.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadAt(long position, Span<byte> buffer)
    {
        if (position < 0 || !_readable)
        {
            ThrowReadAtRefused(position);
        }

        return ReadCore(position, buffer);
    }

    /// <summary>
    /// Writes all of <paramref name="data"/> at <paramref name="position"/> (emmap <c>pwrite</c>), growing the
    /// file if the write ends past <see cref="Length"/>. The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to write at, relative to <see cref="Offset"/>.</param>
    /// <param name="data">The bytes to write.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="IOException">The write would grow a stream that cannot grow (<see cref="MapOptions.FixedSize"/>, a
    /// window that does not reach the end of the file), or growing the file failed (for example, the disk is full). Nothing is written.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe. Writes inside <see cref="Length"/> are memory copies with no system call and no allocation.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteAt(long position, ReadOnlySpan<byte> data)
    {
        if (position < 0)
        {
            ThrowNegativePosition(position);
        }

        WriteCore(position, data);
    }

    /// <summary>
    /// Sets the length (emmap <c>resize</c>): 0 means automatic growth (double while below
    /// <see cref="MapOptions.MaxIncrementSize"/>, else add it); any other value becomes the new length,
    /// shrinking or growing the file. The file's size on disk becomes exactly the new length.
    /// </summary>
    /// <param name="newSize">The new length, or 0 for automatic growth.</param>
    /// <returns>The new length.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="newSize"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="IOException">The stream cannot change length (<see cref="MapOptions.FixedSize"/> or a window that does not reach
    /// the end of the file), the new length would cut data that existed when a <see cref="FileMode.Append"/> stream was opened,
    /// or the file could not be grown; nothing changes.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>
    /// Shrinking never faults a direct view or another handle: when a view or a private mapping in this
    /// process may still cover the cut bytes, they read as zeros at once and the file's size on disk
    /// follows when those references are gone.
    /// </remarks>
    public long Resize(long newSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newSize);
        ThrowIfDisposed();
        if (!_writable)
        {
            ThrowHelper.ThrowReadOnly();
        }

        long target = newSize == 0 ? _growth.Next(CurrentLength(_state)) : newSize;
        ChangeLength(target);
        return CurrentLength(_state);
    }

    /// <summary>Sets the length of the stream to exactly <paramref name="value"/> bytes, 0 included.</summary>
    /// <param name="value">The new length.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative, or larger than the file system allows (as
    /// with <see cref="FileStream"/>).</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="IOException">The stream cannot change length, the new length would cut data that existed when a
    /// <see cref="FileMode.Append"/> stream was opened, or the file could not be grown; nothing changes.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>See <see cref="Resize"/>. If <see cref="Position"/> is past the new end it moves to it.</remarks>
    public override void SetLength(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ThrowIfDisposed();
        if (!_writable)
        {
            ThrowHelper.ThrowReadOnly();
        }

        try
        {
            ChangeLength(value);
        }
        catch (IOException ex) when (ex.HResult == Native.UnixConstants.ErrorFileTooLarge)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The length is too large for the file system.");
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_state is null)
        {
            // A constructor threw before the stream was built (the finalizer still runs): it holds nothing.
            base.Dispose(disposing);
            return;
        }

        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // From here the fast paths' range check fails for every position, and their slow paths throw.
        Volatile.Write(ref _limit, -1);
        Volatile.Write(ref _writeLimit, -1);

        try
        {
            lock (_entry.Gate)
            {
                _state.Handles--;
            }

            if (_options.AutoUnlink)
            {
                try
                {
                    File.Delete(Name);
                }
                catch (IOException)
                {
                    // Already gone or not deletable: AutoUnlink is best effort, as emmap's unlink.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
        finally
        {
            _state.Release();

            // Releases the sharing lock (and deletes a FileOptions.DeleteOnClose file); from the finalizer, the handle's own does.
            if (disposing)
            {
                _ownFile.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// The length of the data as this handle sees it; throws <see cref="ObjectDisposedException"/> once the handle is
    /// disposed (its limit is -1) or its mapping is detached (the length is -1, which happens only after every handle is).
    /// </summary>
    private long CurrentLength(MappingState state)
    {
        long limit = Volatile.Read(ref _limit);
        long length = Volatile.Read(ref state.Length);
        if ((limit | length) < 0)
        {
            ThrowHelper.ThrowObjectDisposed(this);
        }

        return Math.Max(0, Math.Min(length, limit) - _offset);
    }

    private void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            ThrowHelper.ThrowObjectDisposed(this);
        }
    }

    // After touching mapped memory: on weakly ordered CPUs, order the copy before the checks that follow.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OrderAfterAccess()
    {
        if (!X86Base.IsSupported)
        {
            Interlocked.MemoryBarrier();
        }
    }

    /// <summary>The positional read every read form goes through. <paramref name="position"/> is non-negative.</summary>
    /// <remarks>
    /// The fast path loads the length and the base address, copies, and checks once afterwards that the length did not
    /// drop under the copy (a shrink, or the detach after the last handle closed, which sets it to -1). A disposed handle has
    /// <see cref="_limit"/> -1, so it never passes the range check and the slow path throws.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe int ReadCore(long position, Span<byte> buffer)
    {
        MappingState state = _state;
        long available = Math.Min(Volatile.Read(ref state.Length), Volatile.Read(ref _limit)) - _offset;
        if (position >= available)
        {
            return ReadNothing();
        }

        // count fits in buffer and in the data: copy without the span checks.
        int count = (int)Math.Min(buffer.Length, available - position);
        long end = _offset + position + count;
        MappedCopy.Copy(ref MemoryMarshal.GetReference(buffer), ref *((byte*)Volatile.Read(ref state.Base) + end - count), (uint)count);
        OrderAfterAccess();
        if (Volatile.Read(ref state.Length) < end)
        {
            count = AfterRacedRead(state, end - count, count);
        }

        GC.KeepAlive(state);
        return count;
    }

    /// <summary>A read at or past the end, or into an empty buffer: 0, unless the handle is disposed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadNothing()
    {
        ThrowIfDisposed();
        return 0;
    }

    /// <summary>
    /// A read raced with a shrink or a detach: throw if disposed, else report only what is still data — never more than was
    /// copied, even if the file has grown back meanwhile.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int AfterRacedRead(MappingState state, long fileOffset, int copied)
    {
        ThrowIfDisposed();
        return (int)Math.Clamp(Volatile.Read(ref state.Length) - fileOffset, 0, copied);
    }

    /// <summary>The positional write every write form goes through. <paramref name="position"/> is non-negative.</summary>
    /// <remarks>
    /// Like <see cref="ReadCore"/>: one range check before the copy (a read-only or disposed handle has
    /// <see cref="_writeLimit"/> -1 and always takes <see cref="WriteSlow"/>), and one check afterwards that the written range
    /// was not cut or detached meanwhile. A move of the mapping (growth past its reservation) needs no check: the old
    /// region keeps mapping the same file pages, shared, until the state is released, so a write that landed there is in
    /// the file.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void WriteCore(long position, ReadOnlySpan<byte> data)
    {
        MappingState state = _state;
        long available = Math.Min(Volatile.Read(ref state.Length), Volatile.Read(ref _writeLimit)) - _offset;
        if (position > available - data.Length)
        {
            WriteSlow(position, data);
            return;
        }

        long end = _offset + position + data.Length;
        MappedCopy.Copy(ref *((byte*)Volatile.Read(ref state.Base) + end - data.Length), ref MemoryMarshal.GetReference(data), (uint)data.Length);
        OrderAfterAccess();
        if (Volatile.Read(ref state.Length) < end)
        {
            AfterRacedWrite();
        }

        GC.KeepAlive(state);
    }

    /// <summary>
    /// A write raced with a shrink or a detach. Disposed (the detach happens only after every handle is): throw. Otherwise the
    /// write happened before the shrink, which discarded it, as it would have after.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AfterRacedWrite() => ThrowIfDisposed();

    /// <summary>A write that ends past the data: grow (if allowed) under the file's gate, copy, then publish the length.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private unsafe void WriteSlow(long position, ReadOnlySpan<byte> data)
    {
        ThrowIfDisposed();
        if (!_writable)
        {
            ThrowHelper.ThrowReadOnly();
        }

        if (data.IsEmpty)
        {
            // FileStream parity: an empty write past the end does not extend the stream.
            return;
        }

        if (position > long.MaxValue - _offset - data.Length)
        {
            ThrowHelper.ThrowPositionTooLarge(nameof(position));
        }

        long fileOffset = _offset + position;
        long fileEnd = fileOffset + data.Length;
        lock (_entry.Gate)
        {
            ThrowIfDisposed();
            MappingState state = _state;
            long current = Volatile.Read(ref state.Length);
            if (fileEnd > _windowEnd)
            {
                ThrowHelper.ThrowBoundedWindow(Name, _offset, _windowEnd - _offset);
            }

            if (fileEnd > current)
            {
                if (_options.FixedSize)
                {
                    ThrowHelper.ThrowFixedSize(Name, CurrentLength(state));
                }

                if (state.IsPrivate)
                {
                    _entry.EnsurePrivateCapacity(state, fileEnd);
                }
                else
                {
                    _entry.EnsureSharedCapacity(fileEnd, _growth);
                }
            }

            data.CopyTo(new Span<byte>((byte*)state.Base + fileOffset, data.Length));
            if (fileEnd > Volatile.Read(ref state.Length))
            {
                Volatile.Write(ref state.Length, fileEnd);
            }

            GC.KeepAlive(state);
        }
    }

    private void ChangeLength(long newLength)
    {
        if (newLength < _appendStart)
        {
            ThrowHelper.ThrowAppendTruncate();
        }

        lock (_entry.Gate)
        {
            ThrowIfDisposed();
            long current = CurrentLength(_state);
            if (_options.FixedSize || _windowEnd != long.MaxValue)
            {
                if (newLength == current)
                {
                    return;
                }

                if (_options.FixedSize)
                {
                    ThrowHelper.ThrowFixedSize(Name, current);
                }

                ThrowHelper.ThrowBoundedWindow(Name, _offset, _windowEnd - _offset);
            }

            if (newLength > long.MaxValue - _offset)
            {
                ThrowHelper.ThrowPositionTooLarge(nameof(newLength));
            }

            long fileEnd = _offset + newLength;
            if (_state.IsPrivate)
            {
                _entry.SetPrivateLength(_state, fileEnd);
            }
            else
            {
                _entry.SetFileLength(fileEnd);
            }
        }

        if (_position > newLength)
        {
            _position = newLength;
        }
    }
}
