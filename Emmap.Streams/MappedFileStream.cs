using System;
using System.IO;
using System.Runtime.CompilerServices;
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
/// <see cref="FileStream"/>, and every handle in every process agrees on it: other processes' appends and shrinks are seen
/// at the latest by the next <see cref="Length"/>, read past the cached end, write past it or <see cref="SetLength"/>.
/// Writes past the end grow the file by emmap's policy (double while below <see cref="MapOptions.MaxIncrementSize"/>,
/// then add it) with no system call while the capacity lasts; <see cref="Flush()"/> and the last close give the surplus
/// back, so the size on disk is the length whenever another reader could look.</para>
/// <para><b>Opening for reading.</b> On Linux, a whole-file read-only <see cref="Open(string, MapOptions?)"/> of a file that
/// no process using the library writes at the time maps nothing at first: its first reads (up to eight) are served from the
/// file, as <see cref="RandomAccess"/> serves them, and the first call that needs mapped memory (a direct view, a pipe
/// reader, an atomic read, a read after those first ones) maps the file. An open, a few reads and a dispose so cost a few
/// system calls instead of a mapping. The bytes and exceptions are the same either way.</para>
/// <para><b>Durability.</b> A write to a shared mapping is in the page cache at once and survives
/// the process being killed; <see cref="Flush(bool)"/> with <see langword="true"/> makes it survive
/// power loss.</para>
/// </remarks>
public sealed partial class MappedFileStream : Stream
{
    private readonly MapOptions _options;
    private readonly bool _readable;

    // The stream's own open of the file (the caller's mode, access and FileShare): it holds FileStream's sharing lock. Null
    // when the open gave it to the file's entry, which holds the lock as long as the file is mapped.
    private readonly FileStream? _ownFile;

    // A read-only stream that reads its file without a mapping until it needs one (see DeferredMapping): its own open of the
    // file, kept until the stream maps it and the mapping's descriptor takes its sharing lock over, or else for the stream's
    // life. Null when the open mapped the file at once.
    private readonly DeferredMapping? _deferred;

    // The stream's handle on the mapping; null while the mapping is deferred, set once under the deferred state's gate.
    private MappedView? _view;

    // FileMode.Append: the length at open, below which the stream may not seek or truncate; -1 otherwise.
    private readonly long _appendStart;

    // FileOptions.DeleteOnClose on Unix: the stream deletes its file when it is closed, as FileStream's handle does.
    private readonly bool _deleteOnClose;
    private long _position;

