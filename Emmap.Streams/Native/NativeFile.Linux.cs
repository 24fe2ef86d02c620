using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>The Linux half of <see cref="NativeFile"/>: <c>posix_fallocate</c>, <c>fallocate</c> and <c>statx</c>.</summary>
internal static unsafe partial class NativeFile
{
    private static int AllocateLinux(SafeFileHandle file, long offset, long length)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        int fd = descriptor.Value;
        int errno;
        while ((errno = Libc.PosixAllocate(fd, offset, length)) == UnixConstants.ErrorInterrupted)
        {
        }

        return errno;
    }

    // FALLOC_FL_ZERO_RANGE turns the range into allocated, zero-reading extents (ext4, XFS, btrfs). False where the file
    // system does not support it (tmpfs, NFS), so the caller writes the zeros instead.
    private static bool TryZeroRangeLinux(SafeFileHandle file, long offset, long length)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        while (true)
        {
            if (Libc.Allocate(descriptor.Value, Libc.FallocZeroRange | Libc.FallocKeepSize, offset, length) == 0)
            {
                return true;
            }

            if (NativeErrors.LastError() != UnixConstants.ErrorInterrupted)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> names something (<see langword="true"/>; a symbolic link is a name, wherever it
    /// points), names nothing (<see langword="false"/>: <c>ENOENT</c>), or could not be looked at (<see langword="null"/>: a
    /// path through a file, too long, not searchable).
    /// </summary>
    internal static bool? NameExistsLinux(string path)
    {
        byte* buffer = stackalloc byte[Libc.StatXSize];
        if (Libc.StatX(Libc.AtCurrentDirectory, path, Libc.AtSymlinkNoFollow, 0, buffer) == 0)
        {
            return true;
        }

        return NativeErrors.LastError() == UnixConstants.ErrorNoEntry ? false : null;
    }

    /// <summary><c>statx</c> of a descriptor (<paramref name="path"/> null) or of a path; null when the path names nothing.</summary>
    private static FileStatus StatusLinux(int fd, string? path, string displayPath)
    {
        FileStatus? status = TryStatusLinux(fd, path, displayPath);
        return status ?? throw NativeErrors.IOError(UnixConstants.ErrorNoEntry, "statx", displayPath);
    }

    private static FileStatus? TryStatusLinux(int fd, string? path, string displayPath)
    {
        byte* buffer = stackalloc byte[Libc.StatXSize];
        int flags = path is null ? Libc.AtEmptyPath : 0;
        if (Libc.StatX(fd, path ?? string.Empty, flags, Libc.StatXBasicStats | Libc.StatXBirthTime, buffer) != 0)
        {
            int errno = NativeErrors.LastError();
            if (path is not null)
            {
                // Nothing usable there (missing, a dangling link, a path through a file, too long, not searchable): the caller
                // lets the open that follows report it the way the BCL does.
                return null;
            }

            throw NativeErrors.IOError(errno, "statx", displayPath);
        }

        uint mask = *(uint*)(buffer + Libc.StatXMaskOffset);
        long birth = 0;
        if ((mask & Libc.StatXBirthTime) != 0)
        {
            birth = (*(long*)(buffer + Libc.StatXBirthTimeOffset) * 1_000_000_000L) + *(uint*)(buffer + Libc.StatXBirthTimeOffset + 8);
        }

        ulong inode = *(ulong*)(buffer + Libc.StatXInodeOffset);
        ulong device = ((ulong)*(uint*)(buffer + Libc.StatXDeviceMajorOffset) << 32) | *(uint*)(buffer + Libc.StatXDeviceMinorOffset);
        return new FileStatus(
            new FileIdentity(device, inode, birth),
            *(ushort*)(buffer + Libc.StatXModeOffset),
            (mask & Libc.StatXLinkCount) != 0 ? *(uint*)(buffer + Libc.StatXNlinkOffset) : FileStatus.UnknownLinks,
            *(long*)(buffer + Libc.StatXSizeOffset));
    }
}
