using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>Turns errno values into the exceptions .NET file APIs throw.</summary>
internal static class NativeErrors
{
    /// <summary>The errno of the last native call, or the injected one.</summary>
    internal static int LastError() => Marshal.GetLastPInvokeError();

    /// <summary>
    /// True if <paramref name="ex"/> says the file already exists (a create-new open): errno <c>EEXIST</c> on Unix,
    /// <c>ERROR_FILE_EXISTS</c> or <c>ERROR_ALREADY_EXISTS</c> (as an HRESULT) on Windows.
    /// </summary>
    internal static bool IsAlreadyExists(IOException ex) => OperatingSystem.IsWindows()
        ? ex.HResult == Windows.WindowsErrors.HResultOf(Windows.WindowsConstants.ErrorFileExists)
            || ex.HResult == Windows.WindowsErrors.HResultOf(Windows.WindowsConstants.ErrorAlreadyExists)
        : ex.HResult == UnixConstants.ErrorExists;

    /// <summary>
    /// True if <paramref name="ex"/> says the disk (or the user's quota, or the largest file size) has no room for what was
    /// asked: errno <c>ENOSPC</c>, <c>EDQUOT</c> or <c>EFBIG</c>, or the Win32 errors <c>ERROR_DISK_FULL</c>,
    /// <c>ERROR_HANDLE_DISK_FULL</c>, <c>ERROR_DISK_QUOTA_EXCEEDED</c> or <c>ERROR_FILE_TOO_LARGE</c> as an HRESULT. Both kinds
    /// are recognised everywhere: they cannot be confused (an HRESULT is negative), and injected faults are errno values.
    /// </summary>
    internal static bool IsNoSpace(IOException ex) =>
        ex.HResult is UnixConstants.ErrorNoSpace or UnixConstants.ErrorFileTooLarge or 122 /* EDQUOT (Linux) */ or 69 /* EDQUOT (macOS) */
        || ex.HResult == Windows.WindowsErrors.HResultOf(Windows.WindowsConstants.ErrorDiskFull)
        || ex.HResult == Windows.WindowsErrors.HResultOf(Windows.WindowsConstants.ErrorHandleDiskFull)
        || ex.HResult == Windows.WindowsErrors.HResultOf(Windows.WindowsConstants.ErrorDiskQuotaExceeded)
        || ex.HResult == Windows.WindowsErrors.HResultOf(Windows.WindowsConstants.ErrorFileTooLarge);

    internal static IOException IOError(int errno, string operation, string? path)
    {
        string reason = Marshal.GetPInvokeErrorMessage(errno);
        string where = path is null ? string.Empty : $" for '{path}'";
        return new IOException($"{operation} failed{where}: {reason} (errno {errno}).", errno);
    }
}
