using System;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>
/// The libc entry points shared by Linux and macOS. Platform-only entry points are in <c>Libc.Linux.cs</c> and
/// <c>Libc.MacOS.cs</c>. Nothing outside the <c>Native</c> folder calls these; the wrappers in <see cref="Mmap"/>,
/// <see cref="NativeFile"/> and <see cref="RangeLocks"/> add error handling and fault injection.
/// </summary>
internal static unsafe partial class Libc
{
    private const string LibraryName = "libc";

    // Tried in order on Linux: glibc, then musl (Alpine) under the names its loader and packages use.
    private static readonly string[] s_linuxNames =
    [
        "libc.so.6",
        "libc.musl-x86_64.so.1",
        "libc.musl-aarch64.so.1",
        "libc.so",
    ];

    static Libc()
    {
        // "libc" is resolved to the C library of the running platform (glibc or musl on Linux, libSystem on macOS).
        NativeLibrary.SetDllImportResolver(typeof(Libc).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return IntPtr.Zero;
        }

        if (OperatingSystem.IsMacOS())
        {
            return NativeLibrary.Load("/usr/lib/libSystem.dylib", assembly, searchPath);
        }

        foreach (string name in s_linuxNames)
        {
            if (NativeLibrary.TryLoad(name, assembly, searchPath, out IntPtr handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException("Emmap.Streams found no C library: tried " + string.Join(", ", s_linuxNames) + ".");
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

    /// <summary><c>open(path, flags)</c> without <c>O_CREAT</c>, so the variadic mode argument is never read.</summary>
    [LibraryImport(LibraryName, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(LibraryName, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string existingPath, string newPath);

    [LibraryImport(LibraryName, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int SyncFile(int fd);

    [LibraryImport(LibraryName, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int operation);

    [LibraryImport(LibraryName, EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int ChangeMode(int fd, uint mode);

    [LibraryImport(LibraryName, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unlink(string path);

    [LibraryImport(LibraryName, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
