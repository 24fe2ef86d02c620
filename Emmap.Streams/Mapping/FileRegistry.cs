using System;
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
    /// Finds or creates the entry for the file <paramref name="identity"/> names and takes a reference for the caller. A new
    /// entry maps through <paramref name="donor"/>, the opener's own descriptor, when one is given (the entry then owns it and
    /// <paramref name="donorTaken"/> is true), else through a descriptor <paramref name="reopen"/> opens. An existing entry
    /// that cannot write yet adopts a reopened descriptor for a writable opener; otherwise nothing is opened.
    /// </summary>
    internal static FileEntry Acquire(
        string path, FileIdentity identity, bool writable, FileStream? donor, Func<FileStream> reopen, out bool donorTaken, out bool created)
    {
        FileEntry? existing;
        lock (s_gate)
        {
            if (s_entries.TryGetValue(identity, out existing))
            {
                existing.Refs++;
            }
            else
            {
                FileStream file = donor ?? reopen();
                FileEntry entry;
                try
                {
                    entry = new FileEntry(identity, path, file, writable, holdsSharingLock: donor is not null) { Refs = 1 };
                }
                catch
                {
                    if (donor is null)
                    {
                        file.Dispose();
                    }

                    throw;
                }

                s_entries.Add(identity, entry);
                donorTaken = donor is not null;
                created = true;
                return entry;
            }
        }

        donorTaken = false;
        created = false;
        try
        {
            // An entry never loses write access once it has it, so a writable one needs nothing more.
            if (writable && !existing.Writable)
            {
                existing.Adopt(reopen(), writable);
            }
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
