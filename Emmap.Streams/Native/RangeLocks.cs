using System;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// Advisory byte-range locks between processes, on a file opened for reading and writing. The kernel drops a lock when
/// its holder dies, so a process killed with SIGKILL while holding one never blocks the others. Within a process the
/// callers serialise with their own gate: these locks exclude other processes, not other threads.
/// </summary>
/// <remarks>
/// Linux uses open-file-description locks (<c>F_OFD_SETLK</c>), which belong to the descriptor and support shared locks.
/// macOS has no OFD locks and its <c>fcntl</c> is variadic (not callable through LibraryImport on arm64), so it uses
/// <c>lockf</c>: exclusive POSIX record locks owned by the process, with one presence byte per process id instead of a
/// shared lock. Windows uses <c>LockFileEx</c> on the handle, with presence bytes per process as well (see
/// <c>RangeLocks.Windows.cs</c>). All are released when the descriptor or handle is closed.
/// </remarks>
internal static unsafe partial class RangeLocks
{
    /// <summary>
    /// Takes the lock on byte <paramref name="offset"/>, waiting for other processes to release a conflicting one: exclusive,
    /// or with <paramref name="shared"/> shared with other shared holders (Linux; on macOS every lock is exclusive).
    /// </summary>
    internal static void Lock(SafeFileHandle file, long offset, bool shared, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            _ = LockWindows(file, offset, exclusive: !shared, wait: true, path);
            return;
        }

        int errno = OperatingSystem.IsLinux()
            ? LockLinux(file, offset, shared ? Libc.LockRead : Libc.LockWrite, wait: true)
            : LockMacOS(file, offset, Libc.LockfLock);
        if (errno != 0)
        {
            throw NativeErrors.IOError(errno, "Locking the coordination block", path);
        }
    }

    /// <summary>Takes the exclusive lock on byte <paramref name="offset"/> if no other process holds it.</summary>
    internal static bool TryLock(SafeFileHandle file, long offset, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return LockWindows(file, offset, exclusive: true, wait: false, path);
        }

        int errno = OperatingSystem.IsLinux() ? LockLinux(file, offset, Libc.LockWrite, wait: false) : LockMacOS(file, offset, Libc.LockfTryLock);
        if (errno == 0)
        {
            return true;
        }

        if (IsHeldElsewhere(errno))
        {
            return false;
        }

        throw NativeErrors.IOError(errno, "Locking the coordination block", path);
    }

    /// <summary>Releases the lock on byte <paramref name="offset"/>. Never throws.</summary>
    internal static void Unlock(SafeFileHandle file, long offset)
    {
        if (OperatingSystem.IsWindows())
        {
            UnlockWindows(file, offset);
            return;
        }

        _ = OperatingSystem.IsLinux() ? LockLinux(file, offset, Libc.LockNone, wait: false) : LockMacOS(file, offset, Libc.LockfUnlock);
    }

    /// <summary>Announces this process as a user of the file: a shared lock from <paramref name="presenceStart"/> on.</summary>
    internal static void RegisterPresence(SafeFileHandle file, long presenceStart, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            RegisterPresenceWindows(file, presenceStart, path);
            return;
        }

        int errno = OperatingSystem.IsLinux()
            ? LockLinux(file, presenceStart, Libc.LockRead, wait: true)
            : LockMacOS(file, presenceStart + 1 + Environment.ProcessId, Libc.LockfLock);
        if (errno != 0)
        {
            throw NativeErrors.IOError(errno, "Registering with the coordination block", path);
        }
    }

    /// <summary>
    /// Withdraws this process's announcement made through <paramref name="file"/>. Closing the descriptor is not enough where a
    /// mapping of it survives: the mapping keeps the open file description, and with it the description's locks. Never throws.
    /// </summary>
    internal static void WithdrawPresence(SafeFileHandle file, long presenceStart)
    {
        if (OperatingSystem.IsWindows())
        {
            WithdrawPresenceWindows(file, presenceStart);
            return;
        }

        _ = OperatingSystem.IsLinux()
            ? LockLinux(file, presenceStart, Libc.LockNone, wait: false)
            : LockMacOS(file, presenceStart + 1 + Environment.ProcessId, Libc.LockfUnlock);
    }

    /// <summary>
    /// Gets how many bytes from a presence start the presence locks may take: the start itself (a shared lock on Linux), then
    /// on Windows and macOS a byte per process id. Lock ranges of one handle must keep this far apart, because locks
    /// taken through the same handle or process do not exclude each other.
    /// </summary>
    internal static long PresenceReach => OperatingSystem.IsLinux() ? 1 : 1 + (1L << 32) + 4;

    /// <summary>True if another live process has announced itself with <see cref="RegisterPresence"/>.</summary>
    internal static bool OthersPresent(SafeFileHandle file, long presenceStart, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return OthersPresentWindows(file, presenceStart, path);
        }

        int errno = OperatingSystem.IsLinux() ? TestLinux(file, presenceStart, out bool others) : TestMacOS(file, presenceStart, out others);
        if (errno != 0)
        {
            throw NativeErrors.IOError(errno, "Testing the coordination block's locks", path);
        }

        return others;
    }

    /// <summary>True if <paramref name="error"/> says the file system has no byte-range locks at all.</summary>
    internal static bool IsUnsupported(System.IO.IOException error) =>
        error.HResult == UnixConstants.ErrorNoLocks || error.HResult == UnixConstants.ErrorInvalid || error.HResult == UnixConstants.ErrorNotSupported;

    private static bool IsHeldElsewhere(int errno) => errno == UnixConstants.ErrorWouldBlock || errno == UnixConstants.ErrorAccess;
}
