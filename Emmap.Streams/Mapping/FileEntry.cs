using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Emmap.Streams.Native;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// One file (device + inode) open in this process, however many handles map it. It owns the file
/// descriptor and coordinates every change of the file's size, so that no handle, direct view or
/// private mapping in the process can be left mapping pages past the end of the file (which would
/// fault with SIGBUS on access):
/// <list type="bullet">
/// <item>Growth reserves the blocks first (<see cref="NativeFile.Grow"/>), then maps them, then
/// publishes the new length.</item>
/// <item>Shrinking publishes the new length first, then replaces the cut pages of every mapping by
/// zero pages, then truncates. When a direct view or a private mapping may still cover the cut
/// range, the truncation is deferred (the range is zeroed instead, so reads see what a truncated
/// file would show) and retried when those references go.</item>
/// </list>
/// Sizes in this type are in file coordinates. Members marked "under the gate" require
/// <see cref="Gate"/> to be held.
/// </summary>
internal sealed class FileEntry
{
    internal readonly Lock Gate = new();
    internal readonly FileIdentity Identity;
    internal readonly string Path;
    internal readonly List<MappingState> Privates = [];

    /// <summary>Registry references (one per live state, plus opens in progress); changes under the registry lock.</summary>
    internal int Refs;

    private FileStream _file;
    private long _logicalLength;
    private volatile bool _pendingTrim;

    // Lowest file offset from which a deferred shrink may have punched holes (long.MaxValue: none). Growing the
    // data back over it reserves the blocks again first, so a write there on a full disk cannot fault.
    private long _holesFrom = long.MaxValue;

    internal FileEntry(FileIdentity identity, string path, FileStream file, bool writable)
    {
        Identity = identity;
        Path = path;
        _file = file;
        Writable = writable;
        PhysicalLength = file.Length;
        _logicalLength = PhysicalLength;
    }

    /// <summary>The state shared by all <see cref="MapSharing.Shared"/> handles, if any is open (under the gate).</summary>
    internal MappingState? Shared { get; private set; }

    /// <summary>True if the descriptor allows writing (under the gate).</summary>
    internal bool Writable { get; private set; }

    /// <summary>The size of the file on disk as this process made it (under the gate).</summary>
    internal long PhysicalLength { get; private set; }

    /// <summary>True while a truncation waits for views or private mappings to go.</summary>
    internal bool PendingTrim => _pendingTrim;

    internal SafeFileHandle Handle => _file.SafeFileHandle;

    /// <summary>The end of the file's data as the process sees it (under the gate).</summary>
    internal long LogicalLength => Shared is { } shared ? Volatile.Read(ref shared.Length) : _logicalLength;

    // Pages are always mapped writable: through a read-write descriptor MAP_SHARED, through a read-only one (or for a
    // private handle) copy-on-write. A direct view hands out writable Memory<byte>, so a write through a view of a
    // read-only stream must land in a private copy, never fault; and it never reaches the file.
    private const int Protection = UnixConstants.ProtRead | UnixConstants.ProtWrite;

    /// <summary>Takes over <paramref name="file"/> if it allows more than the current descriptor, else closes it.</summary>
    internal void Adopt(FileStream file, bool writable)
    {
        lock (Gate)
        {
            if (!writable || Writable)
            {
                file.Dispose();
                return;
            }

            FileStream old = _file;
            _file = file;
            Writable = true;
            if (Shared is { } shared)
            {
                // Same pages, now shared with the file: MAP_FIXED replaces the copy-on-write mapping in one step.
                shared.Region.ShareWrites(file.SafeFileHandle, Path);
                foreach (Region retired in shared.Retired)
                {
                    retired.ShareWrites(file.SafeFileHandle, Path);
                }
            }

            old.Dispose();
        }
    }

    /// <summary>Picks up growth or truncation made by other processes since this entry last looked (under the gate).</summary>
    internal void RefreshFromDisk()
    {
        long onDisk = RandomAccess.GetLength(Handle);
        if (onDisk > PhysicalLength)
        {
            // Map the new bytes before publishing a length that covers them: lock-free readers may use it at once.
            MapShared(onDisk);
            PhysicalLength = onDisk;
            SetLogicalLength(onDisk);
        }
        else if (onDisk < PhysicalLength)
        {
            // Someone else truncated the file: stop mapping what is gone before anything touches it.
            CutMappingsAt(onDisk);
            PhysicalLength = onDisk;
            if (LogicalLength > onDisk)
            {
                SetLogicalLength(onDisk);
            }
        }
    }

