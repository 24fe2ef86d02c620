using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native.Windows;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The Windows half of <see cref="FileEntry"/>. Windows refuses to cut a file below a view of it (in any process) with
/// <c>ERROR_USER_MAPPED_FILE</c>, and cannot take a view out without a moment in which an access would fault. So:
/// <list type="bullet">
/// <item>a shrink lowers the length, advances the cut counter and zeroes the cut bytes in place (through the file, which is
/// coherent with the views); the size on disk stays until the truncation can happen;</item>
/// <item>the truncation waits for every view of the file in this process to go (Windows refuses any shrink while a view
/// exists, see <see cref="MapsNothingWindows"/>): a view goes when its state's last handle and direct view do (at once,
/// unless an access was in flight, then in the region's finalizer);</item>
/// <item>the last process to close the file truncates it to its length, as on Linux; when that process only reads, it
/// does so through a writable handle of its own, because the shared words live in named memory that disappears with the
/// last process (see <see cref="SharedFileState"/>).</item>
/// </list>
/// </summary>
internal sealed partial class FileEntry
{
    /// <summary>
    /// Windows, under the gate: <paramref name="region"/>, of a released state, keeps mapping the file until its finalizer
    /// runs (an access may be in flight). The file stays open for it, and nothing truncates it meanwhile.
    /// </summary>
    internal void DeferRegionRelease(Region region)
    {
        _deferredRegions++;
        FileRegistry.AddRef(this);
        region.ReleaseLater(this);
    }

    /// <summary>Windows, on a pool thread: a region whose release was deferred has been released by its finalizer.</summary>
    internal void OnDeferredRegionReleased()
    {
        lock (Gate)
        {
            _deferredRegions--;
            if (_pendingTrim)
            {
                RetryPendingTrimLocked();
            }
        }

        FileRegistry.Release(this);
    }

    /// <summary>
    /// Under a size change: true when no view of this process maps the file, so that it can be truncated. Windows refuses
    /// to shrink a file while its data section has user references (a view, in any process): <c>MmCanFileBeTruncated</c>
    /// answers no whenever a user holds the section and the new size is below the current one, whatever the views cover.
    /// So a shrink or a flush leaves the truncation pending while a state of this process maps the file, and the release
    /// that takes the last view out does it (or, when another process still maps the file, the last process to close).
    /// </summary>
    private bool MapsNothingWindows()
    {
        if (_deferredRegions > 0)
        {
            return false;
        }

        foreach (MappingState state in Privates)
        {
            if (MapsAnything(state))
            {
                return false;
            }
        }

        return Shared is not { } shared || !MapsAnything(shared);
    }

    private static bool MapsAnything(MappingState state) => state.Region.MappedFileEnd > 0 || state.Retired.Count > 0;

    /// <summary>
    /// Under the size lock, alone, with this process's views gone: a read-only process is the last to close a file whose
    /// size on disk is past its length (a writer's shrink or growth capacity it could not give back while this process mapped
    /// the file). The shared words disappear with this process, so it trims the file itself, through a writable handle of its
    /// own, if the file's permissions allow it; otherwise the next opener takes the zeros past the length as data.
    /// </summary>
    [SupportedOSPlatform("windows")]
    private void TrimAsLastReaderWindows(long target)
    {
        SafeFileHandle writable;
        try
        {
            writable = File.OpenHandle(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (System.Exception ex) when (ex is IOException or System.UnauthorizedAccessException)
        {
            return;
        }

        using (writable)
        {
            if (WindowsFile.GetIdentity(writable, Path) != Identity || WindowsFile.TrySetEndOfFile(writable, target) != 0)
            {
                return;
            }
        }

        Volatile.Write(ref _shared.Physical, target);
        Volatile.Write(ref _shared.HighWater, target);
    }
}
