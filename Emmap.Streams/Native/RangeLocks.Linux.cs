using System;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>The Linux half of <see cref="RangeLocks"/>: open-file-description locks on one byte each.</summary>
internal static unsafe partial class RangeLocks
{
    /// <summary>
    /// Takes the shared size lock at <paramref name="sizeByte"/> and registers presence on the byte after it with one
    /// system call: a shared lock over both, waiting for an exclusive size lock to go. <see cref="Unlock"/> on the size byte
    /// then releases it alone, and <see cref="WithdrawPresence"/> the presence.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    internal static void LockSharedAndRegister(SafeFileHandle file, long sizeByte, string path)
    {
        int errno = LockLinux(file, sizeByte, Libc.LockRead, wait: true, length: 2);
        if (errno != 0)
        {
            throw NativeErrors.IOError(errno, "Locking the coordination block", path);
        }
    }

    // Takes the lock, at once or (wait) once the holders let go. A waiting lock is tried without waiting first: if it is refused
    // because of a process-owned lock of this process (FileStream.Lock, fcntl, lockf: they report their process, where the
    // library's open-file-description locks report -1), waiting could never end when the thread waiting holds it, so the
    // call fails with EDEADLK instead.
    private static int LockLinux(SafeFileHandle file, long offset, short type, bool wait, long length = 1)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        var request = new Libc.FileLock { Type = type, Whence = UnixConstants.SeekSet, Start = offset, Length = length };
        int errno = Control(descriptor.Value, Libc.OfdSetLock, &request);
        if (!wait || (errno != UnixConstants.ErrorAgain && errno != UnixConstants.ErrorAccess))
        {
            return errno;
        }

        var holder = new Libc.FileLock { Type = type, Whence = UnixConstants.SeekSet, Start = offset, Length = length };
        if (Control(descriptor.Value, Libc.OfdGetLock, &holder) == 0 && holder.Type != Libc.LockNone && holder.ProcessId == Environment.ProcessId)
        {
            return UnixConstants.ErrorDeadlock;
        }

        return Control(descriptor.Value, Libc.OfdSetLockWait, &request);
    }

    // fcntl on a lock request, again after a signal; 0 or the errno.
    private static int Control(int descriptor, int command, Libc.FileLock* request)
    {
        while (Libc.ControlLock(descriptor, command, request) != 0)
        {
            int errno = NativeErrors.LastError();
            if (errno != UnixConstants.ErrorInterrupted)
            {
                return errno;
            }
        }

        return 0;
    }

    // F_OFD_GETLK reports a lock that would conflict with an exclusive one; this descriptor's own locks never conflict.
    private static int TestLinux(SafeFileHandle file, long offset, out bool others)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        var request = new Libc.FileLock { Type = Libc.LockWrite, Whence = UnixConstants.SeekSet, Start = offset, Length = 1 };
        if (Libc.ControlLock(descriptor.Value, Libc.OfdGetLock, &request) != 0)
        {
            others = false;
            return NativeErrors.LastError();
        }

        others = request.Type != Libc.LockNone;
        return 0;
    }
}
