using System;
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
internal static unsafe class RawMmap
{
    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="file"/>, reads the first 8 into <paramref name="buffer"/> and unmaps.</summary>
    internal static int ReadFirst(SafeFileHandle file, long length, byte[] buffer)
    {
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            void* address = Libc.MapMemory(
                null, (nuint)length, UnixConstants.ProtRead, UnixConstants.MapShared, (int)file.DangerousGetHandle(), 0);
            if (address == (void*)-1)
            {
                throw new IOException($"mmap failed: errno {Marshal.GetLastPInvokeError()}.");
            }

            new ReadOnlySpan<byte>(address, buffer.Length).CopyTo(buffer);
            _ = Libc.UnmapMemory(address, (nuint)length);
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
}
