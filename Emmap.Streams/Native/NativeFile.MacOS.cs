using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>The macOS half of <see cref="NativeFile"/>: block reservation by writing, and the 64-bit-inode <c>stat</c>.</summary>
internal static unsafe partial class NativeFile
{
    // macOS has no posix_fallocate and fcntl(F_PREALLOCATE) is variadic (not callable safely through LibraryImport on
    // arm64): extend the file, then write one zero byte per block so every block is allocated now, while an error can
    // still be reported.
    private static int AllocateByWriting(SafeFileHandle file, long oldLength, long newLength)
    {
        int errno = TryTruncate(file, newLength);
        if (errno != 0)
        {
            return errno;
        }

        ReadOnlySpan<byte> zero = [0];
        try
        {
            for (long at = oldLength; at < newLength; at = (at / BlockSize + 1) * BlockSize)
            {
                RandomAccess.Write(file, zero, at);
            }

            RandomAccess.Write(file, zero, newLength - 1);
            return 0;
        }
        catch (IOException ex)
        {
            return ex.HResult is > 0 and < 4096 ? ex.HResult : UnixConstants.ErrorNoSpace;
        }
    }

    private static FileStatus StatusMacOS(int fd, string? path, string displayPath)
    {
        FileStatus? status = TryStatusMacOS(fd, path, displayPath);
        return status ?? throw NativeErrors.IOError(UnixConstants.ErrorNoEntry, "fstat", displayPath);
    }

    private static FileStatus? TryStatusMacOS(int fd, string? path, string displayPath)
    {
        byte* buffer = stackalloc byte[Libc.DarwinStatSize];
        bool x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        int result = path is null
            ? (x64 ? Libc.FileStatusX64(fd, buffer) : Libc.FileStatusArm64(fd, buffer))
            : (x64 ? Libc.PathStatusX64(path, buffer) : Libc.PathStatusArm64(path, buffer));
        if (result != 0)
        {
            int errno = NativeErrors.LastError();
            if (path is not null)
            {
                // Nothing usable there (missing, a dangling link, a path through a file, too long, not searchable): the caller
                // lets the open that follows report it the way the BCL does.
                return null;
            }

            throw NativeErrors.IOError(errno, "fstat", displayPath);
        }

        long birth = (*(long*)(buffer + Libc.DarwinBirthTimeOffset) * 1_000_000_000L) + *(long*)(buffer + Libc.DarwinBirthTimeOffset + 8);
        return new FileStatus(
            new FileIdentity(*(uint*)(buffer + Libc.DarwinDeviceOffset), *(ulong*)(buffer + Libc.DarwinInodeOffset), birth),
            *(ushort*)(buffer + Libc.DarwinModeOffset),
            *(ushort*)(buffer + Libc.DarwinNlinkOffset),
            *(long*)(buffer + Libc.DarwinSizeOffset));
    }
}
