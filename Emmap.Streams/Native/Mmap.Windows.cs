using System.Runtime.Versioning;
using Emmap.Streams.Native.Windows;

namespace Emmap.Streams.Native;

/// <summary>
/// The Windows half of <see cref="Mmap"/>'s write-back and prefetch. A mapping is made of several views (one per growth), and
/// <c>FlushViewOfFile</c> flushes within one view, so a range is flushed view by view. <c>FlushViewOfFile</c> writes the dirty
/// pages to the file system and waits for that, but not for the device: a durable flush follows it with
/// <c>FlushFileBuffers</c>. Windows has no counterpart of <c>msync(MS_ASYNC)</c>, so the non-durable flush does the same write.
/// </summary>
internal static unsafe partial class Mmap
{
    [SupportedOSPlatform("windows")]
    private static void FlushWindows(byte* address, nuint length, string path)
    {
        nint at = (nint)address;
        nint end = at + (nint)length;
        while (at < end)
        {
            // The pages from `at` that share one allocation (a view, or zero pages) and one state.
            MemoryBasicInformation info = WindowsMemory.Query(at);
            nint next = info.BaseAddress + (nint)info.RegionSize;
            nint stop = next < end ? next : end;
            if (info.Type == WindowsConstants.MemTypeMapped)
            {
                WindowsMemory.Flush(at, (nuint)(stop - at), path);
            }

            at = stop;
        }
    }

    [SupportedOSPlatform("windows")]
    private static void PrefetchWindows(byte* address, nuint length)
    {
        // Best effort, as madvise: a system that cannot prefetch faults the pages in on first touch instead.
        var range = new MemoryRangeEntry { VirtualAddress = (nint)address, NumberOfBytes = length };
        _ = Kernel32.PrefetchVirtualMemory(Kernel32.CurrentProcess, 1, ref range, 0);
    }
}
