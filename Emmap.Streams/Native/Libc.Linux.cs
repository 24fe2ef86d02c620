using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>Linux-only libc entry points and the struct layouts they use (from the kernel's uapi headers).</summary>
internal static unsafe partial class Libc
{
    /// <summary><c>AT_FDCWD</c>: resolve relative paths against the working directory.</summary>
    internal const int AtCurrentDirectory = -100;

    /// <summary><c>AT_SYMLINK_NOFOLLOW</c>.</summary>
    internal const int AtSymlinkNoFollow = 0x100;

    /// <summary><c>AT_EMPTY_PATH</c>: <c>statx(fd, "", ...)</c> describes the descriptor itself.</summary>
    internal const int AtEmptyPath = 0x1000;

    /// <summary><c>STATX_BASIC_STATS</c>.</summary>
    internal const uint StatXBasicStats = 0x7ff;

    /// <summary><c>STATX_NLINK</c>: the link count was filled in.</summary>
    internal const uint StatXLinkCount = 0x4;

    /// <summary><c>STATX_BTIME</c>.</summary>
    internal const uint StatXBirthTime = 0x800;

    /// <summary>Size of <c>struct statx</c>.</summary>
    internal const int StatXSize = 256;

    // struct statx (include/uapi/linux/stat.h): the offsets of the fields read here.
    internal const int StatXMaskOffset = 0;
    internal const int StatXNlinkOffset = 16;
    internal const int StatXModeOffset = 28;
    internal const int StatXInodeOffset = 32;
    internal const int StatXSizeOffset = 40;
    internal const int StatXBirthTimeOffset = 80;
    internal const int StatXDeviceMajorOffset = 136;
    internal const int StatXDeviceMinorOffset = 140;

    /// <summary><c>FALLOC_FL_KEEP_SIZE</c>.</summary>
    internal const int FallocKeepSize = 0x01;

    /// <summary><c>FALLOC_FL_ZERO_RANGE</c>: zeroes a range and keeps its blocks allocated.</summary>
    internal const int FallocZeroRange = 0x10;

    /// <summary><c>F_OFD_GETLK</c>, <c>F_OFD_SETLK</c>, <c>F_OFD_SETLKW</c> (the same on every Linux architecture).</summary>
    internal const int OfdGetLock = 36;
    internal const int OfdSetLock = 37;
    internal const int OfdSetLockWait = 38;

    /// <summary><c>F_RDLCK</c>, <c>F_WRLCK</c>, <c>F_UNLCK</c> on Linux.</summary>
    internal const short LockRead = 0;
    internal const short LockWrite = 1;
    internal const short LockNone = 2;

    /// <summary><c>statx(dirfd, path, flags, mask, buffer)</c>: glibc 2.28+, musl 1.2.5+.</summary>
    [LibraryImport(LibraryName, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StatX(int dirFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>Returns an errno value (0 on success); does not set errno.</summary>
    [LibraryImport(LibraryName, EntryPoint = "posix_fallocate")]
    internal static partial int PosixAllocate(int fd, long offset, long length);

    [LibraryImport(LibraryName, EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int Allocate(int fd, int mode, long offset, long length);

    /// <summary>
    /// <c>fcntl(fd, cmd, struct flock*)</c>. fcntl is variadic, but on x86-64 and arm64 Linux a variadic argument is passed
    /// exactly like a fixed one, so declaring the third argument is sound there (not on Apple arm64, which is why macOS
    /// uses <c>lockf</c>).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int ControlLock(int fd, int command, FileLock* lockInfo);

    /// <summary><c>IN_NONBLOCK | IN_CLOEXEC</c> for <c>inotify_init1</c>.</summary>
    internal const int InotifyNonBlockingCloseOnExec = 0x800 | 0x80000;

    /// <summary><c>IN_MOVED_TO</c>, <c>IN_CREATE</c>: a name appeared in a watched directory.</summary>
    internal const uint InotifyMovedTo = 0x80;
    internal const uint InotifyCreate = 0x100;

    /// <summary><c>IN_MOVE_SELF</c>: the watched directory itself was renamed (its path may now name another directory).</summary>
    internal const uint InotifyMoveSelf = 0x800;

    /// <summary><c>IN_IGNORED</c>: the kernel removed the watch (the directory was deleted or its file system unmounted).</summary>
    internal const uint InotifyIgnored = 0x8000;

    /// <summary>Size of <c>struct inotify_event</c> without its name, and the offsets of its mask and name length.</summary>
    internal const int InotifyEventSize = 16;
    internal const int InotifyEventMaskOffset = 4;
    internal const int InotifyEventNameLengthOffset = 12;

    [LibraryImport(LibraryName, EntryPoint = "inotify_init1", SetLastError = true)]
    internal static partial int InotifyInit(int flags);

    [LibraryImport(LibraryName, EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport(LibraryName, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(LibraryName, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary><c>struct flock</c> on x86-64 and arm64 Linux (32 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FileLock
    {
        internal short Type;
        internal short Whence;
        internal long Start;
        internal long Length;
        internal int ProcessId;
        private readonly int _padding;
    }
}
