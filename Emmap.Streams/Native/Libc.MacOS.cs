using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>
/// macOS-only libc entry points and the struct layout they use (from <c>sys/stat.h</c> with
/// <c>_DARWIN_FEATURE_64_BIT_INODE</c>, the same on x86-64 and arm64).
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary>Size of the 64-bit-inode <c>struct stat</c>.</summary>
    internal const int DarwinStatSize = 144;

    // struct stat (64-bit inodes): dev_t st_dev (int32) at 0, mode_t st_mode (uint16) at 4, nlink_t st_nlink (uint16)
    // at 6, ino_t st_ino (uint64) at 8, uid, gid, rdev, padding, four timespecs from 32 (birth time at 80), off_t st_size at 96.
    internal const int DarwinDeviceOffset = 0;
    internal const int DarwinModeOffset = 4;
    internal const int DarwinNlinkOffset = 6;
    internal const int DarwinInodeOffset = 8;
    internal const int DarwinBirthTimeOffset = 80;
    internal const int DarwinSizeOffset = 96;

    /// <summary><c>lockf</c> commands: <c>F_ULOCK</c>, <c>F_LOCK</c>, <c>F_TLOCK</c>, <c>F_TEST</c>.</summary>
    internal const int LockfUnlock = 0;
    internal const int LockfLock = 1;
    internal const int LockfTryLock = 2;
    internal const int LockfTest = 3;

    /// <summary>
    /// <c>fstat</c> with the 64-bit inode layout. On x86-64 the plain <c>fstat</c> symbol keeps the old layout with 32-bit
    /// inodes, so the <c>$INODE64</c> variant is named explicitly; on arm64 there is only the 64-bit one.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fstat$INODE64", SetLastError = true)]
    internal static partial int FileStatusX64(int fd, byte* buffer);

    [LibraryImport(LibraryName, EntryPoint = "fstat", SetLastError = true)]
    internal static partial int FileStatusArm64(int fd, byte* buffer);

    [LibraryImport(LibraryName, EntryPoint = "stat$INODE64", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PathStatusX64(string path, byte* buffer);

    [LibraryImport(LibraryName, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PathStatusArm64(string path, byte* buffer);

    /// <summary>
    /// <c>F_FULLFSYNC</c> (xnu <c>bsd/sys/fcntl.h</c>): fsync, then ask the drive to write its cache to permanent storage,
    /// which a plain <c>fsync</c> does not on macOS.
    /// </summary>
    internal const int FullSync = 51;

    /// <summary>
    /// <c>fcntl(fd, cmd)</c> for a command that takes no argument (<c>F_FULLFSYNC</c>): only the fixed arguments are passed,
    /// as a C caller passes them, so the variadic call is sound on arm64 too.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int ControlWithoutArgument(int fd, int command);

    [LibraryImport(LibraryName, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long Seek(int fd, long offset, int whence);

    /// <summary><c>lockf(fd, cmd, len)</c>: POSIX record locks from the current offset; not variadic, so callable on arm64.</summary>
    [LibraryImport(LibraryName, EntryPoint = "lockf", SetLastError = true)]
    internal static partial int LockRecord(int fd, int command, long length);
}