    /// <summary>Sets the file's logical length to <paramref name="length"/>, growing or truncating it (under the gate).</summary>
    internal void SetFileLength(long length)
    {
        long current = LogicalLength;
        if (length > current)
        {
            ReserveHoles(current, length);
            if (length > PhysicalLength)
            {
                Grow(length);
            }
            else
            {
                TrimPhysical(length, current);
            }

            SetLogicalLength(length);
        }
        else if (length < current)
        {
            SetLogicalLength(length);
            TrimPhysical(length, current);
        }
        else if (PhysicalLength > length)
        {
            TrimPhysical(length, current);
        }
    }

    /// <summary>Makes sure the file and the shared mapping reach <paramref name="end"/>, growing by <paramref name="policy"/> (under the gate).</summary>
    internal void EnsureSharedCapacity(long end, GrowthPolicy policy)
    {
        ReserveHoles(LogicalLength, end);
        if (end > PhysicalLength)
        {
            Grow(policy.NextCapacity(PhysicalLength, end));
        }
    }

    /// <summary>Attaches a shared handle, creating the shared mapping if needed (under the gate).</summary>
    internal MappingState AttachShared()
    {
        if (Shared is { } existing && existing.TryAddRef())
        {
            existing.Handles++;
            MapShared(PhysicalLength);
            return existing;
        }

        // A shared state whose last reference is being released (refused above, not yet detached) still holds the
        // latest length: take it over, not the length saved before that state was created.
        long length = LogicalLength;
        Region region = Region.Reserve(PhysicalLength, Protection, shared: Writable);
        region.MapFileTo(PhysicalLength, Handle, Path);
        var state = new MappingState(this, region, length, isPrivate: false);
        state.InitializeRef();
        state.Handles = 1;
        FileRegistry.AddRef(this);
        Shared = state;
        return state;
    }

    /// <summary>Attaches a private (copy-on-write) handle whose data ends at <paramref name="end"/> (under the gate).</summary>
    internal MappingState AttachPrivate(long end)
    {
        Region region = Region.Reserve(Math.Max(end, PhysicalLength), Protection, shared: false);
        region.MapFileTo(PhysicalLength, Handle, Path);
        region.MapZerosTo(end, Path);
        var state = new MappingState(this, region, end, isPrivate: true);
        state.InitializeRef();
        state.Handles = 1;
        FileRegistry.AddRef(this);
        Privates.Add(state);
        return state;
    }

    /// <summary>Makes a private state's pages reach <paramref name="end"/> without publishing a new length (under the gate).</summary>
    internal void EnsurePrivateCapacity(MappingState state, long end)
    {
        Region region = state.Region;
        if (!region.CanHold(end))
        {
            throw new IOException(
                $"A private mapping of '{Path}' cannot grow to {end} bytes: its address reservation holds {region.Reserved} bytes.");
        }

        region.MapZerosTo(end, Path);
    }

    /// <summary>Makes a private state's data end at <paramref name="end"/>, in its own pages only (under the gate).</summary>
    internal void SetPrivateLength(MappingState state, long end)
    {
        long current = Volatile.Read(ref state.Length);
        Region region = state.Region;
        if (end > current)
        {
            EnsurePrivateCapacity(state, end);
            Volatile.Write(ref state.Length, end);
        }
        else if (end < current)
        {
            Interlocked.Exchange(ref state.Length, end);
            region.ZeroFrom(end, current, Path);
            if (_pendingTrim)
            {
                RetryPendingTrimLocked();
            }
        }
    }

    /// <summary>Called when a state's last reference is gone: detach its pages, trim the file, drop the entry reference.</summary>
    internal void OnStateReleased(MappingState state)
    {
        lock (Gate)
        {
            if (state.IsPrivate)
            {
                Privates.Remove(state);
            }
            else if (ReferenceEquals(Shared, state))
            {
                _logicalLength = Volatile.Read(ref state.Length);
                Shared = null;
            }

            state.DetachAll();

            // Give back space grown past the data (FileStream-like length), or a deferred truncation.
            if (Writable && PhysicalLength > LogicalLength)
            {
                TryTrim();
            }
        }

        FileRegistry.Release(this);
    }

    /// <summary>Retries a deferred truncation after a view or private mapping went away.</summary>
    internal void RetryPendingTrim()
    {
        lock (Gate)
        {
            RetryPendingTrimLocked();
        }
    }

    /// <summary>Closes the descriptor. Called once, by the registry, when nothing references the entry.</summary>
    internal void Close() => _file.Dispose();

