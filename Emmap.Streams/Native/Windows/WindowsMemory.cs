using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native.Windows;

/// <summary>
/// Address-space operations of the Windows backend, the counterpart of <see cref="Mmap"/>. A mapping lives in
/// a range reserved as a <em>placeholder</em> (<c>VirtualAlloc2</c>, <c>MEM_RESERVE_PLACEHOLDER</c>): the range is
/// split into smaller placeholders, and each is replaced by a file view (<c>MapViewOfFile3</c>) or by anonymous
/// zero pages (<c>VirtualAlloc2</c>), then turned back into a placeholder, and finally coalesced and released.
/// Unlike <c>mmap(MAP_FIXED)</c>, no call replaces one mapping by another in a single step: between taking a view
/// out and putting something else in, the range is a placeholder and any access to it faults. Callers own the
/// addresses they pass; view addresses and file offsets are multiples of <see cref="Granularity"/>.
/// </summary>
[SupportedOSPlatform("windows10.0.17134")]
internal static class WindowsMemory
{
    private const int FlushAttempts = 40;

    /// <summary>The allocation granularity (64 KiB on every Windows so far): file offsets of views are multiples of it.</summary>
    internal static nuint Granularity { get; } = ReadGranularity();

    /// <summary>Rounds <paramref name="value"/> up to a multiple of <see cref="Granularity"/>.</summary>
    internal static long RoundUpToGranularity(long value) => (long)(((ulong)value + Granularity - 1) & ~(ulong)(Granularity - 1));

    /// <summary>Reserves <paramref name="length"/> bytes of address space as one placeholder, which no access may touch.</summary>
    internal static nint ReservePlaceholder(nuint length)
    {
        nint address = Kernel32.VirtualAlloc2(
            Kernel32.CurrentProcess, 0, length, WindowsConstants.MemReserve | WindowsConstants.MemReservePlaceholder,
            WindowsConstants.PageNoAccess, 0, 0);
        if (address == 0)
        {
            int error = WindowsErrors.LastError();
            throw new IOException(
                $"Cannot reserve {length} bytes of address space for a mapping: error {error}.", WindowsErrors.HResultOf(error));
        }

        return address;
    }

