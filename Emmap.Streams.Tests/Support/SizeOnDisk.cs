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

    /// <summary>
    /// After the last close of the file in this process (and in every other): its size on disk is <paramref name="expected"/>.
    /// On Windows a mapping whose release found an access in flight is taken out by its finalizer, which then truncates the
    /// file; so there the check runs the finalizers and gives the truncation a moment (a guard, not a timing assertion).
    /// </summary>
    public static void ShouldBeAfterTheLastClose(string path, long expected, string? customMessage = null)
    {
        if (!MappedFilesCanShrink && Of(path) != expected)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var patience = System.Diagnostics.Stopwatch.StartNew();
            while (Of(path) != expected && patience.Elapsed < TimeSpan.FromSeconds(10))
            {
                System.Threading.Thread.Sleep(10);
            }
        }

        Of(path).ShouldBe(expected, customMessage);
    }
}
