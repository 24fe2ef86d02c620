using System;
using System.Buffers;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams;

/// <summary>
/// Positional reads and writes (<c>pread</c>/<c>pwrite</c>, emmap's <c>file:pread/pwrite</c>) on any
/// <see cref="Stream"/>: memory copies on a <see cref="MappedFileStream"/>, <see cref="RandomAccess"/> on a
/// <see cref="FileStream"/>, seek-and-restore on other seekable streams.
/// </summary>
public static class StreamExtensions
{
    // FileStream.SafeFileHandle writes out the stream's write buffer before it returns; two threads doing that at once would both
    // write it and both move the position. Positional calls on one FileStream take its handle one at a time.
    private static readonly ConditionalWeakTable<FileStream, Lock> s_handleLocks = new();

    /// <summary>Reads bytes at <paramref name="position"/> into <paramref name="buffer"/>. The position of the stream is not advanced.</summary>
    /// <param name="stream">The stream to read from.</param>
    /// <param name="position">The position to read from.</param>
    /// <param name="buffer">Where the bytes go.</param>
    /// <returns>The number of bytes read: <paramref name="buffer"/>'s length, fewer only at the end of the stream, 0 at or past it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream does not support seeking or reading.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe on <see cref="MappedFileStream"/>. On a <see cref="FileStream"/> it first writes out the stream's
    /// buffered writes (as <see cref="FileStream.SafeFileHandle"/> does) and then reads the file, so it is safe beside other
    /// positional calls on the stream, not beside the stream's own reads, writes, seeks or flushes, which are not thread-safe.
    /// On other streams it moves and restores <see cref="Stream.Position"/>, so it is as thread-safe as the stream itself.</remarks>
    public static int ReadAt(this Stream stream, long position, Span<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is MappedFileStream mapped)
        {
            return mapped.ReadAt(position, buffer);
        }

