using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Emmap.Streams.Native;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The process-wide table of open files, keyed by device and inode, so that every handle of one
/// file in the process goes through one <see cref="FileEntry"/> however the path was spelled.
/// </summary>
internal static class FileRegistry
{
    private static readonly Lock s_gate = new();
    // Changed under s_gate only; read without it by Contains, which a deferred stream asks twice per read, so those reads never
    // wait for the gate.
    private static readonly ConcurrentDictionary<FileIdentity, FileEntry> s_entries = new();

    // The files whose entry an open is making (see Make) or whose last entry is closing (see Release) outside s_gate, each with the
    // event the other opens of the file wait on.
    private static readonly Dictionary<FileIdentity, ManualResetEventSlim> s_making = [];

    // Read-only streams of files no entry maps yet, holding presence through their own descriptors (see DeferredMapping).
    private static readonly Dictionary<FileIdentity, List<DeferredMapping>> s_deferred = [];

    // The number of files in s_deferred, written under s_gate: an open with none to withdraw does not wait for the gate.
    private static int s_deferredFiles;

    /// <summary>
    /// Finds or creates the entry for the file <paramref name="identity"/> names and takes a reference for the caller. A new
    /// entry maps through <paramref name="donor"/>, the opener's own open of the file, when one is given (the entry then owns
    /// it and <paramref name="donorTaken"/> is true), else through a second descriptor of <paramref name="source"/>. An
    /// existing entry that cannot write yet adopts a second, read-write descriptor for a writable opener; otherwise nothing
    /// is opened. A new entry is made outside the registry's lock (<see cref="Make"/>); an open of the same file meanwhile
    /// waits for it, an open of another file does not. On Windows, <paramref name="fallback"/> is the opener's own open when it
    /// is asynchronous: the entry takes it (and <paramref name="donorTaken"/> is true) where a descriptor of its own cannot be
    /// opened (see <see cref="Reopen"/>).
    /// </summary>
    internal static FileEntry Acquire(
        string path,
        FileIdentity identity,
        bool writable,
        SafeFileHandle source,
        FileStream? donor,
        out bool donorTaken,
        out bool created,
        FileStream? fallback = null)
    {
        FileEntry? existing;
        while (true)
        {
            ManualResetEventSlim? making;
            lock (s_gate)
            {
                if (s_entries.TryGetValue(identity, out existing))
                {
                    existing.Refs++;
                    break;
                }

                if (!s_making.TryGetValue(identity, out making))
                {
                    s_making.Add(identity, new ManualResetEventSlim());
                }
            }

            if (making is null)
            {
                created = true;
                return Make(path, identity, writable, source, donor, fallback, out donorTaken);
            }

            // Another open of this process is making the file's entry, or its last handle is closing it, which may wait for another
            // process's size lock: wait for it, then look again (it may have failed, or the file may have been closed since).
            making.Wait();
        }

        created = false;
        donorTaken = false;
        try
        {
            // An entry never loses write access once it has it, so a writable one needs nothing more.
            if (writable && !existing.Writable)
            {
                existing.Adopt(Reopen(source, path, writable, fallback, out donorTaken), writable);
            }
        }
        catch
        {
            Release(existing);
            throw;
        }

        return existing;
    }

    /// <summary>
    /// Withdraws the presence of the read-only streams that read <paramref name="entry"/>'s file without a mapping, once a mapping
    /// through the entry is attached: the entry is this process's presence from then on, and theirs would make a writer of this
    /// process count them as another process and keep it from trimming the file. Each maps at its next read. Called once the
    /// attach succeeded, before the open changes the file's length, or when a writable open fails; not earlier: a read-only
    /// mapping that fails before it changed anything leaves them reading through their own descriptors. A stream of the file was
    /// recorded before the entry was made (no stream is recorded once it exists), so when none is recorded now, none of this
    /// file can be, and the call returns without the registry's lock.
    /// </summary>
    internal static void WithdrawDeferred(FileEntry entry)
    {
        if (Volatile.Read(ref s_deferredFiles) == 0)
        {
            return;
        }

        List<DeferredMapping>? deferred;
        lock (s_gate)
        {
            if (!s_entries.TryGetValue(entry.Identity, out FileEntry? current)
                || current != entry
                || !s_deferred.Remove(entry.Identity, out deferred))
            {
                return;
            }

            Volatile.Write(ref s_deferredFiles, s_deferred.Count);
        }

        foreach (DeferredMapping stream in deferred)
        {
            stream.WithdrawPresence();
        }
    }

    /// <summary>True if a handle of this process has the file <paramref name="identity"/> names open through an entry.</summary>
    internal static bool Contains(FileIdentity identity) => s_entries.ContainsKey(identity);

    /// <summary>
    /// Records a read-only stream that reads <paramref name="deferred"/>'s file without a mapping, so that an entry made for the
    /// file later withdraws the stream's presence; false (nothing recorded) if an entry maps the file already.
    /// </summary>
    internal static bool TryAddDeferred(DeferredMapping deferred)
    {
        lock (s_gate)
        {
            if (s_entries.ContainsKey(deferred.Identity))
            {
                return false;
            }

            if (!s_deferred.TryGetValue(deferred.Identity, out List<DeferredMapping>? streams))
            {
                streams = [];
                s_deferred.Add(deferred.Identity, streams);
                Volatile.Write(ref s_deferredFiles, s_deferred.Count);
            }

            streams.Add(deferred);
            return true;
        }
    }

