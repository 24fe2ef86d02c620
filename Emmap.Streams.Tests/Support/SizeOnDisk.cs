using System;
using System.IO;
using Shouldly;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// The size of a file on disk while the library maps it. On Linux and macOS a shrink or a flush truncates the file at once
/// (to the length). Windows refuses to shrink a file while any view of it is mapped, in any process
/// (<c>ERROR_USER_MAPPED_FILE</c>), so there the size on disk may stay above the length until the last stream, direct view
/// and queue of the file in every process are closed; then it is the length. Tests check the exact size after that close.
/// </summary>
internal static class SizeOnDisk
{
    /// <summary>True where the system lets a file shrink while it is mapped, so that a shrink or a flush sets the size on disk to the length at once.</summary>
    public static bool MappedFilesCanShrink => !OperatingSystem.IsWindows();

    /// <summary>The size of <paramref name="path"/> on disk.</summary>
    public static long Of(string path) => new FileInfo(path).Length;

    /// <summary>
    /// While the file is mapped: its size on disk is <paramref name="expected"/>; on Windows, at least that (the truncation
    /// waits for the last view).
    /// </summary>
    public static void ShouldBeWhileMapped(string path, long expected, string? customMessage = null)
    {
        long actual = Of(path);
        if (MappedFilesCanShrink)
        {
            actual.ShouldBe(expected, customMessage);
        }
        else
        {
            actual.ShouldBeGreaterThanOrEqualTo(expected, customMessage);
        }
    }
}
