using System;
using System.Buffers;
using CommunityToolkit.HighPerformance.Buffers;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;
using Emmap.Streams.Views;

namespace Emmap.Streams;

public sealed partial class MappedFileStream
{
    /// <summary>
    /// Returns a zero-copy view of <c>[position, position + length)</c>, clipped at <see cref="Length"/> like
    /// <see cref="ReadAt(long, Span{byte})"/> (emmap <c>direct</c> reads).
    /// </summary>
    /// <param name="position">Where the view starts, relative to <see cref="Offset"/>.</param>
    /// <param name="length">The number of bytes wanted.</param>
    /// <returns>An owner whose <see cref="IMemoryOwner{T}.Memory"/> aliases the mapped bytes; empty at or past the end.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> or <paramref name="length"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>
    /// <para>Writes by anyone (this handle, another handle, another process) are visible through the view at once; on a
    /// writable stream, writes through the view reach the file. On a read-only stream (or a private one) they change only
    /// this process's copy of the page (copy-on-write) and never reach the file; they do not fault. The read-only case holds
    /// while no stream of this process has the file open for writing: the streams of one file share its mapping, which is
    /// writable once any of them may write, and a write through a read-only stream's view then reaches the file. Past
    /// the end of a shrink the view reads zeros, and what is written there is never data, until the file grows back
    /// (docs/lifetime-and-concurrency.md says when a growth by another process shows).</para>
    /// <para>The view pins the mapping: it stays valid after the stream is disposed and while the file grows; the
    /// mapping is released when the stream and its last view are gone. A view that is never disposed keeps its mapping
    /// until the process exits (see <see cref="LiveViewCount"/>). Disposing twice is harmless. Thread-safe.</para>
    /// </remarks>
    public unsafe IMemoryOwner<byte> ReadDirect(long position, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfUnreadable();
        View.RefreshIfShort(position, length);
        MappingState state = View.Pin();
        try
        {
            CrashPoints.Hit(CrashPoints.ViewPinned);
            byte* pointer = View.ViewAddress(position, length, out long count);
            return new MappedMemoryManager(state, pointer, (int)count);
        }
        catch
        {
            state.Release();
            throw;
        }
    }

    /// <summary>
    /// Returns a zero-copy, pinned <see cref="System.Buffers.ReadOnlySequence{T}"/> over <c>[position, position + length)</c>, clipped at
    /// <see cref="Length"/>; any length up to the whole file, in segments of at most 1 GiB.
    /// </summary>
    /// <param name="position">Where the sequence starts, relative to <see cref="Offset"/>.</param>
    /// <param name="length">The number of bytes wanted.</param>
    /// <returns>An owner exposing <see cref="MappedSequenceOwner.Sequence"/>; dispose it to release the pin.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> or <paramref name="length"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <remarks>Lifetime and visibility as for <see cref="ReadDirect"/>.</remarks>
    public unsafe MappedSequenceOwner ReadSequence(long position, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfUnreadable();
        View.RefreshIfShort(position, length);
        MappingState state = View.Pin();
        try
        {
            byte* start = View.ViewAddress(position, length, out long count);
            return new MappedSequenceOwner(state, start, count);
        }
        catch
        {
            state.Release();
            throw;
        }
    }

    /// <summary>
    /// Reads up to <paramref name="length"/> bytes at <paramref name="position"/>: a direct view when the stream was
    /// opened with <see cref="MapOptions.Direct"/>, otherwise a pooled copy that later writes do not change.
    /// The position of the stream is not advanced.
    /// </summary>
    /// <param name="position">Where to read, relative to <see cref="Offset"/>.</param>
    /// <param name="length">The number of bytes wanted.</param>
    /// <returns>An owner of the bytes read, clipped at the end of the data; dispose it to return the buffer or release the view.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> or <paramref name="length"/> is negative.</exception>
    /// <exception cref="NotSupportedException">The stream is write-only.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public IMemoryOwner<byte> ReadAt(long position, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_options.Direct)
        {
            return ReadDirect(position, length);
        }

        ThrowIfUnreadable();
        long known = KnownLength;
        if (known - position < length)
        {
            // Past the end as this handle last saw it: look for other handles' and processes' growth, as ReadAt(Span) does.
            known = Length;
        }

        int count = (int)Math.Clamp(known - position, 0, length);
        MemoryOwner<byte> copy = MemoryOwner<byte>.Allocate(count, AllocationMode.Default);
        try
        {
            int read = ReadCore(position, copy.Span);
            return read == count ? copy : copy.Slice(0, read);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }
}
