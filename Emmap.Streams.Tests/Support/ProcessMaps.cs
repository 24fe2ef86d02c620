using System;
using System.IO;
using System.Linq;

namespace Emmap.Streams.Tests.Support;

/// <summary>
/// What the kernel says this process has open and mapped (Linux <c>/proc/self</c>; on Windows, <see cref="Maps"/> walks the
/// address space with <c>VirtualQuery</c> and asks each view for its file).
/// </summary>
public static partial class ProcessMaps
{
    /// <summary>True if any mapping of this process is backed by <paramref name="path"/>.</summary>
    public static bool Maps(string path)
    {
        string full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            return MapsWindows(full);
        }

        return File.ReadLines("/proc/self/maps").Any(line => line.EndsWith(full, StringComparison.Ordinal)
            || line.EndsWith(full + " (deleted)", StringComparison.Ordinal));
    }

    /// <summary>The bytes of this process's mappings of <paramref name="path"/> that are resident (the pages it has touched).</summary>
    public static long ResidentBytes(string path)
    {
        string full = Path.GetFullPath(path);
        long total = 0;
        bool inMapping = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            // A mapping's header starts with its address range ("7f12a000-7f12c000 r--s ..."); its fields follow ("Rss:  8 kB").
            string first = line.Split(' ', 2)[0];
            if (first.Contains('-', StringComparison.Ordinal) && first.All(c => c == '-' || char.IsAsciiHexDigit(c)))
            {
                inMapping = line.EndsWith(full, StringComparison.Ordinal) || line.EndsWith(full + " (deleted)", StringComparison.Ordinal);
            }
            else if (inMapping && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line["Rss:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return total;
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