    private MappedFileStream(OpenedMapping opened)
    {
        _options = opened.Options;
        _readable = opened.Readable;
        _ownFile = opened.OwnFile;
        _appendStart = opened.AppendStart;
        _deleteOnClose = opened.DeleteOnClose;
        _position = Math.Max(0, opened.AppendStart);
        Existed = opened.Existed;
        if (opened.View is not { } view)
        {
            _deferred = opened.Deferred!;
            Name = _deferred.Path;
            return;
        }

        _view = view;
        Name = view.Path;
        view.Bind(this);
        if (opened.Options.Populate)
        {
            view.Populate();
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
    public long Offset => Volatile.Read(ref _view)?.Offset ?? 0;

    /// <summary>Gets the options the stream was opened with (a copy; changing it has no effect).</summary>
    /// <value>A copy of the <see cref="MapOptions"/>.</value>
    public MapOptions Options => _options.Clone();

    /// <summary>Gets the number of live direct views (and pins) of this stream's mapping, which keep it mapped.</summary>
    /// <value>For <see cref="MapSharing.Shared"/> streams, the count covers every handle of the file in this process.</value>
    /// <remarks>A view that is never disposed keeps its mapping until the process exits; this count makes leaks visible.</remarks>
    public int LiveViewCount =>
        Volatile.Read(ref _view) is { } view ? view.State.ViewCount
        : _deferred is { } deferred && FileRegistry.Find(deferred.Identity)?.Shared is { } shared ? shared.ViewCount
        : 0;

    /// <inheritdoc/>
    public override bool CanRead => !IsDisposed && _readable;

    /// <inheritdoc/>
    public override bool CanSeek => !IsDisposed;

    /// <inheritdoc/>
    public override bool CanWrite => !IsDisposed && IsWritable;

    /// <summary>Gets the length of the data in bytes (emmap info <c>size</c>), as every handle in every process sees it.</summary>
    /// <value>The end of the data, relative to <see cref="Offset"/>.</value>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Picks up appends and shrinks made through other handles and processes, as <see cref="FileStream.Length"/> does.</remarks>
    public override long Length => Volatile.Read(ref _view) is null && _deferred!.TryGetLength(out long length) ? length : View.Length;

    /// <summary>Gets the number of bytes the file has room for past <see cref="Offset"/> without growing again.</summary>
    /// <value>At least <see cref="Length"/>; larger after writes past the end grew the file by the growth policy.</value>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public long Capacity => View.Capacity;

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

    /// <summary>
    /// Reads bytes at <paramref name="position"/> into <paramref name="buffer"/> (emmap <c>pread</c>).
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to read from, relative to <see cref="Offset"/>.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <returns>The number of bytes read: <paramref name="buffer"/>'s length, fewer only at the end of the data, 0 at or past it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed (reported first, as by <see cref="RandomAccess"/>).</exception>
    /// <remarks>Thread-safe; a memory copy with no system call and no allocation (the first reads of a stream opened for
    /// reading may come from the file before it is mapped: see the remarks on <see cref="MappedFileStream"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadAt(long position, Span<byte> buffer) => ReadCore(position, buffer);

    /// <summary>
    /// Reads exactly <paramref name="buffer"/>'s length at <paramref name="position"/>, as
    /// <see cref="Stream.ReadExactly(Span{byte})"/> does at the current position. The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to read from, relative to <see cref="Offset"/>.</param>
    /// <param name="buffer">Where the bytes go; all of it is filled.</param>
    /// <exception cref="EndOfStreamException">The data ends before <paramref name="position"/> + the buffer's length. The stream
    /// is unchanged; what <paramref name="buffer"/> holds is unspecified, as after <see cref="Stream.ReadExactly(Span{byte})"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed (reported first, as by <see cref="RandomAccess"/>).</exception>
    /// <remarks>
    /// <para>Thread-safe; a memory copy with no system call and no allocation. An empty buffer reads nothing at any position.</para>
    /// <para>The call for fixed-size records: with no count to return, a loop of such reads compiles to the access checks and the
    /// copy alone, which is faster than <see cref="ReadAt(long, Span{byte})"/> when every read misses the caches.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReadExactlyAt(long position, Span<byte> buffer) => ReadExactlyCore(position, buffer);

    /// <summary>
    /// Writes all of <paramref name="data"/> at <paramref name="position"/> (emmap <c>pwrite</c>), growing the
    /// file if the write ends past <see cref="Length"/>. The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to write at, relative to <see cref="Offset"/>.</param>
    /// <param name="data">The bytes to write.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative, or the write would end past the largest
    /// file offset or the largest file the file system allows (as with <see cref="FileStream"/>). Nothing is written.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="IOException">The write would grow a stream that cannot grow (<see cref="MapOptions.FixedSize"/>, a
    /// window that does not reach the end of the file), or growing the file failed (for example, the disk is full). Nothing is written.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed (reported first, as by <see cref="RandomAccess"/>).</exception>
    /// <remarks>Thread-safe. Writes inside <see cref="Length"/> are memory copies with no system call and no allocation.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteAt(long position, ReadOnlySpan<byte> data) => WriteCore(position, data);

    /// <summary>
    /// Appends <paramref name="data"/> at the end of the data, atomically for every handle and every process that uses the
    /// file through this library (as a write to a file opened with <c>O_APPEND</c>), and returns the position it was written at.
    /// </summary>
    /// <param name="data">The bytes to append.</param>
    /// <returns>The position of the first appended byte, relative to <see cref="Offset"/>.</returns>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="IOException">The stream cannot grow (<see cref="MapOptions.FixedSize"/>, a window that does not reach the
    /// end of the file), or growing the file failed; nothing is written.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>
    /// Unlike <c>Seek(0, SeekOrigin.End)</c> followed by <see cref="Write(ReadOnlySpan{byte})"/>, which writes at the end as
    /// this handle last saw it (two writers can overwrite each other, as with two <see cref="FileStream"/>s), the end is
    /// reserved and written under the file's size lock, so concurrent appends from any number of threads and processes never
    /// overlap. Does not move <see cref="Position"/>. Thread-safe. Empty <paramref name="data"/> writes nothing and returns
    /// <see cref="Length"/>, also on a window that starts past the end of the file or ends before it.
    /// </remarks>
    public long Append(ReadOnlySpan<byte> data) => WritableView().Append(data);

    /// <summary>
    /// Sets the length (emmap <c>resize</c>): 0 means automatic growth (double while below
    /// <see cref="MapOptions.MaxIncrementSize"/>, else add it); any other value becomes the new length,
    /// shrinking or growing the file. The file's size on disk becomes exactly the new length.
    /// </summary>
    /// <param name="newSize">The new length, or 0 for automatic growth.</param>
    /// <returns>The new length.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="newSize"/> is negative, or larger than the file system allows
    /// (as <see cref="SetLength"/>); nothing changes.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="IOException">The stream cannot change length (<see cref="MapOptions.FixedSize"/> or a window that does not reach
    /// the end of the file), the new length would cut data that existed when a <see cref="FileMode.Append"/> stream was opened,
    /// or the file could not be grown; nothing changes.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>
    /// Shrinking never faults a direct view, another handle or another process: the cut bytes read as zeros through this
    /// process's views at once, and when another process still has the file open (or a private mapping here still maps the
    /// cut range) the file's size on disk follows when it closes. Growing back reads zeros, never the cut bytes.
    /// </remarks>
    public long Resize(long newSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newSize);
        MappedView view = WritableView();
        if (newSize != 0)
        {
            ChangeLength(newSize, growOnly: false, nameof(newSize));
            return view.CachedLength;
        }

        // Grown from the length seen here, which another thread or process may have passed by the time the size lock is held:
        // automatic growth then leaves the length as it is, never cutting what was written meanwhile.
        ChangeLength(view.Growth.Next(view.Length), growOnly: true, nameof(newSize));
        return view.CachedLength;
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
    public override void SetLength(long value) => ChangeLength(value, growOnly: false, nameof(value));

    // With growOnly (automatic growth), a length the file has reached by the time the size lock is held is left as it is.
    // parameterName names the caller's argument in the exceptions.
    private void ChangeLength(long value, bool growOnly, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, parameterName);
        MappedView view = WritableView();
        if (value < _appendStart)
        {
            ThrowHelper.ThrowAppendTruncate();
        }

        try
        {
            view.SetLength(value, growOnly);
        }
        catch (IOException ex) when (ex.HResult == Native.UnixConstants.ErrorFileTooLarge)
        {
            throw new ArgumentOutOfRangeException(parameterName, value, "The length is too large for the file system.");
        }

        long end = growOnly ? Math.Max(value, view.CachedLength) : value;
        if (_position > end)
        {
            _position = end;
        }
    }

    /// <summary>Gets the mapping-layer handle, for the layers built on the stream (the queue, the counters); maps a deferred stream's file.</summary>
    internal MappedView View => Volatile.Read(ref _view) ?? MapDeferred();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        MappedView? view = _view;
        if (disposing && view is null && _deferred is { } unmapped && unmapped.WriterCameSince())
        {
            // A writer of another process came while this stream read through its own descriptor, and may have left capacity
            // past the length because this one was present: the stream maps the file to close as a mapped reader does, which
            // trims the file and deletes its page if it is the last.
            try
            {
                _ = MapDeferred();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or ArgumentException or NotSupportedException)
            {
                // Whatever keeps the mapping from being made, the stream closes all the same: the next process to close the file
                // alone trims what is owed.
            }
        }

        if (_deferred is { } deferred)
        {
            lock (deferred.Gate)
            {
                // From here on no mapping begins.
                if (!deferred.MarkDisposed())
                {
                    return;
                }

                view = _view;
            }
        }

        if (view is null && _deferred is null)
        {
            // A constructor threw before the stream was built (the finalizer still runs): it holds nothing.
            base.Dispose(disposing);
            return;
        }

        if (view is not null && !view.Dispose())
        {
            return;
        }

        try
        {
            if (_options.AutoUnlink || _deleteOnClose)
            {
                try
                {
                    File.Delete(Name);
                }
                catch (IOException)
                {
                    // Already gone or not deletable: AutoUnlink is best effort, as emmap's unlink, and FileStream ignores a
                    // DeleteOnClose file it cannot delete.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
        finally
        {
            view?.Release();
            if (view is not null && _ownFile is null && (_deferred is null || _deferred.HandedOver))
            {
                // The stream's own open became the file's mapping descriptor, or that descriptor took over the sharing lock of a
                // stream that mapped after its first reads; views may keep it open: the sharing lock goes with the stream all the
                // same (nothing to do when the release closed the file).
                view.Entry.ReleaseSharingLock();
            }

            // Releases the sharing lock (and deletes a FileOptions.DeleteOnClose file); from the finalizer, the handle's own does.
            if (disposing)
            {
                _ownFile?.Dispose();
                _deferred?.Handle.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
