using System;
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
}
