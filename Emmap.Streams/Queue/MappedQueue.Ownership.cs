using System;
using System.IO;
using Emmap.Streams.Native;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>
    /// Takes the owner word for this process (docs/queue-format.md, "Owner word"): free, or held by a process that no longer
    /// runs, it is taken with one compare-and-swap; held by a live process, the open fails. Within this process the open-queue
    /// table already refused a second instance, so a word naming this process is left over from an instance that was never
    /// disposed, and is taken over.
    /// </summary>
    private void AcquireOwnership()
    {
        long mine = ProcessStamp.Current;
        while (true)
        {
            long seen = _stream.AtomicReadCore(QueueLayout.OwnerWordOffset);
            if (seen != 0 && seen != mine && ProcessStamp.IsAlive(seen))
            {
                throw new IOException(
                    $"The queue '{_stream.Name}' is open in process {ProcessStamp.ProcessId(seen)}; a queue has one owner at a time.");
            }

            if (seen == mine || _stream.AtomicCompareExchangeCore(QueueLayout.OwnerWordOffset, mine, seen) == seen)
            {
                _ownerWord = mine;
                if (!_multiProcess)
                {
                    ThrowIfShared();
                }

                return;
            }
        }
    }

    /// <summary>
    /// Deletes the file (<see cref="QueueOptions.AutoUnlink"/>) while this instance still holds the queue (the owner word, or in
    /// shared mode the open lock and its presence), so that an open waiting for it finds its file gone
    /// (<see cref="ThrowIfDeleted"/>) instead of working on a file that is then deleted under it. Not on Windows, where a mapped
    /// file cannot be deleted: there the file goes after the stream is closed. Only the queue's own file is deleted: a file put
    /// at the path in its place (renamed over it, or made again after it was deleted) stays. Never throws.
    /// </summary>
    private void UnlinkWhileHeld()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _unlinked = true;
        if (NativeFile.TryGetStatus(_stream.Name) is { } status && status.Identity == _view.Entry.Identity)
        {
            DeleteQuietly(_stream.Name);
        }
    }

    /// <summary>
    /// Throws <see cref="FileNotFoundException"/> if the file an open by path holds was deleted since it was opened: the last
    /// process to close the queue with <see cref="QueueOptions.AutoUnlink"/> deleted it while this open waited for the queue.
    /// <see cref="Open(string, long, QueueOptions?)"/> then opens the path again. A queue over a caller's stream may be over a
    /// file deleted on purpose, and is left alone.
    /// </summary>
    private void ThrowIfDeleted()
    {
        if (_byPath && !OperatingSystem.IsWindows() && NativeFile.GetStatus(_view.Entry.Handle, _stream.Name).Links == 0)
        {
            throw new FileNotFoundException(
                $"The queue '{_stream.Name}' was deleted by the last process to close it (QueueOptions.AutoUnlink) while this open waited for it.",
                _stream.Name);
        }
    }

    /// <summary>Gives the owner word back if this instance holds it. Never throws.</summary>
    private void ReleaseOwnership()
    {
        long mine = _ownerWord;
        _ownerWord = 0;
        if (mine == 0)
        {
            return;
        }

        try
        {
            _ = _stream.AtomicCompareExchangeCore(QueueLayout.OwnerWordOffset, 0, mine);
        }
        catch (System.ObjectDisposedException)
        {
            // The stream was disposed first; the word names this process, which a later open here takes over.
        }
    }
}
