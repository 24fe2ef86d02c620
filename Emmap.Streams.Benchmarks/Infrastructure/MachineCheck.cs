using System;
using System.IO;
using System.Linq;

namespace Emmap.Streams.Benchmarks;

/// <summary>
/// What on the machine moves the figures and can be turned off: DAMON, the kernel's access sampling, when a
/// <c>kdamond</c> runs. Its sampling and page-out of file pages it found idle made random and sequential reads of a mapped
/// 256 MiB file 10–200x slower on the machine the docs were measured on (docs/benchmarks.md, "DAMON").
/// </summary>
internal static class MachineCheck
{
    private const string Kdamonds = "/sys/kernel/mm/damon/admin/kdamonds";

    /// <summary>Gets a warning to print before measuring, or <see langword="null"/> when nothing is running that would need one.</summary>
    internal static string? Warning()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(Kdamonds))
        {
            return null;
        }

        string[] running;
        try
        {
            running = Directory.EnumerateDirectories(Kdamonds)
                .Select(directory => Path.Combine(directory, "state"))
                .Where(state => File.Exists(state) && ReadState(state) == "on")
                .ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not allowed to look: no warning rather than no benchmark.
            return null;
        }

        return running.Length == 0
            ? null
            : $"warning: DAMON is sampling memory ({string.Join(", ", running)}): rows that read mapped pages can be 10-200x slower "
                + "and vary from run to run; for stable figures, as root: echo off > <that file> (and echo on after).";
    }

    private static string ReadState(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
