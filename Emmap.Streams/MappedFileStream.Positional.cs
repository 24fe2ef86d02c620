using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    /// <summary>
    /// Reads bytes at <paramref name="position"/> into <paramref name="buffers"/>, one after the other, as
    /// <see cref="System.IO.RandomAccess.Read(Microsoft.Win32.SafeHandles.SafeFileHandle, IReadOnlyList{Memory{byte}}, long)"/>.
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to read from, relative to <see cref="Offset"/>.</param>
    /// <param name="buffers">Where the bytes go: each buffer is filled before the next.</param>
    /// <returns>The total number of bytes read; fewer than the buffers hold only at the end of the data, 0 at or past it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe: memory copies with no system call and no allocation.</remarks>
    public long ReadAt(long position, IReadOnlyList<Memory<byte>> buffers)
    {
        ValidatePositional(position, buffers);
        ThrowIfUnreadable();
        return ReadAtCore(position, buffers);
    }

    /// <summary>
    /// Writes <paramref name="buffers"/> one after the other at <paramref name="position"/>, growing the file if the writes end
    /// past <see cref="Length"/>, as <see cref="System.IO.RandomAccess.Write(Microsoft.Win32.SafeHandles.SafeFileHandle, IReadOnlyList{ReadOnlyMemory{byte}}, long)"/>.
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">The position to write at, relative to <see cref="Offset"/>.</param>
    /// <param name="buffers">The bytes to write, in order.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative, or the writes would end past the largest file offset.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="System.IO.IOException">The writes would grow a stream that cannot grow, or growing failed; nothing is
    /// written (unless the buffers hold more than <see cref="Array.MaxLength"/> bytes together: then, as with
    /// <see cref="System.IO.RandomAccess"/>, the buffers before the one that could not grow the file are written).</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe but not atomic: a concurrent reader may see some buffers written and not yet others.</remarks>
    public void WriteAt(long position, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        ValidatePositional(position, buffers);
        ThrowIfUnwritable();
        WriteAtCore(position, buffers);
    }

    private long ReadAtCore(long position, IReadOnlyList<Memory<byte>> buffers)
    {
        long total = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            Span<byte> buffer = buffers[i].Span;
            int read = ReadCore(position + total, buffer);
            total += read;
            if (read < buffer.Length)
            {
                break;
            }
        }

        return total;
    }

    private void WriteAtCore(long position, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        long total = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            total += buffers[i].Length;
        }

        if (total > 0 && total > KnownLength - position)
        {
            // Past the end: a handle that may not grow so far (a bounded window, a fixed size) refuses the whole write before
            // its first buffer is stored, so that the exception leaves the file as it was.
            WriteTarget.CheckCanWrite(position, total);
            if (total <= Array.MaxLength && WriteGrowingAtOnce(position, buffers, (int)total))
            {
                return;
            }
        }

        long written = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            ReadOnlySpan<byte> data = buffers[i].Span;
            if (data.IsEmpty)
            {
                continue;
            }

            if (position > long.MaxValue - written)
            {
                ThrowHelper.ThrowPositionTooLarge(nameof(position));
            }

            WriteCore(position + written, data);
            written += data.Length;
        }
    }

    /// <summary>
    /// A gather write that grows the file, as one write of the buffers' bytes joined: the growth either makes room for all of
    /// them or fails before any is stored (a disk with room for the first buffers only must not keep them).
    /// </summary>
    /// <returns>False if fewer than two buffers hold bytes (one write of the one buffer does the same without a copy).</returns>
    private bool WriteGrowingAtOnce(long position, IReadOnlyList<ReadOnlyMemory<byte>> buffers, int total)
    {
        int nonEmpty = 0;
        for (int i = 0; i < buffers.Count && nonEmpty < 2; i++)
        {
            if (!buffers[i].IsEmpty)
            {
                nonEmpty++;
            }
        }

        if (nonEmpty < 2)
        {
            return false;
        }

        byte[] joined = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            int at = 0;
            for (int i = 0; i < buffers.Count; i++)
            {
                ReadOnlySpan<byte> data = buffers[i].Span;
                data.CopyTo(joined.AsSpan(at));
                at += data.Length;
            }

            WriteCore(position, joined.AsSpan(0, total));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined);
        }

        return true;
    }

    /// <summary>The checks of a positional call, in <see cref="System.IO.RandomAccess"/>'s order: disposal, then the position, then the buffers.</summary>
    private void ValidatePositional<T>(long position, IReadOnlyList<T>? buffers)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentNullException.ThrowIfNull(buffers);
    }

    /// <summary>A positional read with a negative position or on a write-only stream; disposal is reported first, as by <see cref="System.IO.RandomAccess"/>.</summary>
    /// <remarks>Ends in <c>throw</c> (no <c>ret</c>), so the JIT treats the call as one that does not return and keeps it out of the hot path.</remarks>
    [DoesNotReturn]
    private void ThrowReadAtRefused(long position)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        throw ThrowHelper.WriteOnly();
    }

    /// <summary>A positional write with a negative position; disposal is reported first, as by <see cref="System.IO.RandomAccess"/>.</summary>
    /// <remarks>Ends in <c>throw</c>, as <see cref="ThrowReadAtRefused"/>.</remarks>
    [DoesNotReturn]
    private void ThrowNegativePosition(long position)
    {
        ThrowIfDisposed();
        throw new ArgumentOutOfRangeException(nameof(position), position, "The position must not be negative.");
    }
}
