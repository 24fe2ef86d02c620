using System;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Emmap.Streams.Native;

/// <summary>The platform checks the mapping layer dispatches on; each folds to a constant when the JIT compiles it.</summary>
internal static class Platform
{
    /// <summary>
    /// Gets whether this is Windows. The library opens nothing on Windows before version 1803 (10.0.17134, the first with
    /// address-space placeholders): <c>MappedFileStream.Open</c> checks for them first and throws
    /// <see cref="PlatformNotSupportedException"/>. So code that runs behind this check may use the 1803 API.
    /// </summary>
    [SupportedOSPlatformGuard("windows10.0.17134")]
    internal static bool IsWindows => OperatingSystem.IsWindows();

    /// <summary>
    /// Gets whether this is Windows as Wine provides it (its <c>ntdll</c> exports <c>wine_get_version</c>). Wine 10.0 leaves
    /// some calls the library relies on as stubs, such as <c>FlushProcessWriteBuffers</c>; the code that depends on one checks
    /// this and does without it.
    /// </summary>
    internal static bool IsWine { get; } = OperatingSystem.IsWindows()
        && NativeLibrary.TryLoad("ntdll.dll", out nint ntdll)
        && NativeLibrary.TryGetExport(ntdll, "wine_get_version", out _);
}
