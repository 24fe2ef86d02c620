using System;
using System.Runtime.InteropServices;

namespace Emmap.Streams.Tests.Support;

/// <summary>Where the tests run, for the few expectations that differ between systems.</summary>
internal static class TestPlatform
{
    /// <summary>
    /// True under Wine (its ntdll exports <c>wine_get_version</c>), where the Windows tests run in CI. Only behaviour that Wine
    /// is known to implement differently from Windows is told apart with it, each time with the reason.
    /// </summary>
    public static bool IsWine { get; } = OperatingSystem.IsWindows()
        && NativeLibrary.TryLoad("ntdll.dll", out nint ntdll)
        && NativeLibrary.TryGetExport(ntdll, "wine_get_version", out _);
}
