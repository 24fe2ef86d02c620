using System;
using System.IO;

namespace Emmap.Streams;

/// <summary>
/// The stream a stream serializer writes an item to: it passes every call to the pooled stream that collects the item, and
/// leaves that stream open when the serializer closes it (as a <see cref="BinaryWriter"/> or <see cref="StreamWriter"/> in a
/// <see langword="using"/> does), so that the queue can still push what was written. Once the serializer has returned, the
/// stream is detached and refuses every call, as a disposed stream does.
/// </summary>
internal sealed class KeepOpenStream : Stream
{
    private Stream? _inner;

    /// <inheritdoc/>
    public override bool CanRead => _inner?.CanRead ?? false;

    /// <inheritdoc/>
    public override bool CanSeek => _inner?.CanSeek ?? false;

    /// <inheritdoc/>
    public override bool CanWrite => _inner?.CanWrite ?? false;

    /// <inheritdoc/>
    public override long Length => Inner.Length;

    /// <inheritdoc/>
    public override long Position
    {
        get => Inner.Position;
        set => Inner.Position = value;
    }

    private Stream Inner
    {
        get
        {
            ObjectDisposedException.ThrowIf(_inner is null, this);
            return _inner;
        }
    }

    /// <summary>Passes the calls to <paramref name="inner"/> until <see cref="Detach"/>.</summary>
    internal void Attach(Stream inner) => _inner = inner;

    /// <summary>Stops passing calls on.</summary>
    internal void Detach() => _inner = null;

    /// <inheritdoc/>
    public override void Flush() => Inner.Flush();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer) => Inner.Read(buffer);

    /// <inheritdoc/>
    public override int ReadByte() => Inner.ReadByte();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => Inner.Seek(offset, origin);

    /// <inheritdoc/>
    public override void SetLength(long value) => Inner.SetLength(value);

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer) => Inner.Write(buffer);

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Inner.WriteByte(value);

    // No Dispose override: closing is the serializer's way of saying it is done, and the pooled stream stays open for the queue.
}
