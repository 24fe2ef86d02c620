using System;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>
/// The raw libc entry points this library needs. Nothing outside the <c>Native</c> folder calls these;
/// the wrappers in <see cref="Mmap"/> and <see cref="NativeFile"/> add error handling and fault injection.
/// </summary>
internal static unsafe partial class Libc
{
    private const string LibraryName = "libc";

    static Libc()
    {
        // "libc" is resolved to the C library of the running platform (glibc on Linux, libSystem on macOS).
        NativeLibrary.SetDllImportResolver(typeof(Libc).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return IntPtr.Zero;
        }

        string actual = OperatingSystem.IsMacOS() ? "/usr/lib/libSystem.dylib" : "libc.so.6";
        return NativeLibrary.Load(actual, assembly, searchPath);
    }

    [LibraryImport(LibraryName, EntryPoint = "mmap", SetLastError = true)]
    internal static partial void* MapMemory(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(LibraryName, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int UnmapMemory(void* address, nuint length);

    [LibraryImport(LibraryName, EntryPoint = "msync", SetLastError = true)]
    internal static partial int SyncMemory(void* address, nuint length, int flags);

    [LibraryImport(LibraryName, EntryPoint = "madvise", SetLastError = true)]
    internal static partial int AdviseMemory(void* address, nuint length, int advice);

    [LibraryImport(LibraryName, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int Truncate(int fd, long length);

    /// <summary>Returns an errno value (0 on success); does not set errno.</summary>
    [LibraryImport(LibraryName, EntryPoint = "posix_fallocate")]
    internal static partial int PosixAllocate(int fd, long offset, long length);

    /// <summary>Linux only.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int Allocate(int fd, int mode, long offset, long length);

    /// <summary>Linux only: <c>statx(fd, "", AT_EMPTY_PATH, mask, buffer)</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StatX(int dirFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>macOS only (64-bit inode layout).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fstat", SetLastError = true)]
    internal static partial int FileStatus(int fd, byte* buffer);

    /// <summary><c>open(path, flags)</c> without <c>O_CREAT</c>, so the variadic mode argument is never read.</summary>
    [LibraryImport(LibraryName, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(LibraryName, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string existingPath, string newPath);
}
