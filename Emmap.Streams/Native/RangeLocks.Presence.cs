using System;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>Withdrawing a presence announced with <see cref="RangeLocks.RegisterPresence"/> while the descriptor stays open.</summary>
internal static unsafe partial class RangeLocks
{
    /// <summary>Withdraws this process's presence from <paramref name="presenceStart"/> (the shared lock, or on macOS its own byte). Never throws.</summary>
    internal static void UnregisterPresence(SafeFileHandle file, long presenceStart)
    {
        _ = OperatingSystem.IsLinux()
            ? LockLinux(file, presenceStart, Libc.LockNone, wait: false)
            : LockMacOS(file, presenceStart + 1 + Environment.ProcessId, Libc.LockfUnlock);
    }
}