        ThrowIfDisposed(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        EnsureSeekable(stream, forWrite: false);
        if (stream is FileStream file)
        {
            // Nothing lies past the largest file offset, and the system refuses a read whose end would overflow it.
            if (buffer.Length > long.MaxValue - position)
            {
                buffer = buffer[..(int)(long.MaxValue - position)];
            }

            SafeFileHandle handle = HandleOf(file);
            int total = 0;
            while (total < buffer.Length)
            {
                int read = RandomAccess.Read(handle, buffer[total..], position + total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        if (position >= stream.Length)
        {
            // Nothing to read; and some streams cannot even be positioned there (a MemoryStream past int.MaxValue).
            return 0;
        }

        long saved = stream.Position;
        try
        {
            stream.Position = position;
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        finally
        {
            stream.Position = saved;
        }
    }

    /// <summary>
    /// Reads exactly <paramref name="buffer"/>'s length at <paramref name="position"/>, as <see cref="Stream.ReadExactly(Span{byte})"/>
    /// does at the current position. The position of the stream is not advanced.
    /// </summary>
    /// <param name="stream">The stream to read from.</param>
    /// <param name="position">The position to read from.</param>
    /// <param name="buffer">Where the bytes go; all of it is filled.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="EndOfStreamException">The stream ends before <paramref name="position"/> + the buffer's length. The
    /// stream's position is unchanged; what <paramref name="buffer"/> holds is unspecified, as after
    /// <see cref="Stream.ReadExactly(Span{byte})"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream does not support seeking or reading.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Thread-safe on <see cref="MappedFileStream"/>. On a <see cref="FileStream"/> it first writes out the stream's
    /// buffered writes (as <see cref="FileStream.SafeFileHandle"/> does) and then reads the file, so it is safe beside other
    /// positional calls on the stream, not beside the stream's own reads, writes, seeks or flushes, which are not thread-safe.
    /// On other streams it moves and restores <see cref="Stream.Position"/>, so it is as thread-safe as the stream itself.</remarks>
    public static void ReadExactlyAt(this Stream stream, long position, Span<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is MappedFileStream mapped)
        {
            mapped.ReadExactlyAt(position, buffer);
            return;
        }

        int read = stream.ReadAt(position, buffer);
        if (read < buffer.Length)
        {
            // A read that found nothing may have started past the end, which is then the stream's length.
            ThrowHelper.ThrowEndOfData(position, buffer.Length, read == 0 ? stream.Length : position + read);
        }
    }

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="position"/>. The position of the stream is not advanced.</summary>
    /// <param name="stream">The stream to write to.</param>
    /// <param name="position">The position to write at; past the end the stream grows, as a write there would.</param>
    /// <param name="data">The bytes to write.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative, or, on a file, the write would end past
    /// the largest file the file system allows (as a <see cref="FileStream"/> write there).</exception>
    /// <exception cref="NotSupportedException">The stream does not support seeking or writing, or cannot grow to hold the data and
    /// says so with this exception, as a <see cref="MemoryStream"/> over a fixed buffer does.</exception>
    /// <exception cref="IOException">The write failed or the stream cannot grow; see the stream's own <c>Write</c>.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static void WriteAt(this Stream stream, long position, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is MappedFileStream mapped)
        {
            mapped.WriteAt(position, data);
            return;
        }

        ThrowIfDisposed(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        EnsureSeekable(stream, forWrite: true);
        if (stream is FileStream file)
        {
            if (data.Length > long.MaxValue - position)
            {
                // The system reports an end past the largest offset as an invalid argument (IOException); a write past the
                // file system's limit below it, and every such write on a MappedFileStream, is out of range.
                throw new ArgumentOutOfRangeException(
                    nameof(position), position, $"A write of {data.Length} bytes at this position would end past the largest file offset.");
            }

            RandomAccess.Write(HandleOf(file), data, position);
            return;
        }

        long saved = stream.Position;
        try
        {
            try
            {
                stream.Position = position;
            }
            catch (ArgumentOutOfRangeException ex)
            {
                // The stream cannot reach the position (a MemoryStream past int.MaxValue): the stream is too long, as its Write says.
                throw new IOException($"The stream cannot be written at position {position}: it cannot grow that long.", ex);
            }

            stream.Write(data);
        }
        finally
        {
            stream.Position = saved;
        }
    }

    /// <summary>
    /// Reads up to <paramref name="length"/> bytes at <paramref name="position"/> into a pooled buffer, or, on a
    /// <see cref="MappedFileStream"/> opened with <see cref="MapOptions.Direct"/>, returns a zero-copy view.
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="stream">The stream to read from.</param>
    /// <param name="position">The position to read from.</param>
    /// <param name="length">The number of bytes wanted.</param>
    /// <returns>An owner of the bytes read, clipped at the end of the stream; dispose it to return the buffer or release the view.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> or <paramref name="length"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream does not support seeking or reading.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public static IMemoryOwner<byte> ReadAt(this Stream stream, long position, int length)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is MappedFileStream mapped)
        {
            return mapped.ReadAt(position, length);
        }

        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfDisposed(stream);
        EnsureSeekable(stream, forWrite: false);
        int count = (int)Math.Min(length, Math.Max(0, stream.Length - position));
        MemoryOwner<byte> copy = MemoryOwner<byte>.Allocate(count, AllocationMode.Default);
        try
        {
            int read = stream.ReadAt(position, copy.Span);
            return read == count ? copy : copy.Slice(0, read);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    // A disposed stream can neither read, write nor seek; reported before the arguments, as RandomAccess and MappedFileStream do.
    private static void ThrowIfDisposed(Stream stream) =>
        ObjectDisposedException.ThrowIf(!stream.CanRead && !stream.CanWrite && !stream.CanSeek, stream);

    private static SafeFileHandle HandleOf(FileStream file)
    {
        lock (s_handleLocks.GetValue(file, static _ => new Lock()))
        {
            try
            {
                return file.SafeFileHandle;
            }
            catch (IOException) when (file.CanSeek && file.Position != 0)
            {
                // The getter writes out buffered bytes, then moves the descriptor to the stream's position, which the system
                // refuses past its largest file. A positional call needs neither that move nor that position: take the
                // handle at position 0 and put the position back. A failed write-out fails the move to 0 too, changing nothing.
                long position = file.Position;
                file.Position = 0;
                try
                {
                    return file.SafeFileHandle;
                }
                finally
                {
                    file.Position = position;
                }
            }
        }
    }

    private static void EnsureSeekable(Stream stream, bool forWrite)
    {
        if (!stream.CanSeek)
        {
            throw new NotSupportedException("Positional access needs a seekable stream.");
        }

        if (forWrite ? !stream.CanWrite : !stream.CanRead)
        {
            throw new NotSupportedException(forWrite ? "The stream does not support writing." : "The stream does not support reading.");
        }
    }
}
