using System.IO;
using System.Runtime.InteropServices;

namespace Emmap.Streams.Native;

/// <summary>Turns errno values into the exceptions .NET file APIs throw.</summary>
internal static class NativeErrors
{
    /// <summary>The errno of the last native call, or the injected one.</summary>
    internal static int LastError() => Marshal.GetLastPInvokeError();

    internal static IOException IOError(int errno, string operation, string? path)
    {
        string reason = Marshal.GetPInvokeErrorMessage(errno);
        string where = path is null ? string.Empty : $" for '{path}'";
        return new IOException($"{operation} failed{where}: {reason} (errno {errno}).", errno);
    }
}
