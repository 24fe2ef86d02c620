using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// The least a mapping of a file can cost on Unix, for the open benchmarks' floor: one <c>mmap</c> of the whole file, read-only
/// and shared, and one <c>munmap</c>. No reservation, no locks, no shared state, no protection against a racing truncation.
/// </summary>
internal static unsafe partial class RawMmap
{
    private const int ProtRead = 1;
    private const int MapShared = 1;

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="file"/>, reads the first 8 into <paramref name="buffer"/> and unmaps.</summary>
    internal static int ReadFirst(SafeFileHandle file, long length, byte[] buffer)
    {
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            void* address = Map(null, (nuint)length, ProtRead, MapShared, (int)file.DangerousGetHandle(), 0);
            if (address == (void*)-1)
            {
                throw new IOException($"mmap failed: errno {Marshal.GetLastPInvokeError()}.");
            }

            new ReadOnlySpan<byte>(address, buffer.Length).CopyTo(buffer);
            _ = Unmap(address, (nuint)length);
            return buffer.Length;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Map(void* address, nuint length, int protection, int flags, int descriptor, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Unmap(void* address, nuint length);
}
