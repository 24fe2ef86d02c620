using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using Emmap.Streams.Native;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The least a mapping of a file can cost on Unix, for the open benchmarks' floor: one <c>mmap</c> of the whole file, read-only
/// and shared, and one <c>munmap</c>, through the library's own imports of both. No reservation, no locks, no shared state,
/// no protection against a racing truncation.
/// </summary>
internal static unsafe partial class RawMmap
{
    private const int AdviceDontNeed = 4;

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="file"/>, reads the first 8 into <paramref name="buffer"/> and unmaps.</summary>
    internal static int ReadFirst(SafeFileHandle file, long length, byte[] buffer) =>
        (int)WithMapping(file, length, buffer, &CopyFirst);

    /// <summary>
    /// Maps <paramref name="length"/> bytes of <paramref name="file"/>, reads one byte of every page <paramref name="times"/>
    /// times over, and unmaps; returns the sum of the bytes read.
    /// </summary>
    internal static long TouchPages(SafeFileHandle file, long length, int times) =>
        WithMapping(file, length, (length, times), &Touch);

    /// <summary>
    /// As <see cref="TouchPages"/>, but each <paramref name="chunk"/> of the mapping is first made present with one
    /// <c>madvise(MADV_POPULATE_READ)</c> (Linux 5.14 and later), as a reader that populates its window before handing it
    /// out would do; on other systems the advice fails and the pages fault in on first touch.
    /// </summary>
    internal static long TouchPagesPopulated(SafeFileHandle file, long length, int times, long chunk) =>
        WithMapping(file, length, (length, times, chunk), &PopulateAndTouch);

    /// <summary>
    /// Maps <paramref name="length"/> bytes of <paramref name="file"/> read-only and shared, at <paramref name="hint"/> if that
    /// range is free (the kernel's choice otherwise); unmap it with <see cref="Unmap"/>.
    /// </summary>
    internal static byte* Map(SafeFileHandle file, long length, void* hint = null)
    {
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            void* address = Libc.MapMemory(
                hint, (nuint)length, UnixConstants.ProtRead, UnixConstants.MapShared, (int)file.DangerousGetHandle(), 0);
            return address == (void*)-1 ? throw new IOException($"mmap failed: errno {Marshal.GetLastPInvokeError()}.") : (byte*)address;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>Unmaps what <see cref="Map"/> mapped.</summary>
    internal static void Unmap(byte* address, long length) => _ = Libc.UnmapMemory(address, (nuint)length);

    /// <summary>Reads one byte of every page of <c>[address, address + length)</c>; returns their sum.</summary>
    internal static long TouchMapped(byte* address, long length) => Touch(address, (length, 1));

    /// <summary>
    /// Asks the kernel to drop <paramref name="file"/>'s clean pages from the page cache (<c>posix_fadvise(POSIX_FADV_DONTNEED)</c>,
    /// Linux only), so that the next read brings them back through readahead; returns whether the advice was taken. Flush the
    /// file first: dirty pages stay.
    /// </summary>
    internal static bool DropCached(SafeFileHandle file) =>
        OperatingSystem.IsLinux() && FileAdvise(file, 0, 0, AdviceDontNeed) == 0;

    /// <summary>How many times the kernel has mapped a file's 2 MiB folio with one page-table entry (Linux; 0 elsewhere).</summary>
    internal static long HugeFileMappings()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        foreach (string line in File.ReadLines("/proc/vmstat"))
        {
            if (line.StartsWith("thp_file_mapped ", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("thp_file_mapped ".Length), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int FileAdvise(SafeFileHandle file, long offset, long length, int advice);

    private static long CopyFirst(void* address, byte[] buffer)
    {
        new ReadOnlySpan<byte>(address, buffer.Length).CopyTo(buffer);
        return buffer.Length;
    }

    private static long Touch(void* address, (long Length, int Times) pages)
    {
        long total = 0;
        for (int pass = 0; pass < pages.Times; pass++)
        {
            for (long at = 0; at < pages.Length; at += Environment.SystemPageSize)
            {
                total += ((byte*)address)[at];
            }
        }

        return total;
    }

    private static long PopulateAndTouch(void* address, (long Length, int Times, long Chunk) pages)
    {
        long total = 0;
        for (int pass = 0; pass < pages.Times; pass++)
        {
            for (long start = 0; start < pages.Length; start += pages.Chunk)
            {
                long end = Math.Min(start + pages.Chunk, pages.Length);
                _ = Libc.AdviseMemory((byte*)address + start, (nuint)(end - start), UnixConstants.AdvicePopulateRead);
                for (long at = start; at < end; at += Environment.SystemPageSize)
                {
                    total += ((byte*)address)[at];
                }
            }
        }

        return total;
    }

    // Maps the file, runs the body on the mapping's address, unmaps it.
    private static long WithMapping<TState>(SafeFileHandle file, long length, TState state, delegate*<void*, TState, long> body)
    {
        byte* address = Map(file, length);
        try
        {
            return body(address, state);
        }
        finally
        {
            Unmap(address, length);
        }
    }
}
