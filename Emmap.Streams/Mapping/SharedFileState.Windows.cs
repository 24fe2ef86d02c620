using System.IO;
using System.Runtime.Versioning;
using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The Windows half of <see cref="SharedFileState"/>: the page is named shared memory, <c>Local\emmap-…-state</c>, named
/// after the data file's volume serial number and file index (see <see cref="WindowsFile.GetIdentity"/>); the locks are
/// <c>LockFileEx</c> locks on the data file's own handle, from 2^62 on, as on Linux.
/// </summary>
/// <remarks>
/// Named memory rather than a file: it needs no folder that every user may write (the temporary folder is per user), it
/// exists exactly while some process has it open, so no page is ever left behind or collected, and nothing has to be deleted
/// while another process may still map it (a file that is mapped cannot be deleted on Windows, and its name stays taken while
/// the deletion is pending). What it costs: the words do not outlive the last process. When every process of a file is
/// killed, the next opener starts from the file's size on disk, which can hold growth capacity or a shrink not yet given back
/// (zeros past the length) — as after a machine crash on Linux. The last process to close gives both back first (see
/// <see cref="FileEntry"/>). <c>Local\</c> names are per session: processes of different sessions (a service and a desktop
/// program) do not share the words.
/// </remarks>
internal sealed unsafe partial class SharedFileState
{
    private static string PageNameWindows(FileIdentity identity) => WindowsObjectNames.For(identity, "state");

    // The named memory's section handle, held for as long as the page is mapped: a name lives only while some handle of the
    // object is open (a view alone keeps the memory but not the name), so another process could not find the page otherwise.
    private SafeMemoryMappedFileHandle? _pageSection;

    // Opens the named memory, creating it zero-filled when no process has it: every process may, so no process is ever
    // left with a page of its own while another writes.
    [SupportedOSPlatform("windows")]
    private byte* MapPageWindows()
    {
        SafeMemoryMappedFileHandle section;
        try
        {
            section = FileSections.OpenOrCreateShared(_pagePath, PageSize, out _);
        }
        catch (IOException)
        {
            // No memory for it: stay process-local.
            return null;
        }

        try
        {
            byte* page = (byte*)WindowsMemory.MapView(section, PageSize, 0, ViewProtection.ReadWrite, _pagePath);
            _pageSection?.Dispose();
            _pageSection = section;
            return page;
        }
        catch (IOException)
        {
            section.Dispose();
            return null;
        }
    }

    [SupportedOSPlatform("windows")]
    private void ReleasePageWindows(byte* page)
    {
        _ = WindowsMemory.TryUnmapView((nint)page);
        _pageSection?.Dispose();
        _pageSection = null;
    }
}
