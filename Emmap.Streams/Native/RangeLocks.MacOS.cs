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

    /// <summary>
    /// How many presence bytes follow a presence start on macOS: one per possible process id, 0 to <c>PID_MAX</c> (99999, xnu
    /// <c>bsd/sys/proc_internal.h</c>). The test covers these and nothing after them: lock bytes of other users of the same
    /// file start further on (a queue in the next window of the file, 2^17 bytes on), and a lock there is no presence.
    /// </summary>
    internal const long MacOSPresenceBytes = 99_999 + 1;

    /// <summary>
    /// F_TEST over the presence bytes that follow <paramref name="presenceStart"/>: <paramref name="others"/> is true if another
    /// process holds a lock on one; this process's own locks never count. Returns 0 or the errno.
    /// </summary>
    internal static int TestMacOS(SafeFileHandle file, long presenceStart, out bool others)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        int fd = descriptor.Value;
        others = false;
        if (Libc.Seek(fd, presenceStart + 1, UnixConstants.SeekSet) < 0)
        {
            return NativeErrors.LastError();
        }

        if (Libc.LockRecord(fd, Libc.LockfTest, MacOSPresenceBytes) == 0)
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
