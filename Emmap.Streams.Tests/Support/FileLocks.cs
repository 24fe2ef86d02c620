using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Emmap.Streams.Native;

namespace Emmap.Streams.Tests.Support;

/// <summary>What the kernel's lock table (Linux <c>/proc/locks</c>) says about a file.</summary>
public static class FileLocks
{
    /// <summary>
    /// True if a process (this one included) waits for a lock on the file <paramref name="path"/> names now; a blocked request
    /// is the line marked <c>-&gt;</c>, and the file is told by its inode.
    /// </summary>
    public static bool WaiterExists(string path) => WaiterExists(NativeFile.TryGetStatus(path)!.Value.Identity.Inode);

    /// <summary>True if a process waits for a lock on the file with this <paramref name="inode"/> now.</summary>
    public static bool WaiterExists(ulong inode)
    {
        string field = string.Create(CultureInfo.InvariantCulture, $":{inode} ");
        return File.ReadLines("/proc/locks").Any(line => line.Contains("->", StringComparison.Ordinal) && line.Contains(field, StringComparison.Ordinal));
    }
}
