using System.Collections.Generic;
using System.IO;
using System.Threading;
using Emmap.Streams.Native;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The process-wide table of open files, keyed by device and inode, so that every handle of one
/// file in the process goes through one <see cref="FileEntry"/> however the path was spelled.
/// </summary>
internal static class FileRegistry
{
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<FileIdentity, FileEntry> s_entries = [];

    /// <summary>
    /// Finds or creates the entry for the file open as <paramref name="file"/> and takes a reference
    /// for the caller. The entry takes ownership of <paramref name="file"/> (it keeps or closes it).
    /// </summary>
    internal static FileEntry Acquire(string path, FileStream file, bool writable)
    {
        FileIdentity identity;
        try
        {
            identity = NativeFile.GetStatus(file.SafeFileHandle, path).Identity;
        }
        catch
        {
            file.Dispose();
            throw;
        }

        FileEntry? existing;
        lock (s_gate)
        {
            if (s_entries.TryGetValue(identity, out existing))
            {
                existing.Refs++;
            }
            else
            {
                var entry = new FileEntry(identity, path, file, writable) { Refs = 1 };
                s_entries.Add(identity, entry);
                return entry;
            }
        }

        try
        {
            existing.Adopt(file, writable);
        }
        catch
        {
            Release(existing);
            throw;
        }

        return existing;
    }

    /// <summary>Takes one more reference on an entry the caller already references.</summary>
    internal static void AddRef(FileEntry entry)
    {
        lock (s_gate)
        {
            entry.Refs++;
        }
    }

    /// <summary>Drops a reference; the last one closes the descriptor.</summary>
    internal static void Release(FileEntry entry)
    {
        bool close;
        lock (s_gate)
        {
            close = --entry.Refs == 0;
            if (close)
            {
                s_entries.Remove(entry.Identity);
            }
        }

        if (close)
        {
            entry.Close();
        }
    }

    /// <summary>A copy of the live entries, for diagnostics.</summary>
    internal static FileEntry[] Snapshot()
    {
        lock (s_gate)
        {
            var result = new FileEntry[s_entries.Count];
            s_entries.Values.CopyTo(result, 0);
            return result;
        }
    }
}
