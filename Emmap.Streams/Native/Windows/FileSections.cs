using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native.Windows;

/// <summary>
/// Section objects (<c>CreateFileMapping</c>): the Windows object that file views and named shared memory are
/// mapped from. A view keeps its section alive, so a section handle may be closed as soon as its views are mapped.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class FileSections
{
    /// <summary>
    /// Creates a section over the first <paramref name="size"/> bytes of <paramref name="file"/>. The file must
    /// already be that long: a writable section longer than its file would extend the file without reserving its
    /// blocks first (see <see cref="WindowsFile.Grow"/>), and a read-only one fails. Views of different sections of
    /// one local file share the same pages, so they are coherent with each other and with <c>ReadFile</c>/<c>WriteFile</c>.
    /// </summary>
    internal static SafeMemoryMappedFileHandle ForFile(SafeFileHandle file, long size, ViewProtection protection, string? path)
    {
        SafeMemoryMappedFileHandle section = Kernel32.CreateFileMapping(
            file, 0, PageProtectionOf(protection), (uint)((ulong)size >> 32), (uint)size, null);
        if (section.IsInvalid)
        {
            int error = WindowsErrors.LastError();
            section.Dispose();
            throw WindowsErrors.IOError(error, "CreateFileMapping", path);
        }

        return section;
    }

    /// <summary>
    /// Opens the paging-file-backed section named <paramref name="name"/> (such as <c>Local\emmap-…</c>), creating it
    /// zero-filled with <paramref name="size"/> bytes if no process has it open. The section exists for as long as
    /// any process holds a handle or a view of it, and then disappears.
    /// </summary>
    internal static SafeMemoryMappedFileHandle OpenOrCreateShared(string name, long size, out bool created)
    {
        SafeMemoryMappedFileHandle section = Kernel32.CreateFileMapping(
            -1, 0, WindowsConstants.PageReadWrite, (uint)((ulong)size >> 32), (uint)size, name);
        int error = WindowsErrors.LastError();
        if (section.IsInvalid)
        {
            section.Dispose();
            throw WindowsErrors.IOError(error, "CreateFileMapping (named shared memory)", name);
        }

        created = error != WindowsConstants.ErrorAlreadyExists;
        return section;
    }

    /// <summary>The page protection of a section and of its views for <paramref name="protection"/>.</summary>
    internal static uint PageProtectionOf(ViewProtection protection) => protection switch
    {
        ViewProtection.ReadWrite => WindowsConstants.PageReadWrite,
        ViewProtection.CopyOnWrite => WindowsConstants.PageWriteCopy,
        _ => WindowsConstants.PageReadOnly,
    };
}
