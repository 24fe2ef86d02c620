using System.Runtime.Versioning;
using Emmap.Streams.Native.Windows;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// The Windows half of <see cref="ProcessStamp"/>: the stamp is the process's creation time (<c>GetProcessTimes</c>) in
/// milliseconds, truncated to 32 bits, read through a handle opened with the least access that allows it. A process that has
/// exited counts as gone even while some handle keeps its object (and so its id) alive.
/// </summary>
internal static partial class ProcessStamp
{
    [SupportedOSPlatform("windows")]
    private static uint? StartStampWindows(int pid)
    {
        using SafeProcessHandle process = Kernel32.OpenProcess(
            WindowsConstants.ProcessQueryLimitedInformation | WindowsConstants.Synchronize, false, (uint)pid);
        if (process.IsInvalid)
        {
            // No such process (ERROR_INVALID_PARAMETER); access denied is a live process of another user: assume it runs.
            return WindowsErrors.LastError() == WindowsConstants.ErrorAccessDenied ? Unknown : null;
        }

        if (Kernel32.WaitForSingleObject(process, 0) != WindowsConstants.WaitTimeout)
        {
            return null;
        }

        return Kernel32.GetProcessTimes(process, out long creation, out _, out _, out _) ? (uint)(creation / 10_000) : Unknown;
    }
}