    /// <summary>Forgets a stream <see cref="TryAddDeferred"/> recorded (its presence is gone, or it is disposed); idempotent.</summary>
    internal static void RemoveDeferred(DeferredMapping deferred)
    {
        lock (s_gate)
        {
            if (s_deferred.TryGetValue(deferred.Identity, out List<DeferredMapping>? streams) && streams.Remove(deferred) && streams.Count == 0)
            {
                _ = s_deferred.Remove(deferred.Identity);
                Volatile.Write(ref s_deferredFiles, s_deferred.Count);
            }
        }
    }

    /// <summary>Takes one more reference on an entry the caller already references.</summary>
    internal static void AddRef(FileEntry entry)
    {
        lock (s_gate)
        {
            entry.Refs++;
        }
    }

    /// <summary>
    /// Drops a reference; the last one closes the entry, outside the registry's lock. The opens of the file meanwhile wait for
    /// the close, as for an entry being made: a new entry that joined before the close looked for other processes would count
    /// as one, and the close would neither trim the file nor delete its page, which a read-only entry closing last cannot do.
    /// </summary>
    internal static void Release(FileEntry entry)
    {
        bool closing = false;
        lock (s_gate)
        {
            if (--entry.Refs == 0)
            {
                _ = s_entries.TryRemove(entry.Identity, out _);

                // No open makes an entry of the file while it has one, so none is being made now.
                s_making.Add(entry.Identity, new ManualResetEventSlim());
                closing = true;
            }
        }

        if (!closing)
        {
            return;
        }

        try
        {
            Testing.CrashPoints.Hit(Testing.CrashPoints.EntryClosing);
            entry.Close();
        }
        finally
        {
            EndWait(entry.Identity, made: null);
        }
    }

    /// <summary>
    /// Makes the entry of a file no entry maps, outside the registry's lock, so that opens of other files never wait behind
    /// this one while its entry waits for another process's size lock; then publishes it with one reference, or, if making it
    /// failed, nothing. Either way the opens of the same file that waited for it look again.
    /// </summary>
    private static FileEntry Make(
        string path, FileIdentity identity, bool writable, SafeFileHandle source, FileStream? donor, FileStream? fallback, out bool donorTaken)
    {
        FileEntry? entry = null;
        try
        {
            donorTaken = donor is not null;
            FileStream file = donor ?? Reopen(source, path, writable, fallback, out donorTaken);
            try
            {
                entry = new FileEntry(identity, path, file, writable, holdsSharingLock: donorTaken) { Refs = 1 };
            }
            catch
            {
                if (!donorTaken)
                {
                    file.Dispose();
                }

                throw;
            }
        }
        finally
        {
            EndWait(identity, entry);
        }

        return entry;
    }

    // Ends the wait of the opens of the file `identity` names for an entry being made or closed: publishes the entry made, if
    // any, and wakes them to look again.
    private static void EndWait(FileIdentity identity, FileEntry? made)
    {
        ManualResetEventSlim? waiting;
        lock (s_gate)
        {
            if (made is not null)
            {
                s_entries[identity] = made;
            }

            _ = s_making.Remove(identity, out waiting);
        }

        waiting?.Set();
    }

    // The mapping's own descriptor, without a sharing lock; read-write for a writable mapping. On Windows, when the opener's own
    // handle is open for overlapped I/O and shares too little for a handle of the mapping's own, the opener's own open itself
    // (`fallback`, then `taken`): a duplicate of that handle is the same file object, which .NET has already bound to the thread
    // pool's completion port, so a FileStream or a RandomAccess call over the duplicate would fail to bind it a second time.
    private static FileStream Reopen(SafeFileHandle source, string path, bool writable, FileStream? fallback, out bool taken)
    {
        taken = false;
        FileAccess access = writable ? FileAccess.ReadWrite : FileAccess.Read;
        if (OperatingSystem.IsWindows() && fallback is not null && source.IsAsync)
        {
            if (NativeFile.TryReopenSeparately(source, path, writable) is { } separate)
            {
                return new FileStream(separate, access, bufferSize: 0);
            }

            taken = true;
            return fallback;
        }

        return new(NativeFile.Reopen(source, path, writable), access, bufferSize: 0);
    }

    /// <summary>The entry of the file <paramref name="identity"/> names, if a handle of this process maps it; read without the lock.</summary>
    internal static FileEntry? Find(FileIdentity identity) => s_entries.TryGetValue(identity, out FileEntry? entry) ? entry : null;

    /// <summary>
    /// A copy of the live entries, for diagnostics; taken without the registry's lock, so an observation never waits for an
    /// open or a close.
    /// </summary>
    internal static FileEntry[] Snapshot() => [.. s_entries.Values];
}
