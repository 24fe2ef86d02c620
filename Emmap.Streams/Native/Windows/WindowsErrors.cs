using System.IO;
using System.Runtime.InteropServices;

namespace Emmap.Streams.Native.Windows;

/// <summary>Turns Win32 error codes into the exceptions .NET file APIs throw on Windows.</summary>
internal static class WindowsErrors
{
    /// <summary>The Win32 error of the last native call (<c>GetLastError</c> as saved by the marshaller).</summary>
    internal static int LastError() => Marshal.GetLastPInvokeError();

    /// <summary>
    /// An <see cref="IOException"/> whose <see cref="System.Exception.HResult"/> is <c>HRESULT_FROM_WIN32(error)</c>,
    /// as <see cref="FileStream"/> reports Win32 errors, so <c>(HResult &amp; 0xFFFF) == 112</c> tests for a full disk.
    /// </summary>
    internal static IOException IOError(int error, string operation, string? path)
    {
        string reason = Marshal.GetPInvokeErrorMessage(error);
        string where = path is null ? string.Empty : $" for '{path}'";
        return new IOException($"{operation} failed{where}: {reason} (error {error}).", HResultOf(error));
    }

    /// <summary>The Win32 error code inside an HRESULT made by <see cref="HResultOf"/>.</summary>
    internal static int ErrorOf(int hresult) => hresult & 0xFFFF;

    /// <summary><c>HRESULT_FROM_WIN32</c>.</summary>
    internal static int HResultOf(int error) => error <= 0 ? error : unchecked((int)0x8007_0000 | (error & 0xFFFF));
}
