using System;
using System.IO;
using System.Numerics;
using System.Threading;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// A fixed range of address space into which a file is mapped. This type carries the lifetime
/// guarantee of the whole library:
/// <list type="bullet">
/// <item>The base address never moves, so growth inside the reservation maps more of the file at
/// the same address and nothing handed out earlier dangles.</item>
/// <item>Bytes <c>[0, <see cref="Accessible"/>)</c> stay readable (and writable when the mapping
/// is) for as long as the object is reachable. When file pages must go (shrink, final close) they
/// are replaced by zero-filled anonymous pages in one <c>mmap(MAP_FIXED)</c>, never unmapped, so a
/// racing access reads zeros instead of faulting.</item>
/// <item>The reservation is returned to the system only by the finalizer, that is when no thread can
/// hold a reference: every accessor keeps its <see cref="Region"/> in a local and calls
/// <see cref="GC.KeepAlive(object)"/> after touching memory.</item>
/// </list>
/// All mutating members are called with the owning <see cref="FileEntry.Gate"/> held.
/// </summary>
internal sealed unsafe class Region
{
    private const long MinimumReservation = 1L << 30;
    private const int CollectThreshold = 8192;

    // Regions detached from their file whose address space awaits finalization (live regions do not count).
    private static int s_detached;

    private int _counted;

    internal readonly byte* Base;
    internal readonly nuint Reserved;

    /// <summary>Bytes from the base that may be touched (file or zero pages). Never decreases.</summary>
    internal nuint Accessible;

    /// <summary>Bytes from the base that map the file (page multiple, ≤ <see cref="Accessible"/>).</summary>
    internal nuint FileBacked;

    internal readonly int Protection;

    /// <summary>True if file pages are mapped <c>MAP_SHARED</c>; false for copy-on-write (<c>MAP_PRIVATE</c>) pages.</summary>
    internal bool Shared;

    private Region(byte* address, nuint reserved, int protection, bool shared)
    {
        Base = address;
        Reserved = reserved;
        Protection = protection;
        Shared = shared;
    }

    ~Region()
    {
        Mmap.Release(Base, Reserved);
        if (_counted != 0)
        {
            Interlocked.Decrement(ref s_detached);
        }
    }

    internal static nuint PageSize { get; } = (nuint)Environment.SystemPageSize;

    internal static long RoundUpToPage(long value) => (long)(((ulong)value + PageSize - 1) & ~(ulong)(PageSize - 1));

    /// <summary>Reserves address space for a mapping that needs <paramref name="bytes"/> now and may grow.</summary>
    internal static Region Reserve(long bytes, int protection, bool shared)
    {
        if (bytes > MappedLimits.MaxFileSize)
        {
            throw new IOException($"Cannot map {bytes} bytes: the limit is {MappedLimits.MaxFileSize} bytes per file.");
        }

        ulong wanted = Math.Max((ulong)MinimumReservation, BitOperations.RoundUpToPowerOf2((ulong)RoundUpToPage(bytes) * 2));
        byte* address = Mmap.Reserve((nuint)wanted);
        return new Region(address, (nuint)wanted, protection, shared);
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

    /// <summary>Maps the file so that <c>[0, RoundUp(end))</c> is file-backed.</summary>
    internal void MapFileTo(long end, SafeFileHandle file, string path)
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

    /// <summary>Makes <c>[0, RoundUp(end))</c> accessible, with zero pages past the file-backed part.</summary>
    internal void MapZerosTo(long end, string path)
    {
        nuint target = (nuint)RoundUpToPage(end);
        if (target <= Accessible)
        {
            return;
        }

        Mmap.MapAnonymous(Base + Accessible, target - Accessible, Protection, path);
        Accessible = target;
    }

    /// <summary>
    /// Replaces file pages from <c>RoundUp(end)</c> on by zero pages, so the file can be truncated
    /// there without any later access faulting.
    /// </summary>
    internal void CutFileAt(long end, string path)
    {
        nuint from = (nuint)RoundUpToPage(end);
        if (from >= FileBacked)
        {
            return;
        }

        Mmap.MapAnonymous(Base + from, FileBacked - from, Protection, path);
        FileBacked = from;
    }

    /// <summary>
    /// Private mappings only: makes <c>[end, dataEnd)</c> read as zeros in this mapping's own pages
    /// (the file is never touched), so a later extension reads zeros like a truncated file would.
    /// </summary>
    internal void ZeroFrom(long end, long dataEnd, string path)
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

    /// <summary>
    /// Re-maps the file-backed part <c>MAP_SHARED</c> through <paramref name="file"/> (a read-write descriptor), so that
    /// writes reach the file from now on. Copy-on-write copies made before are dropped for the file's bytes.
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
    /// Takes every file page out of the mapping: the file is no longer mapped, and a racing access reads zeros. The address
    /// range itself stays reserved until finalization.
    /// </summary>
    /// <returns>False if the pages could not be replaced (they still map the file, so it must not be truncated).</returns>
    internal bool Detach()
    {
        if (Interlocked.Exchange(ref _counted, 1) == 0)
        {
            Interlocked.Increment(ref s_detached);
        }

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
}
