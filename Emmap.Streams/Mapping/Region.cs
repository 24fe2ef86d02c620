using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Threading;
using Emmap.Streams.Native;
using Emmap.Streams.Native.Windows;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// A fixed range of address space into which a file is mapped. This type carries the lifetime
/// guarantee of the whole library:
/// <list type="bullet">
/// <item>The base address never moves, so growth inside the reservation maps more of the file at
/// the same address and nothing handed out earlier dangles.</item>
/// <item>Bytes <c>[0, <see cref="Accessible"/>)</c> stay readable (and writable when the mapping
/// is) for as long as the object is reachable. On Unix, when file pages must go (shrink, final close) they
/// are replaced by zero-filled anonymous pages in one <c>mmap(MAP_FIXED)</c>, never unmapped, so a
/// racing access reads zeros instead of faulting. Windows has no such one-step replacement: there file
/// views stay until the region is released, and a shrink writes zeros instead (<c>Region.Windows.cs</c>).</item>
/// <item>The reservation is returned to the system only by the finalizer, that is when no thread can
/// hold a reference: every accessor keeps its <see cref="Region"/> in a local and calls
/// <see cref="GC.KeepAlive(object)"/> after touching memory. On Windows it is also returned at once when the
/// last handle and view of its state go and <see cref="AccessSlots"/> proves that no access is in flight.</item>
/// </list>
/// All mutating members are called with the owning <see cref="FileEntry.Gate"/> held. The platform halves are in
/// <c>Region.Unix.cs</c> and <c>Region.Windows.cs</c>.
/// </summary>
internal sealed unsafe partial class Region
{
    private const long MinimumReservation = 1L << 30;

    // Unix: the address space one page-table page covers at its lowest level but one (a page of PMD entries on x64, with
    // 4 KiB pages also on Arm64). The file pages start at a multiple of it and the reservation covers whole spans of it, so
    // no other mapping of the process shares a page-table page with them. Where the host keeps shadow copies of the guest's
    // page tables (a PVM guest), changing a page-table page makes the host rebuild the shadow entries of every page it covers,
    // which costs about 1 µs per page at their next touch: another mapping made and dropped next to a file's pages made
    // the next random pass over them 7–23x slower (docs/benchmarks.md).
    private const ulong PageTableSpan = 1UL << 30;

    // Windows: growth past a view that ends off the 64 KiB grid moves to a new region anyway, and Wine gives a process 8 TiB
    // of address space, which 1 GiB per file would exhaust with a few thousand files open.
    private const long MinimumReservationWindows = 64L << 20;

    /// <summary>
    /// Detached regions awaiting finalization above which an open nudges the finalizers with a collection: 8,192 on Unix,
    /// where such a region holds only address space; 1,024 on Windows, where it is a region whose release an access in flight
    /// deferred, which still maps its file and keeps it open (and its truncation waiting).
    /// </summary>
    internal static int CollectThreshold { get; } = Platform.IsWindows ? 1024 : 8192;

    // Regions detached from their file whose address space awaits finalization (live regions do not count).
    private static int s_detached;

    private int _counted;

    internal readonly byte* Base;
    internal readonly nuint Reserved;

    // Unix: the address space reserved, which the finalizer returns: [Base, Base + Reserved) plus the slack that aligned Base.
    private readonly byte* _reservedStart;
    private readonly nuint _reservedLength;

    /// <summary>Bytes from the base that may be touched (file or zero pages). Never decreases.</summary>
    internal nuint Accessible;

    /// <summary>Bytes from the base that map the file (page multiple, ≤ <see cref="Accessible"/>).</summary>
    internal nuint FileBacked;

    /// <summary>The Unix page protection of every page (<c>PROT_READ | PROT_WRITE</c>); unused on Windows.</summary>
    internal readonly int Protection;

    /// <summary>True if file pages are mapped <c>MAP_SHARED</c>; false for copy-on-write (<c>MAP_PRIVATE</c>) pages.</summary>
    internal bool Shared;

    // Windows: the file views and zero-page blocks that fill [0, Accessible), in address order. The rest of the reservation
    // is one placeholder, or two after a failed growth whose piece could not be joined back (then _tailSplit is set).
    private readonly List<RegionSegment>? _segments;

    // Windows: the rest of the reservation is in two placeholders, so it cannot be split for a growth in place any more.
    private bool _tailSplit;

    // Windows: the bytes of the file the views map, from offset 0. The next view starts here, which Windows allows only at
    // a multiple of the allocation granularity (64 KiB).
    private long _fileMapped;

    // Windows: 1 once the views and the reservation have been returned to the system.
    private int _released;

    // Windows: the file whose close waits for the finalizer of this region (a release deferred by a racing access).
    private FileEntry? _deferredFor;

    private Region(byte* address, nuint reserved, int protection, bool shared, byte* reservedStart = null, nuint reservedLength = 0)
    {
        Base = address;
        Reserved = reserved;
        _reservedStart = reservedStart == null ? address : reservedStart;
        _reservedLength = reservedStart == null ? reserved : reservedLength;
        Protection = protection;
        Shared = shared;
        if (Platform.IsWindows)
        {
            _segments = [];
        }
    }

    ~Region()
    {
        if (Platform.IsWindows)
        {
            FinalizeWindows();
        }
        else
        {
            Mmap.Release(_reservedStart, _reservedLength);
        }

        if (_counted != 0)
        {
            Interlocked.Decrement(ref s_detached);
        }
    }

    internal static nuint PageSize { get; } = (nuint)Environment.SystemPageSize;

