using System;
using System.IO;
using System.Runtime.Versioning;
using System.Threading;
using Emmap.Streams.Native.Windows;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// The Windows half of <see cref="RangeLocks"/>: <c>LockFileEx</c> locks, which belong to the handle and support shared locks
/// like Linux's open-file-description locks, and which the system drops when the handle closes or its process dies. An
/// exclusive lock cannot overlap any other lock, not even one of the same handle, so presence is not one shared byte but a
/// byte of its own per process: a test for other processes then locks every byte of the presence range except this process's.
/// </summary>
/// <remarks>
/// Windows locks are mandatory for <c>ReadFile</c>/<c>WriteFile</c> (not for views): the callers put them far past any byte
/// the data or the library's own file I/O ever touches.
/// </remarks>
internal static partial class RangeLocks
{
    /// <summary>
    /// Presence bytes per process. Process ids are multiples of 4 on Windows, so each process owns
    /// <c>[id, id + 4)</c> past the presence start: a second handle of the same file in the process (a read-only handle being
    /// replaced by a read-write one, an entry closing while a new one opens) takes the next free byte of its own four.
    /// </summary>
    private const int PresenceSlots = 4;

    /// <summary>The span of the presence range: every process id (32 bits) and its slots.</summary>
    private const long PresenceSpan = (1L << 32) + PresenceSlots;

    [SupportedOSPlatform("windows")]
    private static bool LockWindows(SafeFileHandle file, long offset, bool exclusive, bool wait, string path)
    {
        if (wait)
        {
            WindowsFile.Lock(file, offset, 1, exclusive, path);
            return true;
        }

        return WindowsFile.TryLock(file, offset, 1, exclusive, path);
    }

    [SupportedOSPlatform("windows")]
    private static void UnlockWindows(SafeFileHandle file, long offset)
    {
        try
        {
            WindowsFile.Unlock(file, offset, 1, null);
        }
        catch (IOException)
        {
            // Not held (ERROR_NOT_LOCKED): nothing to release.
        }
    }

    /// <summary>
    /// How long a registration retries when all of this process's slots are locked. Another process's test for others
    /// (<see cref="OthersPresentWindows"/>) locks the whole range but its own bytes for an instant; only four handles of
    /// this process holding all four slots keep them locked for longer.
    /// </summary>
    private const long PresenceRetryMilliseconds = 1000;

    [SupportedOSPlatform("windows")]
    private static void RegisterPresenceWindows(SafeFileHandle file, long presenceStart, string path)
    {
        long own = OwnPresenceByte(presenceStart);
        long started = Environment.TickCount64;
        do
        {
            for (int slot = 0; slot < PresenceSlots; slot++)
            {
                if (WindowsFile.TryLock(file, own + slot, 1, exclusive: true, path))
                {
                    return;
                }
            }

            Thread.Sleep(1);
        }
        while (Environment.TickCount64 - started < PresenceRetryMilliseconds);

        throw new IOException($"Registering with the coordination block failed for '{path}': this process holds every presence slot of the file.");
    }

    // Releases whichever of this process's slots the handle holds (a slot it does not hold answers ERROR_NOT_LOCKED).
    [SupportedOSPlatform("windows")]
    private static void WithdrawPresenceWindows(SafeFileHandle file, long presenceStart)
    {
        long own = OwnPresenceByte(presenceStart);
        for (int slot = 0; slot < PresenceSlots; slot++)
        {
            UnlockWindows(file, own + slot);
        }
    }

    [SupportedOSPlatform("windows")]
    private static bool OthersPresentWindows(SafeFileHandle file, long presenceStart, string path)
    {
        long first = presenceStart + 1;
        long own = OwnPresenceByte(presenceStart);
        long end = first + PresenceSpan;
        return !IsFree(file, first, own - first, path) || !IsFree(file, own + PresenceSlots, end - own - PresenceSlots, path);
    }

    // Tests a range by locking it exclusively for an instant: that fails if any handle holds a lock in it.
    [SupportedOSPlatform("windows")]
    private static bool IsFree(SafeFileHandle file, long offset, long length, string path)
    {
        if (length <= 0 || !WindowsFile.TryLock(file, offset, length, exclusive: true, path))
        {
            return length <= 0;
        }

        WindowsFile.Unlock(file, offset, length, path);
        return true;
    }

    private static long OwnPresenceByte(long presenceStart) => presenceStart + 1 + (uint)Environment.ProcessId;
}
