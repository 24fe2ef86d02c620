using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    private const int CopyChunk = 1 << 20;

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override int Read(Span<byte> buffer)
    {
        if (!_readable)
        {
            ThrowUnreadable();
        }

        int read = ReadCore(_position, buffer);
        _position += read;
        return read;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="IOException">The write would grow a stream that cannot grow, or growing failed; nothing is written.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        WriteCore(_position, buffer);
        _position += buffer.Length;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is out of range.</exception>
    /// <exception cref="NotSupportedException">The stream is read-only.</exception>
    /// <exception cref="IOException">The write would grow a stream that cannot grow, or growing failed; nothing is written.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override void WriteByte(byte value)
    {
        ReadOnlySpan<byte> one = [value];
        Write(one);
    }

    /// <summary>Sets the position (emmap <c>position/2</c>, with .NET's <see cref="SeekOrigin.End"/> sign: <c>Seek(-2, End)</c> is two bytes before the end).</summary>
    /// <param name="offset">The offset relative to <paramref name="origin"/>.</param>
    /// <param name="origin">Where <paramref name="offset"/> counts from.</param>
    /// <returns>The new position; it may lie past the end, as with <see cref="FileStream"/>.</returns>
    /// <exception cref="IOException">The new position would be negative, or before the length a <see cref="FileMode.Append"/> stream had when
    /// it was opened; the position does not change.</exception>
    /// <exception cref="ArgumentException"><paramref name="origin"/> is not a <see cref="SeekOrigin"/> value.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override long Seek(long offset, SeekOrigin origin)
    {
        if (origin is < SeekOrigin.Begin or > SeekOrigin.End)
        {
            throw new ArgumentException($"{origin} is not a SeekOrigin value.", nameof(origin));
        }

        ThrowIfDisposed();
        long basis = origin switch
        {
            SeekOrigin.Begin => 0,
            SeekOrigin.Current => _position,
            _ => CurrentLength(_state),
        };
        long target = unchecked(basis + offset);
        if ((offset < 0 && target > basis) || (offset > 0 && target < basis) || target < 0)
        {
            throw new IOException("An attempt was made to move the position before the beginning of the stream.");
        }

        if (target < _appendStart)
        {
            ThrowHelper.ThrowAppendSeek();
        }

        _position = target;
        return target;
    }

    /// <summary>
    /// Reads a line from the current position (emmap <c>read_line</c>): the bytes up to and including the next
    /// <c>\n</c>, with a <c>\r\n</c> ending normalised to <c>\n</c>; at the end of the data without a newline, the rest.
    /// </summary>
    /// <returns>The line, or <see langword="null"/> when the position is at or past the end (emmap's <c>eof</c>).</returns>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public unsafe byte[]? ReadLine()
    {
        MappingState state = _state;
        ThrowIfDisposed();
        if (!_readable)
        {
            ThrowUnreadable();
        }

        long length = CurrentLength(state);
        if (_position >= length)
        {
            return null;
        }

        Region region = Volatile.Read(ref state.Region);
        byte* start = region.Base + _offset + _position;
        long remaining = length - _position;
        long scanned = 0;
        long lineLength = remaining;
        while (scanned < remaining)
        {
            int chunk = (int)Math.Min(remaining - scanned, int.MaxValue);
            int at = new ReadOnlySpan<byte>(start + scanned, chunk).IndexOf((byte)'\n');
            if (at >= 0)
            {
                lineLength = scanned + at + 1;
                break;
            }

            scanned += chunk;
        }

        if (lineLength > Array.MaxLength)
        {
            throw new IOException($"The line at position {_position} is longer than the largest array.");
        }

        bool crlf = lineLength >= 2 && start[lineLength - 1] == (byte)'\n' && start[lineLength - 2] == (byte)'\r';
        byte[] line = GC.AllocateUninitializedArray<byte>((int)(crlf ? lineLength - 1 : lineLength));
        if (crlf)
        {
            new ReadOnlySpan<byte>(start, (int)lineLength - 2).CopyTo(line);
            line[^1] = (byte)'\n';
        }
        else
        {
            new ReadOnlySpan<byte>(start, line.Length).CopyTo(line);
        }

        OrderAfterAccess();
        ThrowIfDisposed();
        GC.KeepAlive(region);
        _position += lineLength;
        return line;
    }

    /// <summary>Schedules write-back of the mapped pages (emmap <c>flush</c>, <c>msync(MS_ASYNC)</c>); does not wait for the disk.</summary>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <exception cref="IOException">The system refused.</exception>
    /// <remarks>Not needed for other processes to see writes, nor for writes to survive this process being killed.</remarks>
    public override void Flush() => Flush(flushToDisk: false);

    /// <summary>Writes the mapped pages back; with <paramref name="flushToDisk"/>, waits until they and the file's metadata are on the device.</summary>
    /// <param name="flushToDisk"><see langword="false"/> to schedule write-back (<c>MS_ASYNC</c>); <see langword="true"/> for a durable
    /// flush (<c>MS_SYNC</c>, then <c>fsync</c>, <c>F_FULLFSYNC</c> on macOS), as <see cref="FileStream.Flush(bool)"/>.</param>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <exception cref="IOException">The write-back failed.</exception>
    public void Flush(bool flushToDisk) => Flush(0, long.MaxValue, flushToDisk);

    /// <summary>Writes back the pages of <c>[position, position + count)</c> only (clipped to the data).</summary>
    /// <param name="position">The start of the range.</param>
    /// <param name="count">The number of bytes.</param>
    /// <param name="flushToDisk">Whether to wait until the range is on the device, as <see cref="Flush(bool)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <exception cref="IOException">The write-back failed.</exception>
    public unsafe void Flush(long position, long count, bool flushToDisk)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        MappingState state = _state;
        ThrowIfDisposed();
        if (!_writable || state.IsPrivate)
        {
            return;
        }

        long length = CurrentLength(state);
        if (position < length && count > 0)
        {
            long end = count > length - position ? length : position + count;
            long pageSize = (long)Region.PageSize;
            long from = (_offset + position) / pageSize * pageSize;
            Region region = Volatile.Read(ref state.Region);
            Mmap.Sync(region.Base + from, (nuint)(_offset + end - from), flushToDisk, Name);
            GC.KeepAlive(region);
        }

        if (flushToDisk)
        {
            _entry.FlushToDisk();
        }
    }

    /// <summary>Writes the rest of the stream to <paramref name="destination"/> straight from the mapped pages, with no intermediate buffer.</summary>
    /// <param name="destination">The stream to copy to.</param>
    /// <param name="bufferSize">The size of each write, in bytes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufferSize"/> is not positive.</exception>
    /// <exception cref="NotSupportedException"><paramref name="destination"/> does not support writing, or this stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">Either stream is disposed.</exception>
    public override unsafe void CopyTo(Stream destination, int bufferSize)
    {
        ValidateCopyToArguments(destination, bufferSize);
        ThrowIfDisposed();
        if (!_readable)
        {
            ThrowUnreadable();
        }

        int chunkSize = Math.Max(bufferSize, CopyChunk);
        while (true)
        {
            MappingState state = _state;
            long length = CurrentLength(state);
            if (_position >= length)
            {
                return;
            }

            int chunk = (int)Math.Min(chunkSize, length - _position);
            Region region = Volatile.Read(ref state.Region);
            destination.Write(new ReadOnlySpan<byte>(region.Base + _offset + _position, chunk));
            OrderAfterAccess();
            ThrowIfDisposed();
            GC.KeepAlive(region);
            _position += chunk;
        }
    }

    /// <summary>A read on a write-only stream: <see cref="ObjectDisposedException"/> once disposed (as <see cref="FileStream"/>), else <see cref="NotSupportedException"/>.</summary>
    [DoesNotReturn]
    private void ThrowUnreadable()
    {
        ThrowIfDisposed();
        throw ThrowHelper.WriteOnly();
    }
}
