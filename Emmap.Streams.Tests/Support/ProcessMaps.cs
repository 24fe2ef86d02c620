using System;
using System.IO;
using System.Linq;

namespace Emmap.Streams.Tests.Support;

/// <summary>What the kernel says this process has open and mapped (Linux <c>/proc/self</c>).</summary>
public static class ProcessMaps
{
    /// <summary>True if any mapping of this process is backed by <paramref name="path"/>.</summary>
    public static bool Maps(string path)
    {
        string full = Path.GetFullPath(path);
        return File.ReadLines("/proc/self/maps").Any(line => line.EndsWith(full, StringComparison.Ordinal)
            || line.EndsWith(full + " (deleted)", StringComparison.Ordinal));
    }

    /// <summary>The number of file descriptors of this process open on <paramref name="path"/>.</summary>
    public static int OpenDescriptors(string path)
    {
        string full = Path.GetFullPath(path);
        int count = 0;
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                string? target = new FileInfo(fd).LinkTarget;
                if (target == full || target == full + " (deleted)")
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The descriptor closed while listing.
            }
        }

        return count;
    }
}
