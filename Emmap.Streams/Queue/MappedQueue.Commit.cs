using System.IO;
using System.Runtime.CompilerServices;
using Emmap.Streams.Mapping;
using Emmap.Streams.Testing;

namespace Emmap.Streams;

public sealed partial class MappedQueue
{
    /// <summary>
    /// Begins an access to the ring of a queue used by this process alone, for a push or a pop: throws
    /// <see cref="IOException"/> before anything is touched if the file no longer holds the ring, which only another handle or
    /// program shrinking the queue's file makes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private MappedAccess BeginRingAccess() => _view.BeginAccess(_ringEnd);

    /// <summary>
    /// Ends an access in which a commit word was stored, every byte the commit wrote lying below
    /// <paramref name="writtenEnd"/>. True when no cut raced the access, or the cuts that did left those bytes, or the stream
    /// was disposed during the access (the commit stands); false when a cut reached them, so what was written is not in the file.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool EndCommit(in MappedAccess access, long writtenEnd)
    {
        CrashPoints.Hit(CrashPoints.CommitStored);
        return access.End() || CutSpared(access.Cuts, writtenEnd);
    }

    /// <summary>
    /// Ends an access whose commit wrote only header words (the cursors): throws, naming <paramref name="operation"/>, if a
    /// racing cut took the header with them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EndHeaderCommit(in MappedAccess access, string operation)
    {
        if (!EndCommit(access, QueueLayout.HeaderSize))
        {
            ThrowCut(operation);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool CutSpared(long cuts, long writtenEnd)
    {
        // A stream disposed by another thread during the commit (a queue made with leaveOpen): the commit stands, as a write
        // racing a close does. It landed in the file, or, if that close was the file's last in the process, in the zero page
        // swapped in, as if the close had come first. Throwing here would report as not done a commit the file may keep.
        return _view.IsDisposed || _view.RangeUntouched(cuts, 0, writtenEnd);
    }

    /// <summary>
    /// A push whose record a racing cut reached after its tail word was stored: the tail word goes back to
    /// <paramref name="tail"/> while the file still holds the header, and the push is reported as not done.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UndoCutPush(long tail)
    {
        try
        {
            StoreTail(tail);
        }
        catch (IOException)
        {
            // The header went with the cut: no tail word is left to put back.
        }

        ThrowCut("push");
    }

    /// <summary>Reports a commit whose header word a racing cut reached: the operation did not reach the file.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCut(string operation) =>
        throw new IOException(
            $"The queue file '{_stream.Name}' was shrunk by another handle or program during the {operation}, which did not happen.");
}