    /// <summary>
    /// Gets the end of the file bytes this region maps: no truncation below it may happen while the region maps the file
    /// (on Unix the page-rounded end of the file pages, on Windows the exact end of the last view).
    /// </summary>
    internal long MappedFileEnd => Platform.IsWindows ? (Volatile.Read(ref _released) != 0 ? 0 : _fileMapped) : (long)FileBacked;

    internal static long RoundUpToPage(long value) => (long)(((ulong)value + PageSize - 1) & ~(ulong)(PageSize - 1));

    /// <summary>Reserves address space for a mapping that needs <paramref name="bytes"/> now and may grow.</summary>
    internal static Region Reserve(long bytes, int protection, bool shared)
    {
        if (bytes > MappedLimits.MaxFileSize)
        {
            throw new IOException($"Cannot map {bytes} bytes: the limit is {MappedLimits.MaxFileSize} bytes per file.");
        }

        ulong minimum = (ulong)(Platform.IsWindows ? MinimumReservationWindows : MinimumReservation);
        ulong wanted = Math.Max(minimum, BitOperations.RoundUpToPowerOf2((ulong)RoundUpToPage(bytes) * 2));
        if (Platform.IsWindows)
        {
            return new Region((byte*)WindowsMemory.ReservePlaceholder((nuint)wanted), (nuint)wanted, protection, shared);
        }

        // Over-reserve by one span and start at its first multiple inside (wanted is a multiple of the span); where address
        // space is too short for the slack, an unaligned reservation still works, only without the isolation.
        byte* reserved = Mmap.TryReserve((nuint)(wanted + PageTableSpan));
        if (reserved == null)
        {
            return new Region(Mmap.Reserve((nuint)wanted), (nuint)wanted, protection, shared);
        }

        byte* aligned = (byte*)(((nuint)reserved + (nuint)PageTableSpan - 1) & ~((nuint)PageTableSpan - 1));
        return new Region(aligned, (nuint)wanted, protection, shared, reserved, (nuint)(wanted + PageTableSpan));
    }

    /// <summary>
    /// Closed mappings give their address space back in finalizers; this keeps them from piling up against
    /// <c>vm.max_map_count</c> in programs that open and close many files without allocating much. Only detached regions
    /// count, so a process that keeps many files open never pays for a collection here.
    /// Must be called with no lock held (finalizers of streams take file gates).
    /// </summary>
    internal static void ThrottleReservations()
    {
        if (Volatile.Read(ref s_detached) > CollectThreshold)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>True if <paramref name="bytes"/> from the base fit in the reservation.</summary>
    internal bool CanHold(long bytes) => (ulong)RoundUpToPage(bytes) <= Reserved;

    /// <summary>
    /// True if <see cref="MapFileTo"/> can map the file up to <paramref name="end"/> here, at the same base. On Windows the
    /// mapped end must also be where another view may start (a multiple of 64 KiB with nothing mapped after it); otherwise
    /// the file is mapped again in a new region.
    /// </summary>
    internal bool CanMapFileTo(long end) => CanHold(end) && (!Platform.IsWindows || CanMapFileInPlaceWindows(end));

    /// <summary>Maps the file so that <c>[0, RoundUp(end))</c> is file-backed.</summary>
    internal void MapFileTo(long end, SafeFileHandle file, string path)
    {
        if (Platform.IsWindows)
        {
            MapFileToWindows(end, file, path);
        }
        else
        {
            MapFileToUnix(end, file, path);
        }
    }

    /// <summary>
    /// Maps the file again where <see cref="CutFileAt"/> put zero pages, up to <c>RoundUp(end)</c> but not past what was
    /// ever accessible here: for a region that no longer grows, which only views and racing accesses made on it still use.
    /// Nothing on Windows, where nothing is cut.
    /// </summary>
    internal void MapFileAgainTo(long end, SafeFileHandle file, string path)
    {
        if (!Platform.IsWindows)
        {
            MapFileToUnix(Math.Min(end, (long)Accessible), file, path);
        }
    }

    /// <summary>Makes <c>[0, RoundUp(end))</c> accessible, with zero pages past the file-backed part.</summary>
    internal void MapZerosTo(long end, string path)
    {
        if (Platform.IsWindows)
        {
            MapZerosToWindows(end, path);
        }
        else
        {
            MapZerosToUnix(end, path);
        }
    }

    /// <summary>
    /// Replaces file pages from <c>RoundUp(end)</c> on by zero pages, so the file can be truncated
    /// there without any later access faulting. Nothing on Windows, where views stay until the release and the file is
    /// never truncated below them (see <see cref="FileEntry"/>).
    /// </summary>
    internal void CutFileAt(long end, string path)
    {
        if (!Platform.IsWindows)
        {
            CutFileAtUnix(end, path);
        }
    }

    /// <summary>
    /// Private mappings only: makes <c>[end, dataEnd)</c> read as zeros in this mapping's own pages
    /// (the file is never touched), so a later extension reads zeros like a truncated file would.
    /// </summary>
    internal void ZeroFrom(long end, long dataEnd, string path)
    {
        if (Platform.IsWindows)
        {
            ZeroFromWindows(end, dataEnd);
        }
        else
        {
            ZeroFromUnix(end, dataEnd, path);
        }
    }

    /// <summary>Counts <paramref name="delta"/> other address ranges that await a finalizer (<see cref="RetiredPage"/>) with the detached regions.</summary>
    internal static void CountAwaitingFinalizer(int delta) => Interlocked.Add(ref s_detached, delta);

    private void CountDetached()
    {
        if (Interlocked.Exchange(ref _counted, 1) == 0)
        {
            Interlocked.Increment(ref s_detached);
        }
    }
}
