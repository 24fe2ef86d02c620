using System;
using System.IO;
using System.Threading;
using Emmap.Streams.Mapping;

namespace Emmap.Streams;

// A read-only stream whose file is not mapped yet (see DeferredMapping): its first reads go to the file, and the first call that
// needs mapped memory maps it. Members that only check the stream's state answer without mapping.
public sealed partial class MappedFileStream
{
    /// <summary>Gets whether the stream is disposed, mapped or not.</summary>
    private bool IsDisposed => Volatile.Read(ref _view) is { } view ? view.IsDisposed : _deferred?.IsDisposed ?? true;

    /// <summary>Gets whether the stream may write (a deferred stream is read-only).</summary>
    private bool IsWritable => Volatile.Read(ref _view) is { } view && view.Writable;

    /// <summary>Gets the mapping of a stream that writes, or refuses as a write does (disposed first, then read-only) without mapping a deferred stream.</summary>
    private MappedView WriteTarget => Volatile.Read(ref _view) ?? WritableView();

    /// <summary>Gets the length as this stream last saw it, without looking for other processes' changes.</summary>
    private long KnownLength => Volatile.Read(ref _view)?.CachedLength ?? _deferred?.KnownLength ?? 0;

    private void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            ThrowHelper.ThrowObjectDisposed(typeof(MappedFileStream));
        }
    }

    /// <summary>The mapping of a stream that may write; throws as a write would (disposed first, then read-only) without mapping a deferred stream.</summary>
    private MappedView WritableView()
    {
        if (Volatile.Read(ref _view) is { } view)
        {
            view.ThrowIfCannotWrite();
            return view;
        }

        ThrowIfDisposed();
        ThrowHelper.ThrowReadOnly();
        return null;
    }

    /// <summary>
    /// A read the fast path did not complete on a stream whose mapping is deferred: served from the file, or -1 when the read goes
    /// through the mapping, which is then made. A mapping that fails (no descriptor or address space left, the file's permissions
    /// changed since the open) leaves the stream as it was, so the read is served from the stream's own open, as a
    /// <see cref="FileStream"/>'s would be, as long as nothing stops the stream from reading that way; the mapping is tried again
    /// <see cref="DeferredMapping.ReadsBeforeMapping"/> reads later. A mapping that fails while another handle of this process
    /// holds the file's entry is tried once more, through that entry.
    /// </summary>
    private int ReadDeferred(long position, Span<byte> buffer)
    {
        if (Volatile.Read(ref _view) is not null || _deferred is not { } deferred)
        {
            return -1;
        }

        int read = deferred.Read(position, buffer);
        if (read >= 0)
        {
            return read;
        }

        for (int attempt = 1; ; attempt++)
        {
            try
            {
                _ = MapDeferred();
                return -1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (Volatile.Read(ref _view) is not null)
                {
                    // Mapped meanwhile, by another read of this stream: the read goes through the mapping.
                    return -1;
                }

                if (attempt == 1 && FileRegistry.Contains(deferred.Identity))
                {
                    // Another handle of this process has the file's entry, or is making it: the stream can map through it. Once
                    // more only, as that open may fail too; the read is then served from the stream's own open if it still may.
                    continue;
                }

                read = deferred.ReadAfterFailedMapping(position, buffer);
                if (read < 0 && Volatile.Read(ref _view) is null)
                {
                    throw;
                }

                return read;
            }
        }
    }

    /// <summary>Maps the file of a deferred stream, once: the first caller maps, the others wait for it under the gate.</summary>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    private MappedView MapDeferred()
    {
        DeferredMapping? deferred = _deferred;
        if (deferred is null)
        {
            // Only a stream whose constructor threw has neither.
            ThrowHelper.ThrowObjectDisposed(typeof(MappedFileStream));
        }

        lock (deferred.Gate)
        {
            if (_view is { } mapped)
            {
                return mapped;
            }

            if (deferred.IsDisposed)
            {
                ThrowHelper.ThrowObjectDisposed(typeof(MappedFileStream));
            }

            MappedView view = OpenDeferred(deferred, _options, out bool newEntry);
            view.Bind(this);
            Volatile.Write(ref _view, view);
            deferred.MarkMapped();

            // The file's entry is present for this process now, through its own descriptor. When this mapping created the entry,
            // that descriptor takes the stream's sharing lock too, and the stream's own open closes: one descriptor per file, as
            // for a stream that maps at the open. Otherwise the stream keeps its open for the lock, as a later opener of a
            // mapped file does.
            if (newEntry && view.Entry.TakeSharingLock())
            {
                deferred.HandOver();
            }
            else
            {
                deferred.WithdrawPresence();
            }

            return view;
        }
    }
}