    /// <summary>Writes dirty pages and file metadata to the device (the <c>fsync</c> half of a durable flush).</summary>
    internal void FlushToDisk()
    {
        int injected = FaultInjection.Check(FaultPoint.Sync);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "fsync", Path);
        }

        lock (Gate)
        {
            if (Writable)
            {
                _file.Flush(flushToDisk: true);
            }
        }
    }

    private void RetryPendingTrimLocked()
    {
        if (_pendingTrim)
        {
            TryTrim();
        }
    }

    private void TryTrim()
    {
        try
        {
            TrimPhysical(LogicalLength, LogicalLength);
        }
        catch (IOException)
        {
            // The data is intact and correct; only surplus zero bytes stay on disk. Retried at the next release.
            _pendingTrim = true;
        }
    }

    private void SetLogicalLength(long length)
    {
        if (Shared is { } shared)
        {
            // A full fence: a view being created concurrently either sees the new length or is seen by the pin check.
            Interlocked.Exchange(ref shared.Length, length);
        }
        else
        {
            _logicalLength = length;
        }
    }

    private void Grow(long newPhysical)
    {
        NativeFile.Grow(Handle, PhysicalLength, newPhysical, Path);
        try
        {
            MapShared(newPhysical);
        }
        catch (IOException)
        {
            // PhysicalLength must never count bytes the shared mapping does not cover: a later write below it would
            // skip growing and touch unmapped address space. Give the blocks back; nothing changed.
            try
            {
                NativeFile.Truncate(Handle, PhysicalLength, Path);
            }
            catch (IOException)
            {
                // Only surplus zero bytes stay on disk; the next growth reuses them.
            }

            throw;
        }

        PhysicalLength = newPhysical;
    }

    private void MapShared(long end)
    {
        if (Shared is not { } shared)
        {
            return;
        }

        Region region = shared.Region;
        if (region.CanHold(end))
        {
            region.MapFileTo(end, Handle, Path);
            return;
        }

        // Past the reservation: map the file again in a larger one. The old region keeps mapping the
        // same file pages (shared, so coherent) for views and racing accesses until it is unreachable.
        Region larger = Region.Reserve(end, Protection, shared: Writable);
        larger.MapFileTo(end, Handle, Path);
        shared.MoveTo(larger);
    }

    /// <summary>
    /// Brings the file size down to <paramref name="target"/>; <paramref name="dataEnd"/> is where the
    /// data ended before, so only <c>[target, dataEnd)</c> can hold bytes that must read as zeros.
    /// </summary>
    private void TrimPhysical(long target, long dataEnd)
    {
        if (PhysicalLength <= target)
        {
            return;
        }

        if (!Writable)
        {
            return;
        }

        if (IsPinnedBeyond(target))
        {
            long cut = Math.Min(dataEnd, PhysicalLength) - target;
            if (cut > 0)
            {
                NativeFile.ZeroRange(Handle, target, cut, Path);
                _holesFrom = Math.Min(_holesFrom, target);
            }

            _pendingTrim = true;
            return;
        }

        CutMappingsAt(target);
        NativeFile.Truncate(Handle, target, Path);
        PhysicalLength = target;
        _pendingTrim = false;
        if (target <= _holesFrom)
        {
            _holesFrom = long.MaxValue;
        }
    }

    /// <summary>Before the data grows from <paramref name="from"/> to <paramref name="to"/>: re-reserves blocks punched out by a deferred shrink.</summary>
    private void ReserveHoles(long from, long to)
    {
        if (to <= _holesFrom)
        {
            return;
        }

        long start = Math.Max(from, _holesFrom);
        long end = Math.Min(to, PhysicalLength);
        if (end > start)
        {
            NativeFile.Reserve(Handle, start, end - start, Path);
        }

        _holesFrom = end < PhysicalLength ? Math.Max(_holesFrom, end) : long.MaxValue;
    }

    private bool IsPinnedBeyond(long target)
    {
        if (Shared is { } shared && shared.ViewCount > 0)
        {
            return true;
        }

        long page = Region.RoundUpToPage(target);
        foreach (MappingState state in Privates)
        {
            if ((long)state.Region.FileBacked > page)
            {
                return true;
            }
        }

        return false;
    }

    private void CutMappingsAt(long end)
    {
        if (Shared is { } shared)
        {
            shared.Region.CutFileAt(end, Path);
            foreach (Region retired in shared.Retired)
            {
                retired.CutFileAt(end, Path);
            }
        }

        foreach (MappingState state in Privates)
        {
            state.Region.CutFileAt(end, Path);
        }
    }
}
