using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Emmap.Streams;

/// <remarks>
/// The asynchronous members complete synchronously: a read or write is a memory copy. As with <see cref="FileStream"/>, argument,
/// disposal and capability errors are thrown at the call; a cancelled token gives a cancelled task; an I/O error of the operation
/// itself (a full disk while growing, a fixed size) gives a faulted task.
/// </remarks>
public sealed partial class MappedFileStream
{
    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Completes synchronously and allocates nothing: the copy is a memory copy.</remarks>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        ThrowIfUnreadable();
        return new ValueTask<int>(Read(buffer.Span));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<int>(cancellationToken);
        }

        ThrowIfUnreadable();

        return Task.FromResult(Read(buffer.AsSpan(offset, count)));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override IAsyncResult BeginRead(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) =>
        TaskToAsyncResult.Begin(ReadAsync(buffer, offset, count, CancellationToken.None), callback, state);

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="asyncResult"/> is <see langword="null"/>.</exception>
    public override int EndRead(IAsyncResult asyncResult) => TaskToAsyncResult.End<int>(asyncResult);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Completes synchronously and, inside <see cref="Length"/>, allocates nothing. A write that cannot grow the stream
    /// (a fixed size, a full disk, an end past the largest file) gives a faulted task, as <see cref="FileStream"/>'s does.</remarks>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        ThrowIfUnwritable();
        try
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex) when (ex is IOException or ArgumentOutOfRangeException)
        {
            // The arguments are valid: an out-of-range end is the stream's position past the largest file.
            return ValueTask.FromException(ex);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        ThrowIfUnwritable();
        try
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }
        catch (Exception ex) when (ex is IOException or ArgumentOutOfRangeException)
        {
            // The arguments were checked above: an out-of-range end is the stream's position past the largest file.
            return Task.FromException(ex);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override IAsyncResult BeginWrite(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) =>
        TaskToAsyncResult.Begin(WriteAsync(buffer, offset, count, CancellationToken.None), callback, state);

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="asyncResult"/> is <see langword="null"/>.</exception>
    public override void EndWrite(IAsyncResult asyncResult) => TaskToAsyncResult.End(asyncResult);

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Schedules write-back as <see cref="Flush()"/> does and completes synchronously.</remarks>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        ThrowIfDisposed();
        try
        {
            Flush();
            return Task.CompletedTask;
        }
        catch (IOException ex)
        {
            return Task.FromException(ex);
        }
    }

    /// <summary>
    /// Reads bytes at <paramref name="position"/> into <paramref name="buffer"/>, as <see cref="RandomAccess.ReadAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, Memory{byte}, long, CancellationToken)"/>.
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to read from, relative to <see cref="Offset"/>.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="cancellationToken">Checked once, before the copy.</param>
    /// <returns>The number of bytes read: <paramref name="buffer"/>'s length, fewer only at the end of the data, 0 at or past it. On a
    /// write-only stream, a task faulted with <see cref="NotSupportedException"/> (where <see cref="RandomAccess"/> reports the system's
    /// refusal in the task).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe. Completes synchronously and allocates nothing: it is <see cref="ReadAt(long, Span{byte})"/>.</remarks>
    public ValueTask<int> ReadAtAsync(long position, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (!_readable)
        {
            return ValueTask.FromException<int>(ThrowHelper.WriteOnly());
        }

        return new ValueTask<int>(ReadCore(position, buffer.Span));
    }

    /// <summary>
    /// Reads exactly <paramref name="buffer"/>'s length at <paramref name="position"/>, as
    /// <see cref="Stream.ReadExactlyAsync(Memory{byte}, CancellationToken)"/> does at the current position. The position of the
    /// stream is not advanced.
    /// </summary>
    /// <param name="position">The position to read from, relative to <see cref="Offset"/>.</param>
    /// <param name="buffer">Where the bytes go; all of it is filled.</param>
    /// <param name="cancellationToken">Checked once, before the copy.</param>
    /// <returns>A completed task; one faulted with <see cref="EndOfStreamException"/> if the data ends before
    /// <paramref name="position"/> + the buffer's length (the stream is unchanged, the buffer's content unspecified), or with
    /// <see cref="NotSupportedException"/> on a write-only stream.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe. Completes synchronously and allocates nothing: it is <see cref="ReadExactlyAt(long, Span{byte})"/>.</remarks>
    public ValueTask ReadExactlyAtAsync(long position, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (!_readable)
        {
            return ValueTask.FromException(ThrowHelper.WriteOnly());
        }

        try
        {
            ReadExactlyCore(position, buffer.Span);
        }
        catch (EndOfStreamException ex)
        {
            return ValueTask.FromException(ex);
        }

        return default;
    }

    /// <summary>
    /// Writes all of <paramref name="data"/> at <paramref name="position"/>, growing the file if the write ends past
    /// <see cref="Length"/>, as <see cref="RandomAccess.WriteAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, ReadOnlyMemory{byte}, long, CancellationToken)"/>.
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to write at, relative to <see cref="Offset"/>.</param>
    /// <param name="data">The bytes to write.</param>
    /// <param name="cancellationToken">Checked once, before the copy.</param>
    /// <returns>A completed task; a faulted one if the stream is read-only (<see cref="NotSupportedException"/>) or could not grow
    /// (<see cref="IOException"/>), in which case nothing is written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative, or the write would end past the largest file offset.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe. Completes synchronously; inside <see cref="Length"/> it allocates nothing: it is <see cref="WriteAt(long, ReadOnlySpan{byte})"/>.</remarks>
    public ValueTask WriteAtAsync(long position, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (!IsWritable)
        {
            return ValueTask.FromException(ThrowHelper.ReadOnly());
        }

        try
        {
            WriteCore(position, data.Span);
            return ValueTask.CompletedTask;
        }
        catch (IOException ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    /// <summary>
    /// Reads bytes at <paramref name="position"/> into <paramref name="buffers"/>, one after the other, as
    /// <see cref="RandomAccess.ReadAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, IReadOnlyList{Memory{byte}}, long, CancellationToken)"/>.
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to read from, relative to <see cref="Offset"/>.</param>
    /// <param name="buffers">Where the bytes go: each buffer is filled before the next.</param>
    /// <param name="cancellationToken">Checked once, before the copies.</param>
    /// <returns>The total number of bytes read; fewer than the buffers hold only at the end of the data. On a write-only stream, a
    /// task faulted with <see cref="NotSupportedException"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe. Completes synchronously: it is <see cref="ReadAt(long, IReadOnlyList{Memory{byte}})"/>.</remarks>
    public ValueTask<long> ReadAtAsync(long position, IReadOnlyList<Memory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ValidatePositional(position, buffers);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<long>(cancellationToken);
        }

        if (!_readable)
        {
            return ValueTask.FromException<long>(ThrowHelper.WriteOnly());
        }

        return new ValueTask<long>(ReadAtCore(position, buffers));
    }

    /// <summary>
    /// Writes <paramref name="buffers"/> one after the other at <paramref name="position"/>, as
    /// <see cref="RandomAccess.WriteAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, IReadOnlyList{ReadOnlyMemory{byte}}, long, CancellationToken)"/>.
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to write at, relative to <see cref="Offset"/>.</param>
    /// <param name="buffers">The bytes to write, in order.</param>
    /// <param name="cancellationToken">Checked once, before the copies.</param>
    /// <returns>A completed task; a faulted one if the stream is read-only (<see cref="NotSupportedException"/>) or could not grow
    /// (<see cref="IOException"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative, or the write would end past the largest file offset.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is <see langword="null"/>.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe. Completes synchronously: it is <see cref="WriteAt(long, IReadOnlyList{ReadOnlyMemory{byte}})"/>, not atomic.</remarks>
    public ValueTask WriteAtAsync(long position, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken cancellationToken = default)
    {
        ValidatePositional(position, buffers);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (!IsWritable)
        {
            return ValueTask.FromException(ThrowHelper.ReadOnly());
        }

        try
        {
            WriteAtCore(position, buffers);
            return ValueTask.CompletedTask;
        }
        catch (IOException ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    private void ThrowIfUnwritable()
    {
        ThrowIfDisposed();
        if (!IsWritable)
        {
            ThrowHelper.ThrowReadOnly();
        }
    }
}
