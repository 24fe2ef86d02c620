using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// The macOS half of <see cref="RangeLocks"/>: <c>lockf</c> on one byte, positioned with <c>lseek</c>. The callers hold
/// their gate, so no other thread moves the descriptor's offset in between.
/// </summary>
internal static unsafe partial class RangeLocks
{
    private static int LockMacOS(SafeFileHandle file, long offset, int command)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        int fd = descriptor.Value;
        if (Libc.Seek(fd, offset, UnixConstants.SeekSet) < 0)
        {
            return NativeErrors.LastError();
        }

        while (Libc.LockRecord(fd, command, 1) != 0)
        {
            int errno = NativeErrors.LastError();
            if (errno != UnixConstants.ErrorInterrupted)
            {
                return errno;
            }
        }

        return 0;
    }

    // F_TEST over every presence byte (length 0: to the end of the file's offsets); this process's own locks never count.
    private static int TestMacOS(SafeFileHandle file, long presenceStart, out bool others)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        int fd = descriptor.Value;
        others = false;
        if (Libc.Seek(fd, presenceStart + 1, UnixConstants.SeekSet) < 0)
        {
            return NativeErrors.LastError();
        }

        if (Libc.LockRecord(fd, Libc.LockfTest, 0) == 0)
        {
            return 0;
        }

        int errno = NativeErrors.LastError();
        if (IsHeldElsewhere(errno))
        {
            others = true;
            return 0;
        }

        return errno;
    }
}
