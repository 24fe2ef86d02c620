using System;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The Unix half of <see cref="Region"/>: file and zero pages are put in place with <c>mmap(MAP_FIXED)</c>, which replaces
/// whatever was there in one step, so no page is ever left unmapped under a racing access.
/// </summary>
internal sealed unsafe partial class Region
{
    /// <summary>
    /// Re-maps the file-backed part <c>MAP_SHARED</c> through <paramref name="file"/> (a read-write descriptor), so that
    /// writes reach the file from now on. Copy-on-write copies made before are dropped for the file's bytes. (Windows cannot
    /// replace views in place: <see cref="FileEntry"/> maps the file again in a new region instead.)
    /// </summary>
    internal void ShareWrites(SafeFileHandle file, string path)
    {
        if (FileBacked > 0)
        {
            Mmap.MapFile(Base, FileBacked, Protection, shared: true, file, 0, path);
        }

        Shared = true;
    }

    /// <summary>
    /// Undoes <see cref="ShareWrites"/> for an upgrade that failed: re-maps the file-backed part copy-on-write through
    /// <paramref name="file"/> (the read-only descriptor that stays), so that writes through views of read-only streams stay
    /// private again. The pages read the same bytes either way.
    /// </summary>
    internal void UnshareWrites(SafeFileHandle file, string path)
    {
        if (FileBacked > 0)
        {
            Mmap.MapFile(Base, FileBacked, Protection, shared: false, file, 0, path);
        }

        Shared = false;
    }

    /// <summary>
    /// Takes every file page out of the mapping: the file is no longer mapped, and a racing access reads zeros. The
    /// address range itself stays reserved until finalization. (Windows releases the region instead, at once or in the
    /// finalizer: see <see cref="MappingState.DetachAll"/>.)
    /// </summary>
    /// <returns>False if the pages could not be replaced (they still map the file, so it must not be truncated).</returns>
    internal bool Detach()
    {
        CountDetached();
        if (FileBacked == 0)
        {
            return true;
        }

        if (FaultInjection.Check(FaultPoint.Map) != 0 || !Mmap.TryMapAnonymous(Base, Accessible, Protection))
        {
            return false;
        }

        FileBacked = 0;
        return true;
    }

    private void MapFileToUnix(long end, SafeFileHandle file, string path)
    {
        nuint target = (nuint)RoundUpToPage(end);
        if (target <= FileBacked)
        {
            return;
        }

        nuint from = FileBacked;
        Mmap.MapFile(Base + from, target - from, Protection, Shared, file, (long)from, path);
        FileBacked = target;
        if (Accessible < target)
        {
            Accessible = target;
        }
    }

    private void MapZerosToUnix(long end, string path)
    {
        nuint target = (nuint)RoundUpToPage(end);
        if (target <= Accessible)
        {
            return;
        }

        Mmap.MapAnonymous(Base + Accessible, target - Accessible, Protection, path);
        Accessible = target;
    }

    private void CutFileAtUnix(long end, string path)
    {
        nuint from = (nuint)RoundUpToPage(end);
        if (from >= FileBacked)
        {
            return;
        }

        Mmap.MapAnonymous(Base + from, FileBacked - from, Protection, path);
        FileBacked = from;
    }

    private void ZeroFromUnix(long end, long dataEnd, string path)
    {
        long pageEnd = RoundUpToPage(end);
        long clearTo = Math.Min(pageEnd, dataEnd);
        if (clearTo > end)
        {
            new Span<byte>(Base + end, (int)(clearTo - end)).Clear();
        }

        nuint from = (nuint)pageEnd;
        nuint to = Math.Min((nuint)RoundUpToPage(dataEnd), Accessible);
        if (to > from)
        {
            Mmap.MapAnonymous(Base + from, to - from, Protection, path);
            if (to >= FileBacked && from < FileBacked)
            {
                FileBacked = from;
            }
        }
    }
}
