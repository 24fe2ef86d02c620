using System.Globalization;

namespace Emmap.Streams.Native.Windows;

/// <summary>
/// Names of the kernel objects (named shared memory, events, semaphores) that processes mapping the same file
/// share. A name is derived from the file's identity, so every path and handle of one file finds the same objects.
/// Names live in the session's <c>Local\</c> namespace: processes in different sessions (a service and a desktop
/// program) do not meet there; <c>Global\</c> would need the SeCreateGlobalPrivilege to create.
/// </summary>
internal static class WindowsObjectNames
{
    /// <summary>The name of the object serving <paramref name="purpose"/> (such as <c>"size"</c> or <c>"queue-wake"</c>) for a file.</summary>
    internal static string For(FileIdentity identity, string purpose) => string.Create(
        CultureInfo.InvariantCulture, $"Local\\emmap-{identity.Device:x8}-{identity.Inode:x16}-{identity.Birth:x16}-{purpose}");
}
