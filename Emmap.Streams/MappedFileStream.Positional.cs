using System;
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
    /// written.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe but not atomic: a concurrent reader may see some buffers written and not yet others. A write that
    /// grows the file stores its last buffer first, which grows the file for all of them.</remarks>
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
        // Every buffer's span is taken before anything is written, as RandomAccess pins them all first: a buffer whose memory
        // is gone (a disposed owner) throws here, with the file as it was.
        long total = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            total += buffers[i].Span.Length;
        }

        if (total > 0 && total > KnownLength - position)
        {
            // Past the end: a handle that may not grow so far (a bounded window, a fixed size) refuses the whole write before
            // its first buffer is stored, and the last buffer is written first, at the end of the range: its write grows the
            // file for all of them, so a growth that fails (a full disk) leaves the file as it was. The others then land inside
            // the length, where a write is a copy that cannot fail.
            WriteTarget.CheckCanWrite(position, total);
            int last = buffers.Count - 1;
            while (buffers[last].IsEmpty)
            {
                last--;
            }

            WriteCore(position + total - buffers[last].Length, buffers[last].Span);
            WriteInOrder(position, buffers, last);
            return;
        }

        WriteInOrder(position, buffers, buffers.Count);
    }

    /// <summary>Writes the first <paramref name="count"/> buffers one after the other from <paramref name="position"/>.</summary>
    private void WriteInOrder(long position, IReadOnlyList<ReadOnlyMemory<byte>> buffers, int count)
    {
        long written = 0;
        for (int i = 0; i < count; i++)
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
