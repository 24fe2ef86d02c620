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

    internal static IOException IOError(int errno, string operation, string? path)
    {
        string reason = Marshal.GetPInvokeErrorMessage(errno);
        string where = path is null ? string.Empty : $" for '{path}'";
        return new IOException($"{operation} failed{where}: {reason} (errno {errno}).", errno);
    }
}
