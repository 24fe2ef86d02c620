using System;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The Windows half of <see cref="Region"/>. The reservation is one placeholder (<c>VirtualAlloc2</c>); each growth splits
/// the next piece off it and maps a view of a new section of the file there (<c>MapViewOfFile3</c>), or zero pages
/// (<c>VirtualAlloc2</c>), both replacing the placeholder. Windows cannot replace a view by zero pages in one step: between
/// taking a view out and putting zero pages in, the range faults. So no view is ever taken out while an access may be in
/// flight: views stay until the region is released, which happens once no access can touch it (at the last release of its
/// state when <see cref="AccessSlots"/> proves it, otherwise in the finalizer). A view's file offset must be a multiple of
/// the allocation granularity (64 KiB), so a region whose file part ends elsewhere cannot grow in place: the file is then
/// mapped again in a new region (see <see cref="CanMapFileTo"/>).
/// </summary>
internal sealed unsafe partial class Region
{
    private ViewProtection ViewProtection => Shared ? ViewProtection.ReadWrite : ViewProtection.CopyOnWrite;

    /// <summary>
    /// Windows, under the gate, once no access can be in flight (no handle, no view, and <see cref="AccessSlots"/> found no
    /// thread inside an access of the state): unmaps every view, frees the zero pages and returns the reservation now.
    /// </summary>
    [SupportedOSPlatform("windows")]
    internal void ReleaseNow() => _ = ReleaseWindows();

    /// <summary>
    /// Windows, under the gate: leaves the release to the finalizer (an access may still be in flight), which then tells
    /// <paramref name="owner"/> (<see cref="FileEntry.OnDeferredRegionReleased"/>) so that the file can be closed and trimmed.
    /// </summary>
    internal void ReleaseLater(FileEntry owner)
    {
        _deferredFor = owner;
        CountDetached();
    }

    [SupportedOSPlatform("windows10.0.17134")]
    private bool CanMapFileInPlaceWindows(long end) =>
        end <= _fileMapped || (_fileMapped % (long)WindowsMemory.Granularity == 0 && (nuint)_fileMapped == Accessible && !_tailSplit);

    [SupportedOSPlatform("windows10.0.17134")]
    private void MapFileToWindows(long end, SafeFileHandle file, string path)
    {
        if (end <= _fileMapped)
        {
            return;
        }

        if (!CanMapFileInPlaceWindows(end))
        {
            throw new InvalidOperationException($"A view of '{path}' cannot start at {_fileMapped}: map the file again in a new region.");
        }

        int injected = FaultInjection.Check(FaultPoint.Map);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "MapViewOfFile3", path);
        }

        nuint from = (nuint)_fileMapped;
        nuint span = (nuint)RoundUpToPage(end) - from;
        nint address = (nint)(Base + from);
        bool split = TakePlaceholder(from, span);
        try
        {
            using SafeMemoryMappedFileHandle section = FileSections.ForFile(file, end, ViewProtection, path);
            WindowsMemory.MapIntoPlaceholder(section, address, (nuint)end - from, (long)from, ViewProtection, path);
        }
        catch
        {
            GiveBackPlaceholder(from, split);
            throw;
        }

        _segments!.Add(new RegionSegment(from, span, IsView: true));
        _fileMapped = end;
        FileBacked = from + span;
        Accessible = FileBacked;
    }

    [SupportedOSPlatform("windows10.0.17134")]
    private void MapZerosToWindows(long end, string path)
    {
        nuint target = (nuint)RoundUpToPage(end);
        if (target <= Accessible)
        {
            return;
        }

        int injected = FaultInjection.Check(FaultPoint.Map);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "VirtualAlloc2", path);
        }

        nuint from = Accessible;
        nuint span = target - from;
        bool split = TakePlaceholder(from, span);
        try
        {
            WindowsMemory.MapZerosIntoPlaceholder((nint)(Base + from), span);
        }
        catch
        {
            GiveBackPlaceholder(from, split);
            throw;
        }

        _segments!.Add(new RegionSegment(from, span, IsView: false));
        Accessible = target;
    }

    // A private shrink: writing zeros makes private copies of the copy-on-write pages (or clears zero pages); the file is
    // never touched, and no page is taken out.
    private void ZeroFromWindows(long end, long dataEnd)
    {
        long to = Math.Min(dataEnd, (long)Accessible);
        for (long at = end; at < to; at += int.MaxValue)
        {
            new Span<byte>(Base + at, (int)Math.Min(int.MaxValue, to - at)).Clear();
        }
    }

    // Splits [from, from + span) off the placeholder that holds the rest of the reservation, unless it is all of it.
    [SupportedOSPlatform("windows10.0.17134")]
    private bool TakePlaceholder(nuint from, nuint span)
    {
        if (from + span >= Reserved)
        {
            return false;
        }

        WindowsMemory.SplitPlaceholder((nint)(Base + from), span);
        return true;
    }

    // Joins a piece split off by TakePlaceholder back to the rest, after what was to fill it failed.
    [SupportedOSPlatform("windows10.0.17134")]
    private void GiveBackPlaceholder(nuint from, bool split)
    {
        if (!split)
        {
            return;
        }

        try
        {
            WindowsMemory.CoalescePlaceholders((nint)(Base + from), Reserved - from);
        }
        catch (System.IO.IOException)
        {
            // Two placeholders stay where there was one: the next growth of the file moves to a new region
            // (CanMapFileInPlaceWindows), and the release frees both (ReleaseTailWindows).
            _tailSplit = true;
        }
    }

    [SupportedOSPlatform("windows")]
    private void FinalizeWindows()
    {
        if (ReleaseWindows() && _deferredFor is { } owner)
        {
            // Closing the file takes its gate and the cross-process size lock: not on the finalizer thread.
            _ = ThreadPool.UnsafeQueueUserWorkItem(static entry => entry.OnDeferredRegionReleased(), owner, preferLocal: false);
        }
    }

    // Unmaps every view, frees the zero pages and the placeholder left. Only when no access can touch the range.
    [SupportedOSPlatform("windows")]
    private bool ReleaseWindows()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return false;
        }

        foreach (RegionSegment segment in _segments!)
        {
            nint address = (nint)(Base + segment.Offset);
            _ = segment.IsView ? WindowsMemory.TryUnmapView(address) : WindowsMemory.TryReleasePlaceholder(address);
        }

        ReleaseTailWindows();
        return true;
    }

    // Frees the placeholders of [Accessible, Reserved): one, or several where a growth failed and its piece could not be
    // joined back (GiveBackPlaceholder). It only moves forward, so every range it asks about is still this reservation's
    // (freed address space may be taken by any other allocation at once): each piece is freed whole from its start, and the
    // walk goes on past the size the system gave for it.
    [SupportedOSPlatform("windows")]
    private void ReleaseTailWindows()
    {
        nuint at = Accessible;
        while (at < Reserved && WindowsMemory.TryQuery((nint)(Base + at), out MemoryBasicInformation info) && info.RegionSize != 0)
        {
            if (info.State == WindowsConstants.MemStateReserve)
            {
                if (!WindowsMemory.TryReleasePlaceholder((nint)(Base + at)))
                {
                    return;
                }
            }
            else if (info.State != WindowsConstants.MemStateFree)
            {
                return;
            }

            at += info.RegionSize;
        }
    }
}
