using System;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Emmap.Streams.Native.Windows;

/// <summary>
/// Which Windows features the backend needs and whether this system has them. Placeholders
/// (<c>VirtualAlloc2</c>, <c>MapViewOfFile3</c>, <c>UnmapViewOfFile2</c>) came with Windows 10 version 1803
/// (10.0.17134). The check also tries them once, because a system can export them without implementing them
/// (Wine 8 fails <c>MEM_RESERVE_PLACEHOLDER</c> with <c>ERROR_INVALID_PARAMETER</c>).
/// </summary>
[SupportedOSPlatform("windows")]
internal static class WindowsFeatures
{
    private static readonly Lazy<string?> s_placeholderProblem = new(FindPlaceholderProblem);

    /// <summary>True if address-space placeholders work here.</summary>
    internal static bool HasPlaceholders => s_placeholderProblem.Value is null;

    /// <summary>Why placeholders are not available, or null if they are.</summary>
    internal static string? PlaceholderProblem => s_placeholderProblem.Value;

    /// <summary>Throws a <see cref="PlatformNotSupportedException"/> naming the missing feature if placeholders do not work.</summary>
    internal static void ThrowIfNoPlaceholders()
    {
        if (s_placeholderProblem.Value is { } problem)
        {
            throw new PlatformNotSupportedException(
                "Emmap.Streams on Windows needs address-space placeholders (VirtualAlloc2, MapViewOfFile3 and " +
                $"UnmapViewOfFile2; Windows 10 version 1803, build 17134, or later): {problem}");
        }
    }

    private static string? FindPlaceholderProblem()
    {
        if (!OperatingSystem.IsWindowsVersionAtLeast(10, 0, 17134))
        {
            return $"this is Windows {Environment.OSVersion.Version}.";
        }

        if (!NativeLibrary.TryLoad(Kernel32.KernelBaseLibrary, out nint library))
        {
            return $"{Kernel32.KernelBaseLibrary} cannot be loaded.";
        }

        foreach (string name in (ReadOnlySpan<string>)["VirtualAlloc2", "MapViewOfFile3", "UnmapViewOfFile2"])
        {
            if (!NativeLibrary.TryGetExport(library, name, out _))
            {
                return $"{Kernel32.KernelBaseLibrary} does not export {name}.";
            }
        }

        return Probe();
    }

    [SupportedOSPlatform("windows10.0.17134")]
    private static string? Probe()
    {
        nint placeholder = Kernel32.VirtualAlloc2(
            Kernel32.CurrentProcess, 0, WindowsMemory.Granularity * 2,
            WindowsConstants.MemReserve | WindowsConstants.MemReservePlaceholder, WindowsConstants.PageNoAccess, 0, 0);
        if (placeholder == 0)
        {
            return $"VirtualAlloc2 (MEM_RESERVE_PLACEHOLDER) failed with error {WindowsErrors.LastError()}.";
        }

        try
        {
            // Split off the first half and fill it with zero pages: the two steps every mapping relies on.
            WindowsMemory.SplitPlaceholder(placeholder, WindowsMemory.Granularity);
            WindowsMemory.MapZerosIntoPlaceholder(placeholder, WindowsMemory.Granularity);
            WindowsMemory.UnmapZerosToPlaceholder(placeholder, WindowsMemory.Granularity);
            WindowsMemory.CoalescePlaceholders(placeholder, WindowsMemory.Granularity * 2);
            return null;
        }
        catch (System.IO.IOException ex)
        {
            return ex.Message;
        }
        finally
        {
            _ = WindowsMemory.TryReleasePlaceholder(placeholder);
        }
    }
}
