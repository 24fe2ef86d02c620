using System;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native.Windows;

/// <summary>
/// Whether a process recorded as (id, start time) still runs: the Windows form of the queue's dead-owner check.
/// Process ids are reused, so the id alone proves nothing; the creation time (<c>GetProcessTimes</c>, in FILETIME
/// ticks) tells a new process with a recycled id from the one that was recorded.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class WindowsProcess
{
    /// <summary>The creation time of the calling process.</summary>
    internal static long CurrentStartTime { get; } = StartTimeOf(Environment.ProcessId);

    /// <summary>The creation time of process <paramref name="processId"/>, or 0 if no such process can be opened.</summary>
    internal static long StartTimeOf(int processId)
    {
        using SafeProcessHandle process = Open(processId);
        if (process.IsInvalid)
        {
            return 0;
        }

        return Kernel32.GetProcessTimes(process, out long creation, out _, out _, out _) ? creation : 0;
    }

    /// <summary>
    /// True if process <paramref name="processId"/> exists, was created at <paramref name="startTime"/> and has not
    /// exited. A process that exited but whose object is still held open by someone counts as dead.
    /// </summary>
    internal static bool IsAlive(int processId, long startTime)
    {
        using SafeProcessHandle process = Open(processId);
        if (process.IsInvalid)
        {
            // No such process (ERROR_INVALID_PARAMETER). Access denied would mean a live process of another user;
            // an owner of a file this process may write runs as a user that can query it.
            return WindowsErrors.LastError() == WindowsConstants.ErrorAccessDenied;
        }

        if (!Kernel32.GetProcessTimes(process, out long creation, out _, out _, out _) || creation != startTime)
        {
            return false;
        }

        return Kernel32.WaitForSingleObject(process, 0) == WindowsConstants.WaitTimeout;
    }

    private static SafeProcessHandle Open(int processId) =>
        Kernel32.OpenProcess(WindowsConstants.ProcessQueryLimitedInformation | WindowsConstants.Synchronize, false, (uint)processId);
}
