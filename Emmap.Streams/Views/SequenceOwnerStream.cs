using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Emmap.Streams.Views;

/// <summary>
/// A read-only stream over a <see cref="MappedSequenceOwner"/>'s sequence that owns the sequence: every call goes to the stream
/// over the sequence, and disposing releases the owner's pin on the mapping.
/// </summary>
internal sealed class SequenceOwnerStream : Stream
{
    private readonly MappedSequenceOwner _owner;
    private readonly Stream _inner;
    private bool _disposed;

    internal SequenceOwnerStream(MappedSequenceOwner owner, Stream inner)
    {
        _owner = owner;
        _inner = inner;
    }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => !_disposed;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _inner.Length;
        }
    }

    /// <inheritdoc/>
    public override long Position
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _inner.Position;
        }

        set
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _inner.Position = value;
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
        return _inner.Read(buffer);
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _inner.ReadByte();
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _inner.ReadAsync(buffer, cancellationToken);
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _inner.Seek(offset, origin);
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("A stream over a mapped sequence is read-only.");

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A stream over a mapped sequence is read-only.");

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
                _owner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
