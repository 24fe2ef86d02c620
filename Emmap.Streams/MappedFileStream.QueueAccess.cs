using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Emmap.Streams.Mapping;
using Emmap.Streams.Native;

namespace Emmap.Streams;

/// <summary>
/// The queue's access to the mapping. A queue operation touches a few words and one payload, so it
/// reads the current <see cref="Region"/> once, works on raw pointers inside the bytes the queue has
/// already checked against <see cref="Length"/>, and then closes the access, which keeps the same
/// lifetime rule as <see cref="ReadCore"/>: region read once into a local, memory touched, disposed
/// checked afterwards, region kept reachable until then.
/// </summary>
public sealed partial class MappedFileStream
{
    /// <summary>Gets the file offset of position 0, for callers that add it to <see cref="Region.Base"/>.</summary>
    internal long QueueWindowOffset => _offset;

    /// <summary>Gets whether the stream maps the file shared (writes reach the file and other processes).</summary>
    internal bool QueueIsShared => !_state.IsPrivate;

    /// <summary>Gets whether the stream can be written.</summary>
    internal bool QueueIsWritable => _writable;

    /// <summary>Gets an object that identifies the mapped file in this process, however its path was spelled.</summary>
    internal object QueueFileKey => _entry;

    /// <summary>Gets the length of the data (<see cref="ObjectDisposedException"/> once the stream is disposed).</summary>
    internal long QueueLength => CurrentLength(_state);

    /// <summary>
    /// Starts an access: checks disposal and returns the current region. The caller may touch
    /// <c>[Base + QueueWindowOffset, Base + QueueWindowOffset + Length)</c> and must then call <see cref="EndQueueAccess"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Region BeginQueueAccess()
    {
        MappingState state = _state;
        ThrowIfDisposed();
        return Volatile.Read(ref state.Region);
    }

    /// <summary>Ends an access started by <see cref="BeginQueueAccess"/>: orders the access, checks disposal, keeps the region alive until here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EndQueueAccess(Region region)
    {
        OrderAfterAccess();
        ThrowIfDisposed();
        GC.KeepAlive(region);
    }

    /// <summary>
    /// Writes the pages of <c>[position, position + count)</c> back and waits for them (<c>MS_SYNC</c>), without the
    /// file-wide <c>fsync</c> that <see cref="Flush(long, long, bool)"/> adds; callers finish with <see cref="QueueSyncFile"/>.
    /// </summary>
    internal unsafe void QueueSyncRange(long position, long count)
    {
        MappingState state = _state;
        ThrowIfDisposed();
        if (!_writable || state.IsPrivate || count <= 0)
        {
            return;
        }

        long length = CurrentLength(state);
        if (position >= length)
        {
            return;
        }

        long end = count > length - position ? length : position + count;
        long pageSize = (long)Region.PageSize;
        long from = (_offset + position) / pageSize * pageSize;
        Region region = Volatile.Read(ref state.Region);
        Mmap.Sync(region.Base + from, (nuint)(_offset + end - from), wait: true, Name);
        GC.KeepAlive(region);
    }

    /// <summary>Makes the file's written data and metadata durable (<c>fsync</c>, <c>F_FULLFSYNC</c> on macOS).</summary>
    internal void QueueSyncFile()
    {
        ThrowIfDisposed();
        if (_writable && !_state.IsPrivate)
        {
            _entry.FlushToDisk();
        }
    }
}
