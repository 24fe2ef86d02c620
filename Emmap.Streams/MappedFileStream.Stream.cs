using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public override int Read(Span<byte> buffer)
    {
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
            _ => Length,
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
    /// <exception cref="IOException">The line is longer than the largest array (<see cref="Array.MaxLength"/> bytes); the position
    /// is unchanged.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public byte[]? ReadLine()
    {
        ThrowIfUnreadable();
        MappedView view = View;
        if (_position >= view.CachedLength && _position >= view.Length)
        {
            return null;
        }

        (byte[] line, long consumed) = view.ReadInPlace(_position, int.MaxValue, 0, static (data, _) => CopyLine(data));
        if (consumed > 0 && line[^1] != (byte)'\n')
        {
            // The line ran to the end this handle last saw: another process may have appended the rest of it since.
            view.RefreshIfShort(_position, consumed + 1);
            if (view.CachedLength - _position > consumed)
            {
                (line, consumed) = view.ReadInPlace(_position, int.MaxValue, 0, static (data, _) => CopyLine(data));
            }
        }

        if (consumed == 0)
        {
            return null;
        }

        _position += consumed;
        return line;
    }

    // The bytes up to and including the first '\n' (a "\r\n" ending becomes "\n"), or all of them; and how many were consumed.
    private static (byte[] Line, long Consumed) CopyLine(ReadOnlySpan<byte> data)
    {
        int at = data.IndexOf((byte)'\n');
        int lineLength = at >= 0 ? at + 1 : data.Length;
        if (lineLength == 0)
        {
            return ([], 0);
        }

        if (lineLength > Array.MaxLength || (at < 0 && data.Length == int.MaxValue))
        {
            throw new IOException("The line is longer than the largest array.");
        }

        bool crlf = lineLength >= 2 && data[lineLength - 1] == (byte)'\n' && data[lineLength - 2] == (byte)'\r';
        byte[] line = GC.AllocateUninitializedArray<byte>(crlf ? lineLength - 1 : lineLength);
        if (crlf)
        {
            data[..(lineLength - 2)].CopyTo(line);
            line[^1] = (byte)'\n';
        }
        else
        {
            data[..lineLength].CopyTo(line);
        }

        return (line, lineLength);
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
    public void Flush(long position, long count, bool flushToDisk)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Volatile.Read(ref _view) is { } view)
        {
            view.Flush(position, count, flushToDisk);
            return;
        }

        // A deferred stream is read-only and maps nothing: there is nothing to write back.
        ThrowIfDisposed();
    }

    /// <summary>A read on a write-only stream: <see cref="ObjectDisposedException"/> once disposed (as <see cref="FileStream"/>), else <see cref="NotSupportedException"/>.</summary>
    /// <remarks>Ends in <c>throw</c> (no <c>ret</c>), so the JIT treats the call as one that does not return and keeps it out of the hot path.</remarks>
    [DoesNotReturn]
    private void ThrowUnreadable()
    {
        ThrowIfDisposed();
        throw ThrowHelper.WriteOnly();
    }

    private void ThrowIfUnreadable()
    {
        if (!_readable || IsDisposed)
        {
            ThrowUnreadable();
        }
    }
}
