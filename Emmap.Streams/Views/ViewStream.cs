using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Emmap.Streams.Views;

/// <summary>
/// The stream <see cref="ViewStreamExtensions"/> returns: a fixed-length stream over the bytes of a view or a sequence that
/// positions itself as a <see cref="MemoryStream"/> over a fixed buffer does, and owns what it reads.
/// </summary>
/// <remarks>
/// The bytes are read and written by an inner stream over the memory (CommunityToolkit.HighPerformance's), which refuses a
/// position past its end. This stream keeps the position itself, so that, as with <see cref="MemoryStream"/>, any position
/// from 0 up may be set or sought (reads there return 0 bytes), a seek before the start throws <see cref="IOException"/>,
/// and a write that would pass the end throws <see cref="NotSupportedException"/> and writes nothing.
/// </remarks>
internal sealed class ViewStream : Stream
{
    private readonly Stream _inner;
    private readonly IDisposable? _owner;
    private readonly long _length;
    private long _position;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>, a stream at position 0 over the whole memory, disposed with this stream, as is <paramref name="owner"/>.</summary>
    internal ViewStream(Stream inner, IDisposable? owner)
    {
        _inner = inner;
        _owner = owner;
        _length = inner.Length;
    }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => !_disposed;

    /// <inheritdoc/>
    public override bool CanWrite => !_disposed && _inner.CanWrite;

    /// <inheritdoc/>
    public override long Length
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _length;
        }
    }

    /// <inheritdoc/>
    public override long Position
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _position;
        }

        set
        {
            // The value first, then the state, in MemoryStream's order.
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ObjectDisposedException.ThrowIf(_disposed, this);
            _position = value;
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_position >= _length || buffer.IsEmpty)
        {
            return 0;
        }

        _inner.Position = _position;
        int read = _inner.Read(buffer);
        _position += read;
        return read;
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The bytes are in memory: the read completes at once, as MemoryStream's does, errors in the task.
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        try
        {
            return new ValueTask<int>(Read(buffer.Span));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<int>(ex);
        }
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_inner.CanWrite)
        {
            throw new NotSupportedException("The stream over this view is read-only.");
        }

        // Past the end even an empty write is refused, as by a MemoryStream that cannot grow.
        if (_position > _length || buffer.Length > _length - _position)
        {
            throw new NotSupportedException(
                $"A stream over a view cannot grow: writing {buffer.Length} bytes at position {_position} would pass its end ({_length} bytes). Nothing was written.");
        }

        _inner.Position = _position;
        _inner.Write(buffer);
        _position += buffer.Length;
    }

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long origin0 = origin switch
        {
            SeekOrigin.Begin => 0,
            SeekOrigin.Current => _position,
            SeekOrigin.End => _length,
            _ => throw new ArgumentException($"Invalid seek origin {origin}.", nameof(origin)),
        };
        if (offset > 0 && origin0 > long.MaxValue - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The position would pass the largest stream position.");
        }

        long target = origin0 + offset;
        if (target < 0)
        {
            throw new IOException("An attempt was made to move the position before the beginning of the stream.");
        }

        _position = target;
        return target;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override void SetLength(long value) =>
        throw new NotSupportedException("The length of a stream over a view is the view's; it cannot be set.");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                _inner.Dispose();
            }
            finally
            {
                _owner?.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
