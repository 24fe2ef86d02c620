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
