using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Ends this process at once, with no cleanup of any kind, the way a crash does: SIGKILL on Unix (the parent sees exit code
/// 128 + 9 = 137), <c>TerminateProcess</c> with exit code 137 on Windows, so the tests read one exit code on both.
/// </summary>
internal static partial class SelfKill
{
    /// <summary>The exit code a killed test host ends with on every system.</summary>
    internal const int ExitCode = 137;

    /// <summary>Kills this process; never returns.</summary>
    internal static void Now()
    {
        Console.Out.Flush();
        if (OperatingSystem.IsWindows())
        {
            _ = TerminateProcess(-1, ExitCode);
        }
        else
        {
            Process.GetCurrentProcess().Kill();
        }

        Thread.Sleep(Timeout.Infinite);
    }

    // -1 is the pseudo-handle of the calling process.
    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool TerminateProcess(nint process, uint exitCode);
}