    /// <summary>
    /// Splits the placeholder that contains <c>[address, address + length)</c> so that this range becomes a
    /// placeholder of its own (<c>VirtualFree</c> with <c>MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER</c>).
    /// </summary>
    internal static void SplitPlaceholder(nint address, nuint length)
    {
        if (!Kernel32.VirtualFree(address, length, WindowsConstants.MemRelease | WindowsConstants.MemPreservePlaceholder))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "Splitting a placeholder", null);
        }
    }

    /// <summary>
    /// Maps bytes <c>[offset, offset + length)</c> of <paramref name="section"/> over the placeholder
    /// <c>[address, address + length)</c>, which must be exactly one placeholder.
    /// </summary>
    internal static void MapIntoPlaceholder(
        SafeMemoryMappedFileHandle section, nint address, nuint length, long offset, ViewProtection protection, string? path)
    {
        nint view = Kernel32.MapViewOfFile3(
            section, Kernel32.CurrentProcess, address, (ulong)offset, length,
            WindowsConstants.MemReplacePlaceholder, FileSections.PageProtectionOf(protection), 0, 0);
        if (view == 0)
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "MapViewOfFile3", path);
        }
    }

    /// <summary>Takes the view at <paramref name="address"/> out, leaving a placeholder of the same size (<c>UnmapViewOfFile2</c>).</summary>
    internal static void UnmapToPlaceholder(nint address)
    {
        if (!Kernel32.UnmapViewOfFile2(Kernel32.CurrentProcess, address, WindowsConstants.MemPreservePlaceholder))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "UnmapViewOfFile2", null);
        }
    }

    /// <summary>Replaces the placeholder <c>[address, address + length)</c> by committed, zero-filled, writable private pages.</summary>
    internal static void MapZerosIntoPlaceholder(nint address, nuint length)
    {
        nint result = Kernel32.VirtualAlloc2(
            Kernel32.CurrentProcess, address, length,
            WindowsConstants.MemReserve | WindowsConstants.MemCommit | WindowsConstants.MemReplacePlaceholder,
            WindowsConstants.PageReadWrite, 0, 0);
        if (result == 0)
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "Mapping zero pages (VirtualAlloc2)", null);
        }
    }

    /// <summary>Turns private pages made by <see cref="MapZerosIntoPlaceholder"/> back into a placeholder.</summary>
    internal static void UnmapZerosToPlaceholder(nint address, nuint length) => SplitPlaceholder(address, length);

    /// <summary>Joins the adjacent placeholders that exactly cover <c>[address, address + length)</c> into one.</summary>
    internal static void CoalescePlaceholders(nint address, nuint length)
    {
        int injected = FaultInjection.Check(FaultPoint.Coalesce);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "Coalescing placeholders", null);
        }

        if (!Kernel32.VirtualFree(address, length, WindowsConstants.MemRelease | WindowsConstants.MemCoalescePlaceholders))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "Coalescing placeholders", null);
        }
    }

    /// <summary>Returns the placeholder that starts at <paramref name="address"/> to the system. False if that failed.</summary>
    internal static bool TryReleasePlaceholder(nint address) => Kernel32.VirtualFree(address, 0, WindowsConstants.MemRelease);

    /// <summary>Maps a whole <paramref name="length"/>-byte view of <paramref name="section"/> wherever the system puts it.</summary>
    internal static nint MapView(SafeMemoryMappedFileHandle section, nuint length, long offset, ViewProtection protection, string? path)
    {
        nint view = Kernel32.MapViewOfFile3(
            section, Kernel32.CurrentProcess, 0, (ulong)offset, length, 0, FileSections.PageProtectionOf(protection), 0, 0);
        if (view == 0)
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "MapViewOfFile3", path);
        }

        return view;
    }

    /// <summary>Unmaps a view made by <see cref="MapView"/>. False if that failed.</summary>
    internal static bool TryUnmapView(nint address) => Kernel32.UnmapViewOfFile2(Kernel32.CurrentProcess, address, 0);

    /// <summary>Starts writing the dirty pages of <c>[address, address + length)</c> to the file (<c>FlushViewOfFile</c>).</summary>
    /// <remarks>
    /// <c>FlushViewOfFile</c> does not wait for the disk; a durable flush follows it with
    /// <see cref="WindowsFile.FlushToDisk"/> (<c>FlushFileBuffers</c>), as <c>MemoryMappedViewAccessor.Flush</c> does not.
    /// </remarks>
    internal static void Flush(nint address, nuint length, string? path)
    {
        if (length == 0)
        {
            return;
        }

        // FlushViewOfFile fails with ERROR_LOCK_VIOLATION while the system is writing the same pages back itself; it succeeds
        // when tried again a little later (.NET's MemoryMappedViewAccessor.Flush retries it too). Up to about 2 s in all.
        for (int attempt = 0; ; attempt++)
        {
            if (Kernel32.FlushViewOfFile(address, length))
            {
                return;
            }

            int error = WindowsErrors.LastError();
            if (error != WindowsConstants.ErrorLockViolation || attempt == FlushAttempts)
            {
                throw WindowsErrors.IOError(error, "FlushViewOfFile", path);
            }

            Thread.Sleep(Math.Min(1 << Math.Min(attempt, 6), 64));
        }
    }

    /// <summary>As <see cref="Query"/>, without throwing: false if the system could not say.</summary>
    internal static bool TryQuery(nint address, out MemoryBasicInformation info) =>
        Kernel32.VirtualQuery(address, out info, (nuint)Unsafe.SizeOf<MemoryBasicInformation>()) != 0;

    /// <summary>What the system says about the pages at <paramref name="address"/> (<c>VirtualQuery</c>).</summary>
    internal static MemoryBasicInformation Query(nint address)
    {
        if (Kernel32.VirtualQuery(address, out MemoryBasicInformation info, (nuint)Unsafe.SizeOf<MemoryBasicInformation>()) == 0)
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "VirtualQuery", null);
        }

        return info;
    }

    private static nuint ReadGranularity()
    {
        Kernel32.GetSystemInfo(out SystemInfo info);
        return info.AllocationGranularity;
    }
}
