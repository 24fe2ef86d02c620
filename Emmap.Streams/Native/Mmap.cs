using System;
using System.IO;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// Address-space operations: reserve a range, map file or anonymous pages into it at fixed
/// addresses, write pages back, advise the kernel. Callers own the addresses they pass. On Windows only the write-back and
/// the prefetch are here (<c>Mmap.Windows.cs</c>); the rest of the Windows mapping is in <c>Windows/WindowsMemory.cs</c>.
/// </summary>
internal static unsafe partial class Mmap
{
    private static readonly void* s_failed = (void*)-1;

    /// <summary>Reserves <paramref name="length"/> bytes of address space that no access may touch yet.</summary>
    internal static byte* Reserve(nuint length)
    {
        byte* result = TryReserve(length);
        if (result == null)
        {
            int errno = NativeErrors.LastError();
            throw new IOException(
                $"Cannot reserve {length} bytes of address space for a mapping: errno {errno}.", errno);
        }

        return result;
    }

    /// <summary>As <see cref="Reserve"/>; returns <see langword="null"/> on failure, with the error in the last error.</summary>
    internal static byte* TryReserve(nuint length)
    {
        void* result = Libc.MapMemory(
            null, length, UnixConstants.ProtNone,
            UnixConstants.MapPrivate | UnixConstants.MapAnonymous | UnixConstants.MapNoReserve, -1, 0);
        return result == s_failed ? null : (byte*)result;
    }

    /// <summary>Maps file bytes <c>[offset, offset + length)</c> at <paramref name="address"/>, replacing what was there.</summary>
    internal static void MapFile(byte* address, nuint length, int protection, bool shared, SafeFileHandle file, long offset, string path)
    {
        int injected = FaultInjection.Check(FaultPoint.Map);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "mmap", path);
        }

        int flags = UnixConstants.MapFixed | (shared ? UnixConstants.MapShared : UnixConstants.MapPrivate | UnixConstants.MapNoReserve);
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        void* result = Libc.MapMemory(address, length, protection, flags, descriptor.Value, offset);
        if (result == s_failed)
        {
            throw NativeErrors.IOError(NativeErrors.LastError(), "mmap", path);
        }
    }

    /// <summary>Maps the first <paramref name="length"/> bytes of <paramref name="file"/> shared and writable, anywhere.</summary>
    internal static byte* MapShared(SafeFileHandle file, nuint length, string path)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        void* result = Libc.MapMemory(
            null, length, UnixConstants.ProtRead | UnixConstants.ProtWrite, UnixConstants.MapShared, descriptor.Value, 0);
        if (result == s_failed)
        {
            throw NativeErrors.IOError(NativeErrors.LastError(), "mmap", path);
        }

        return (byte*)result;
    }

    /// <summary>
    /// Maps zero-filled private pages at <paramref name="address"/>, replacing what was there. Used to
    /// take file pages out of a mapping without leaving a hole that a racing access could fault on.
    /// </summary>
    internal static bool TryMapAnonymous(byte* address, nuint length, int protection)
    {
        int flags = UnixConstants.MapFixed | UnixConstants.MapPrivate | UnixConstants.MapAnonymous | UnixConstants.MapNoReserve;
        return Libc.MapMemory(address, length, protection, flags, -1, 0) != s_failed;
    }

    /// <summary>Maps zero-filled private pages, throwing on failure.</summary>
    internal static void MapAnonymous(byte* address, nuint length, int protection, string path)
    {
        int injected = FaultInjection.Check(FaultPoint.Map);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "mmap", path);
        }

        if (!TryMapAnonymous(address, length, protection))
        {
            throw NativeErrors.IOError(NativeErrors.LastError(), "mmap", path);
        }
    }

    /// <summary>Returns the whole reservation to the system. Only safe when no thread can touch it.</summary>
    internal static void Release(byte* address, nuint length) => _ = Libc.UnmapMemory(address, length);

    /// <summary>Schedules (<paramref name="wait"/> false) or performs (true) write-back of dirty pages.</summary>
    internal static void Sync(byte* address, nuint length, bool wait, string path)
    {
        int injected = FaultInjection.Check(FaultPoint.Sync);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "msync", path);
        }

        if (length == 0)
        {
            return;
        }

        if (Platform.IsWindows)
        {
            FlushWindows(address, length, path);
            return;
        }

        if (Libc.SyncMemory(address, length, wait ? UnixConstants.SyncSync : UnixConstants.SyncAsync) != 0)
        {
            throw NativeErrors.IOError(NativeErrors.LastError(), "msync", path);
        }
    }

    /// <summary>
    /// Faults a range in ahead of use; best effort, never throws. Pages are faulted for reading only, so a file that is
    /// opened writable but never written keeps clean pages and has nothing to write back.
    /// </summary>
    internal static void Populate(byte* address, nuint length)
    {
        if (length == 0)
        {
            return;
        }

        if (Platform.IsWindows)
        {
            PrefetchWindows(address, length);
            return;
        }

        if (OperatingSystem.IsLinux() && Libc.AdviseMemory(address, length, UnixConstants.AdvicePopulateRead) == 0)
        {
            return;
        }

        _ = Libc.AdviseMemory(address, length, UnixConstants.AdviceWillNeed);
    }
}
