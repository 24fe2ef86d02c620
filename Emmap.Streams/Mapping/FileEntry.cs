using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Emmap.Streams.Native;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// One file (device, inode, birth time) open in this process, however many handles map it. It owns the file descriptor and
/// the file's <see cref="SharedFileState"/>, and makes every change of the file's size, so that no handle, view or private
/// mapping in any process is ever left mapping pages past the end of the file (which would fault with SIGBUS on access):
/// <list type="bullet">
/// <item><b>Growth</b> reserves the blocks first (<see cref="NativeFile.Grow"/>), then maps them, then publishes the new
/// physical size, then the new length. Bytes a shrink cut off are zeroed before a length covers them again.</item>
/// <item><b>Shrinking</b> publishes the new length first, advances the cut counter, replaces this process's cut pages by
/// zero pages, and truncates the file only when no other process has it open and no private mapping here still maps the
/// cut range. Otherwise the truncation waits: the last process to close trims the file to its length.</item>
/// <item><b>Other processes</b> see the change at their next refresh: the length is shared, the pages they map stay valid.</item>
/// </list>
/// Sizes in this type are in file coordinates. Members marked "under the gate" require <see cref="Gate"/> to be held.
/// On Windows, which refuses to truncate a file below a view of it, no view is taken out while the file is in use: a
/// shrink zeroes the cut bytes in place and the truncation waits until the last release in the process
/// (<c>FileEntry.Windows.cs</c>).
/// </summary>
internal sealed partial class FileEntry
{
    internal readonly Lock Gate = new();
    internal readonly FileIdentity Identity;
    internal readonly string Path;
    // Copied on change (under the gate), so that the metrics read it without the gate, which a size change holds while it waits.
    private MappingState[] _privates = [];

    /// <summary>Registry references (one per live state, plus opens in progress); changes under the registry lock.</summary>
    internal int Refs;

    // Pages are always mapped writable: through a read-write descriptor MAP_SHARED, through a read-only one (or for a
    // private handle) copy-on-write. A direct view hands out writable Memory<byte>, so a write through a view of a
    // read-only stream must land in a private copy, never fault; and it never reaches the file.
    private const int Protection = UnixConstants.ProtRead | UnixConstants.ProtWrite;

    private readonly SharedFileState _shared;
    private FileStream _file;

    // _file's handle, taken once: FileStream.SafeFileHandle seeks the descriptor to the stream's position on every call.
    private SafeFileHandle _handle;

    // True while the descriptor holds the sharing lock (FileShare) of the stream that gave it to the entry: that stream's own
    // open, so the file needs one descriptor, not two. The stream drops the lock when it is disposed.
    private bool _holdsSharingLock;
    private volatile bool _pendingTrim;

    // False once a detach could not replace this process's file pages: from then on this process never truncates the file.
    private bool _mayTruncate = true;

    // True once closed (under the gate): the shared state is gone, so nothing may begin a size change any more.
    private bool _closed;

    // Windows: regions of released states that still map the file until their finalizers run (under the gate). Each holds a
    // registry reference, so the file is closed (and trimmed) only once they are gone.
    private int _deferredRegions;

    internal FileEntry(FileIdentity identity, string path, FileStream file, bool writable, bool holdsSharingLock = false)
    {
        Identity = identity;
        Path = path;
        _file = file;
        _handle = file.SafeFileHandle;
        _holdsSharingLock = holdsSharingLock;
        Writable = writable;
        _shared = SharedFileState.Open(identity, _handle, writable, path);
    }

    /// <summary>The states of the <see cref="MapSharing.Private"/> handles (changes under the gate; a snapshot without it).</summary>
    internal MappingState[] Privates => Volatile.Read(ref _privates);

    /// <summary>The state shared by all <see cref="MapSharing.Shared"/> handles, if any is open (under the gate).</summary>
    internal MappingState? Shared { get; private set; }

    /// <summary>True if the descriptor allows writing (under the gate).</summary>
    internal bool Writable { get; private set; }

    /// <summary>The size of the file on disk as the library made it (under the gate).</summary>
    internal long PhysicalLength => Volatile.Read(ref _shared.Physical);

    /// <summary>The end of the file's data as all processes agree on it (under the gate, after <see cref="Refresh"/>).</summary>
    internal long LogicalLength => Volatile.Read(ref _shared.Length);

    /// <summary>True while a truncation waits for private mappings or other processes to go.</summary>
    internal bool PendingTrim => _pendingTrim;

    internal SafeFileHandle Handle => _handle;

    /// <summary>
    /// Gets the descriptor that byte-range locks of the file's users (a shared-mode queue) go to: the data file's own on Linux
    /// and Windows; on macOS the shared page's, as the entry's size and presence locks do, because there a record lock of the
    /// data file conflicts with the shared <c>flock</c> every stream of it holds (this process's own included). The data
    /// file's descriptor when there is no page (the state is kept in process memory).
    /// </summary>
    internal SafeFileHandle LockHandle => _shared.PageLockFile ?? _handle;

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
            SafeFileHandle handle = file.SafeFileHandle;
            Region? remapped = null;
            if (Platform.IsWindows && Shared is not null)
            {
                // Views cannot be replaced in place: map the file again, shared and writable; the state moves there once the
                // upgrade has succeeded. The old region keeps its copy-on-write views for the views and racing accesses made on it.
                try
                {
                    remapped = MapWholeFile(handle, PhysicalLength, writable: true, Path);
                }
                catch
                {
                    file.Dispose();
                    throw;
                }
            }

            List<Region>? converted = null;
            try
            {
                if (!Platform.IsWindows && Shared is { } shared)
                {
                    // Same pages, now shared with the file: MAP_FIXED replaces the copy-on-write mapping in one step. First,
                    // because it is the step that fails (no address space, too many mappings): a read-only entry never
                    // wrote to its pages, so a region already replaced reads the same bytes.
                    converted = [];
                    shared.Region.ShareWrites(handle, Path);
                    converted.Add(shared.Region);
                    foreach (Region retired in shared.Retired)
                    {
                        retired.ShareWrites(handle, Path);
                        converted.Add(retired);
                    }
                }

                if (_holdsSharingLock)
                {
                    // The lock belongs to a stream still open: it moves to the new description before the old one closes.
                    NativeFile.SetSharingLock(handle, held: true);
                }

                _shared.Upgrade(handle);
            }
            catch
            {
                if (_holdsSharingLock)
                {
                    NativeFile.SetSharingLock(handle, held: false);
                }

                // The entry stays read-only: the regions already replaced go back to copy-on-write through its read-only
                // descriptor (the same bytes), so that writes through read-only views stay private and later growth maps
                // through that descriptor. Should that fail too, the pages stay shared, and the region still grows privately.
                foreach (Region region in converted ?? [])
                {
                    try
                    {
                        region.UnshareWrites(_handle, Path);
                    }
                    catch (IOException)
                    {
                        region.Shared = false;
                    }
                }

                // Windows: nothing has used the new region yet.
                if (remapped is not null && OperatingSystem.IsWindows())
                {
                    remapped.ReleaseNow();
                }
                file.Dispose();
                throw;
            }

            if (remapped is not null)
            {
                Shared!.MoveTo(remapped);
            }

            _file = file;
            _handle = handle;
            Writable = true;
            old.Dispose();
        }
    }

    /// <summary>
    /// Takes over the sharing lock of a stream whose own open of the file is about to close (a read-only stream that mapped
    /// after its first reads): the descriptor takes the same shared <c>flock</c> first, so the file is never without it, and
    /// holds it until that stream is disposed (<see cref="ReleaseSharingLock"/>). False, and nothing changes, if the
    /// descriptor already holds another stream's lock or the entry is closed.
    /// </summary>
    internal bool TakeSharingLock()
    {
        lock (Gate)
        {
            if (_holdsSharingLock || _closed || _handle.IsClosed)
            {
                return false;
            }

            NativeFile.SetSharingLock(_handle, held: true);
            _holdsSharingLock = true;
            return true;
        }
    }

    /// <summary>Drops the sharing lock the descriptor holds for the stream that gave it, when that stream is disposed.</summary>
    internal void ReleaseSharingLock()
    {
        lock (Gate)
        {
            if (_holdsSharingLock && !_handle.IsClosed)
            {
                _holdsSharingLock = false;
                NativeFile.SetSharingLock(Handle, held: false);
            }
        }
    }

    /// <summary>
    /// Brings the shared state up to date with other processes (under the gate): their growth is mapped and published, their
    /// shrinks lower the length (a cut for this process's accesses; the pages stay, since nobody truncates while this process
    /// has the file open). With <paramref name="checkDisk"/>, also compares the file's size on disk with the shared state, to
    /// notice growth or truncation by programs that do not use this library.
    /// </summary>
    internal void Refresh(bool checkDisk)
    {
        if (checkDisk)
        {
            _shared.TryJoinPage();
            ReconcileWithDisk();
        }

        if (Shared is not { } shared)
        {
            return;
        }

        // The shrink count before the length: a shrinker lowers the length first, so a count read here covers the length.
        long shrinks = _shared.ReadShrinks(out nint shrinksAddress);
        long length = Volatile.Read(ref _shared.Length);
        long local = Volatile.Read(ref shared.Length);
        if (length > local)
        {
            MapShared(Volatile.Read(ref _shared.Physical));
            shared.Grow(length);
        }
        else if (length < local)
        {
            // Another process shrank the file: its cut erases the bytes; this process keeps its pages, which stay valid.
            shared.Cut(length, erasing: false);
        }

        shared.AdoptShrinks(shrinksAddress, shrinks);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="fileOffset"/> for <paramref name="view"/>, past the end of the data
    /// (under the gate): reserves and maps capacity by the view's growth policy, zeroes a gap that may hold cut bytes, copies, then publishes the new length.
    /// Atomic with respect to every other size change in every process.
    /// </summary>
    /// <returns>The file offset the data was written at: <paramref name="fileOffset"/>, or the end of the data when
    /// <paramref name="append"/> is set.</returns>
    internal unsafe long WriteShared(MappedView view, long fileOffset, ReadOnlySpan<byte> data, bool append)
    {
        MappingState shared = Shared!;
        long start = append ? Math.Max(fileOffset, Volatile.Read(ref _shared.Length)) : fileOffset;
        if (start + data.Length > Volatile.Read(ref _shared.Physical))
        {
            // The write grows the file on disk: first adopt what a program that does not use the library appended since the
            // last look (as Length does), so that the gap is not zeroed over its bytes nor the file later trimmed below them.
            Refresh(checkDisk: true);
        }

        bool solo = EnterSizeChange();
        try
        {
            Refresh(checkDisk: false);
            long length = Volatile.Read(ref _shared.Length);
            if (append)
            {
                fileOffset = Math.Max(fileOffset, length);
            }

            long end = fileOffset + data.Length;
            if (end > length)
            {
                view.CheckCanGrowTo(end, length);
                EnsureCapacity(end, view.Growth.NextCapacity(Volatile.Read(ref _shared.Physical), end));
                if (fileOffset > length)
                {
                    ZeroCutBytes(length, fileOffset);
                    ClearTail(shared, length, fileOffset);
                }

                // Bytes past the length that a crash could leave behind are covered by the high-water mark before they exist.
                RaiseHighWater(end);
            }

            data.CopyTo(new Span<byte>(MappedAccess.BeginExclusive(shared, fileOffset, data.Length), data.Length));
            if (end > length)
            {
                CrashPoints.Hit(CrashPoints.ExtendCopied);
                Volatile.Write(ref _shared.Length, end);
                shared.Grow(end);
            }

            return fileOffset;
        }
        finally
        {
            ExitSizeChange(solo);
        }
    }

    /// <summary>
    /// Sets the file's length to <paramref name="length"/>, growing or shrinking it (under the gate). With
    /// <paramref name="growOnly"/> (an open's initial size), a length the file has reached by the time the size lock is held,
    /// through another process's growth meanwhile, is left as it is.
    /// </summary>
    internal void SetFileLength(long length, bool growOnly = false)
    {
        bool solo = EnterSizeChange();
        try
        {
            Refresh(checkDisk: false);
            long current = Volatile.Read(ref _shared.Length);
            if (growOnly && length <= current)
            {
                return;
            }

            bool cutFailed = false;
            if (length > current)
            {
                EnsureCapacity(length, length);
                ZeroCutBytes(current, length);
                if (Shared is { } grown)
                {
                    ClearTail(grown, current, length);
                }
                RaiseHighWater(length);
                Volatile.Write(ref _shared.Length, length);
                Shared?.Grow(length);
            }
            else if (length < current)
            {
                Volatile.Write(ref _shared.Length, length);
                RaiseShrinks(solo);

                // While another process has the file open, the truncation waits for it, and so do this process's pages: they
                // go on mapping the file, whose cut bytes are zeroed in place below, as the other processes' pages do. A
                // growth by another process then shows through this process's views at once, with no call here to notice
                // it. Whoever truncates later swaps the pages out first (Truncate). Asked only when there are pages to cut.
                if (Shared is { } shared && shared.Cut(length) && (solo || !_shared.OthersPresent()) && !TryCutSharedAt(length))
                {
                    // Pages past the new end still map the file, so it must not be truncated under them (an access that
                    // raced with the cut would fault). The shrink stands: the cut bytes are zeroed below, as for a
                    // truncation that waits, and the trim is retried at the next flush or close.
                    cutFailed = true;
                    _pendingTrim = true;
                }
            }

            if (!cutFailed)
            {
                TryTrim(length, solo);
            }
            if (length < current && Volatile.Read(ref _shared.Physical) > length)
            {
                // The truncation waits (a private mapping here, or another process): the cut bytes read as zeros meanwhile,
                // as a truncated file would show them, and keep their blocks, so a write there never needs a new one.
                NativeFile.ZeroRange(Handle, length, Math.Min(current, Volatile.Read(ref _shared.Physical)) - length, Path);
            }
        }
        finally
        {
            ExitSizeChange(solo);
        }
    }

    /// <summary>
    /// After a shrink has lowered the shared length (under the size lock): unless this process is alone with the file, raises
    /// the shared shrink counter, so that another process's write checked against a length from before is found and made
    /// again, and orders that before the cut bytes are zeroed (<see cref="ShrinkBarrier"/>). This process's own handles take
    /// the new count in at once; their accesses in flight see the cut the shrink records.
    /// </summary>
    private void RaiseShrinks(bool solo)
    {
        if (!solo && _shared.TryRaiseShrinks(out nint address, out long raised))
        {
            ShrinkBarrier.AfterRaise();
            Shared?.AdoptShrinks(address, raised);
        }
    }

    /// <summary>
    /// Zeroes what lies past the end of the data in <c>[fileOffset, fileOffset + count)</c>: the bytes of a write that raced
    /// another process's shrink and then failed, or lost its handle to a dispose (under the gate). Bytes past the end are never
    /// data, and growth zeroes them anyway, so this only makes that happen now. Best effort: if the zeroing fails too, the
    /// write's own outcome is the one reported, and the next growth over the range zeroes it.
    /// </summary>
    internal void ZeroPastEnd(long fileOffset, long count)
    {
        try
        {
            bool solo = EnterSizeChange();
            try
            {
                Refresh(checkDisk: false);
                long from = Math.Max(fileOffset, Volatile.Read(ref _shared.Length));
                long to = Math.Min(fileOffset + count, Volatile.Read(ref _shared.Physical));
                if (from < to)
                {
                    NativeFile.ZeroRange(Handle, from, to - from, Path);
                }
            }
            finally
            {
                ExitSizeChange(solo);
            }
        }
        catch (IOException)
        {
            // Best effort, as above: the caller reports the write's own outcome.
        }
    }

    /// <summary>Gets whether the entry is closed: its descriptor and its view of the shared state are gone (read under the gate).</summary>
    internal bool IsClosed => _closed;

    /// <summary>
    /// Takes back an update of the 8-byte cell at <paramref name="fileOffset"/> that another process's shrink left partly or
    /// wholly past the end (under the gate; the size lock keeps the length still meanwhile): if the cell still holds what the
    /// update stored, it gets back the bytes it had inside the data and zeros past the end, in one compare-exchange. If it
    /// does not, the shrink zeroed the cell's bytes past the end after the update, which so came first, and stands.
    /// </summary>
    /// <returns>True if the update is taken back (the caller refuses it); false if it stands (the cell is wholly inside the
    /// data again, or the update came before the shrink).</returns>
    internal unsafe bool TakeBackUpdate(MappingState state, long fileOffset, long old, long updated)
    {
        bool solo = EnterSizeChange();
        try
        {
            Refresh(checkDisk: false);
            long inside = Math.Clamp(Volatile.Read(ref _shared.Length) - fileOffset, 0, sizeof(long));
            if (inside == sizeof(long))
            {
                return false;
            }

            // Little-endian (x64, Arm64): the cell's first bytes, those inside the data, are its low-order ones.
            long keep = inside == 0 ? 0 : (1L << (int)(inside * 8)) - 1;
            long* cell = (long*)MappedAccess.BeginExclusive(state, fileOffset, sizeof(long));
            return Interlocked.CompareExchange(ref *cell, old & keep, updated) == updated;
        }
        finally
        {
            ExitSizeChange(solo);
        }
    }

    /// <summary>Gives back capacity past the data (a <c>Flush</c>): the size on disk becomes the length, when nothing prevents it (under the gate).</summary>
    internal void TrimSurplus()
    {
        if (!Writable || Volatile.Read(ref _shared.Physical) <= Volatile.Read(ref _shared.Length))
        {
            return;
        }

        bool solo = EnterSizeChange();
        try
        {
            Refresh(checkDisk: false);
            TryTrim(Volatile.Read(ref _shared.Length), solo);
        }
        finally
        {
            ExitSizeChange(solo);
        }
    }

    /// <summary>Attaches a shared handle, creating the shared mapping if needed (under the gate).</summary>
    internal MappingState AttachShared()
    {
        if (Shared is { } existing && existing.TryAddHandleRef())
        {
            Refresh(checkDisk: false);
            return existing;
        }

        // The length first, then the physical size: another process may grow the file meanwhile (no lock is held here), and
        // it publishes a physical size before any length it covers, so a physical size read after the length covers it. Read
        // the other way round, the length could end past the pages mapped, and a read there would fault. The shrink count
        // before both, as Refresh reads it.
        long shrinks = _shared.ReadShrinks(out nint shrinksAddress);
        long length = Volatile.Read(ref _shared.Length);
        CrashPoints.Hit(CrashPoints.AttachLengthRead);
        Region region = MapWholeFile(Handle, Volatile.Read(ref _shared.Physical), Writable, Path);
        var state = new MappingState(this, region, length, isPrivate: false);
        state.AdoptShrinks(shrinksAddress, shrinks);
        state.InitializeRef();
        FileRegistry.AddRef(this);
        Shared = state;
        return state;
    }

    /// <summary>Attaches a private (copy-on-write) handle whose data ends at <paramref name="end"/> (under the gate).</summary>
    internal MappingState AttachPrivate(long end) => AttachPrivate(end, end);

    /// <summary>
    /// Attaches a private (copy-on-write) handle whose data ends at <paramref name="end"/>, with the file mapped up to
    /// <paramref name="fileEnd"/> and its own zero pages after that: an open that is about to cut or grow the file maps it
    /// first as it will be (under the gate).
    /// </summary>
    internal MappingState AttachPrivate(long end, long fileEnd)
    {
        long physical = Volatile.Read(ref _shared.Physical);
        Region region = Region.Reserve(Math.Max(end, physical), Protection, shared: false);
        region.MapFileTo(Math.Min(Math.Min(fileEnd, end), physical), Handle, Path);
        region.MapZerosTo(end, Path);
        var state = new MappingState(this, region, end, isPrivate: true);
        state.InitializeRef();
        FileRegistry.AddRef(this);
        Volatile.Write(ref _privates, [.. _privates, state]);
        return state;
    }

    /// <summary>
    /// Before a private state's data grows from <paramref name="from"/> to <paramref name="to"/> (under the gate): makes its pages
    /// reach <paramref name="to"/> and reads zeros in all of <c>[from, to)</c>, without publishing a new length. The whole pages
    /// past the page that holds <paramref name="from"/> that the mapping already has (they were data before a shrink) get fresh
    /// zero pages: stores made there after the shrink — through a direct view, or by a write or atomic update racing it — stay
    /// in a private mapping's own pages, where a shared mapping maps the file again, so the growth would show them as data.
    /// The rest of the page that holds <paramref name="from"/> is cleared (<see cref="ClearTail"/>).
    /// </summary>
    internal void PreparePrivateGrowth(MappingState state, long from, long to)
    {
        Region region = state.Region;
        if (!region.CanHold(to))
        {
            throw new IOException(
                $"A private mapping of '{Path}' cannot grow to {to} bytes: its address reservation holds {region.Reserved} bytes.");
        }

        long pageEnd = Region.RoundUpToPage(from);
        long accessible = (long)region.Accessible;
        if (to > pageEnd && accessible > pageEnd)
        {
            region.ZeroFrom(pageEnd, Math.Min(to, accessible), Path);
        }

        region.MapZerosTo(to, Path);
        ClearTail(state, from, to);
    }

    /// <summary>Makes a private state's data end at <paramref name="end"/>, in its own pages only (under the gate).</summary>
    internal void SetPrivateLength(MappingState state, long end)
    {
        long current = Volatile.Read(ref state.Length);
        if (end > current)
        {
            PreparePrivateGrowth(state, current, end);
            state.Grow(end);
        }
        else if (state.Cut(end))
        {
            state.Region.ZeroFrom(end, current, Path);
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
                Volatile.Write(ref _privates, Array.FindAll(_privates, other => other != state));
            }
            else if (ReferenceEquals(Shared, state))
            {
                Shared = null;
            }

            if (!state.DetachAll())
            {
                _mayTruncate = false;
            }

            if (_pendingTrim)
            {
                RetryPendingTrimLocked();
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

    /// <summary>
    /// Closes the descriptor and this process's view of the shared state. Called once, by the registry, when nothing in the
    /// process references the entry. The last process to close trims the file to its length.
    /// </summary>
    internal void Close()
    {
        lock (Gate)
        {
            // From here on the shared words are unmapped: a release racing with this close must not retry a trim through them.
            _closed = true;
            if (!Writable && !_shared.IsShared)
            {
                // A writer may have made the file's page since this read-only process opened the file, and closed while this
                // one was present, leaving capacity past the length: join its page now, so that a last close trims the file and
                // deletes the page, as it does for a reader that looked at the length since.
                try
                {
                    _shared.TryJoinPage();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // No page this process may join; the next process to close alone trims what is owed.
                }
            }

            if (!Writable && !_shared.IsShared)
            {
                // A read-only process with its state in its own memory: no size to trim, no page to delete, no lock needed.
                _shared.Close(last: false);
                _file.Dispose();
                return;
            }

            bool forget = false;
            try
            {
                _shared.Lock();
                if (!_shared.OthersPresent())
                {
                    if (Writable && _mayTruncate && Volatile.Read(ref _shared.Physical) > Volatile.Read(ref _shared.Length))
                    {
                        Truncate(Volatile.Read(ref _shared.Length));
                    }
                    else if (!Writable && Volatile.Read(ref _shared.Physical) > Volatile.Read(ref _shared.Length))
                    {
                        if (Platform.IsWindows)
                        {
                            TrimAsLastReaderWindows(Volatile.Read(ref _shared.Length));
                        }
                        else if (_mayTruncate)
                        {
                            TrimAsLastReader(Volatile.Read(ref _shared.Length));
                        }
                    }

                    // The page may go once the file on disk says all it says; a truncation still owed (by a process that
                    // could not make it) keeps the page for the next process that can.
                    forget = Volatile.Read(ref _shared.Physical) == Volatile.Read(ref _shared.Length);
                }
            }
            catch (IOException)
            {
                // Only surplus bytes stay on disk; the next process to open the file alone gives them back.
            }
            finally
            {
                _shared.Close(forget);
                _file.Dispose();
            }
        }
    }

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

    /// <summary>Maps the shared region so that <c>[0, end)</c> is file-backed (under the gate), in a larger reservation if needed.</summary>
    internal void MapShared(long end)
    {
        if (Shared is not { } shared)
        {
            return;
        }

        Region region = shared.Region;
        if (region.CanMapFileTo(end))
        {
            region.MapFileTo(end, Handle, Path);
        }
        else
        {
            // Past the reservation (or, on Windows, past a view that ends off the 64 KiB grid): map the file again in a larger
            // one. The old region keeps mapping the same file pages (shared, so coherent) for views and racing accesses until
            // it is unreachable.
            shared.MoveTo(MapWholeFile(Handle, end, Writable, Path));
        }

        // A cut replaced the file pages of the old regions too (CutSharedAt): they map the file again as far as they reach, so
        // that views made on them see the file's bytes after a shrink and a regrowth, as views of the current region do.
        foreach (Region retired in shared.Retired)
        {
            retired.MapFileAgainTo(end, Handle, Path);
        }
    }

    // Starts a change of the shared sizes: lock-free if this process is solo, else under the size lock. While holding the
    // lock it becomes solo again if the other processes have gone.
    private bool EnterSizeChange()
    {
        if (_shared.TryEnterSolo())
        {
            return true;
        }

        _shared.Lock();
        try
        {
            RecoverDeadGrowth();
            _ = _shared.TryBecomeSolo();
        }
        catch
        {
            _shared.Unlock();
            throw;
        }

        return false;
    }

    private void ExitSizeChange(bool solo)
    {
        if (solo)
        {
            _shared.ExitSolo();
        }
        else
        {
            _shared.Unlock();
        }
    }

    // With the size lock held nobody is growing the file, so a pending growth belongs to a process that died halfway:
    // its reserved bytes stay (they are zeros past the length); the length it never published stays as it was.
    private void RecoverDeadGrowth()
    {
        long pending = Volatile.Read(ref _shared.Pending);
        if (pending == 0)
        {
            return;
        }

        long size = RandomAccess.GetLength(Handle);
        if (size >= Volatile.Read(ref _shared.Physical))
        {
            Volatile.Write(ref _shared.Physical, size);
        }

        Volatile.Write(ref _shared.Pending, 0);
    }

    // Adopts size changes made by programs that do not use this library (or a grower that died).
    private void ReconcileWithDisk()
    {
        long size = RandomAccess.GetLength(Handle);
        if (size == Volatile.Read(ref _shared.Physical) && Volatile.Read(ref _shared.Pending) == 0)
        {
            return;
        }

        bool solo = EnterSizeChange();
        try
        {
            size = RandomAccess.GetLength(Handle);
            long physical = Volatile.Read(ref _shared.Physical);
            if (size > physical)
            {
                // Someone appended with plain file I/O: what they wrote is data.
                Volatile.Write(ref _shared.Physical, size);
                RaiseHighWater(size);
                Volatile.Write(ref _shared.Length, size);
            }
            else if (size < physical)
            {
                // Someone truncated the file: stop mapping what is gone before anything touches it.
                _shared.AdoptSmallerSize(size);
                Shared?.Cut(size);
                foreach (MappingState state in Privates)
                {
                    state.Cut(size);
                }

                CutMappingsAt(size);
            }
        }
        finally
        {
            ExitSizeChange(solo);
        }
    }

    // Makes the file at least `required` bytes long on disk, growing it to `target`, and maps it (under a size change).
    private void EnsureCapacity(long required, long target)
    {
        long physical = Volatile.Read(ref _shared.Physical);
        if (required > physical)
        {
            try
            {
                target = ReserveBlocks(physical, required, target);
                CrashPoints.Hit(CrashPoints.GrowReserved);
                try
                {
                    MapShared(target);
                }
                catch (IOException)
                {
                    // A failed growth changes nothing: give the blocks back.
                    try
                    {
                        NativeFile.Truncate(Handle, physical, Path);
                    }
                    catch (IOException)
                    {
                        // The blocks stay on disk (Windows cannot cut a file while it is mapped): count them as capacity,
                        // zeros past the length, so that they are never taken for another writer's data. The next growth
                        // maps them before anything is published over them.
                        Volatile.Write(ref _shared.Physical, target);
                    }

                    throw;
                }

                Volatile.Write(ref _shared.Physical, target);
            }
            finally
            {
                Volatile.Write(ref _shared.Pending, 0);
            }
        }

        MapShared(Math.Max(required, Volatile.Read(ref _shared.Physical)));
    }

    // Grows the file on disk from `physical` to `target`, announcing the growth in the shared words first; when the growth
    // policy's surplus does not fit on the disk, to `required` only, as a FileStream write would (a failure then is the
    // write's own). Returns the new size on disk.
    private long ReserveBlocks(long physical, long required, long target)
    {
        Volatile.Write(ref _shared.Pending, target);
        try
        {
            NativeFile.Grow(Handle, physical, target, Path);
            return target;
        }
        catch (IOException) when (target > required)
        {
            Volatile.Write(ref _shared.Pending, required);
            NativeFile.Grow(Handle, physical, required, Path);
            return required;
        }
    }

    // Bytes in [from, to) may still hold what a shrink cut off (up to the high-water mark): zero them, keeping their blocks.
    private void ZeroCutBytes(long from, long to)
    {
        long end = Math.Min(to, Volatile.Read(ref _shared.HighWater));
        if (end > from)
        {
            NativeFile.ZeroRange(Handle, from, end - from, Path);
        }
    }

    /// <summary>
    /// Clears <c>[from, to)</c> as far as the page that holds <paramref name="from"/> goes, before a growth from the end of the
    /// data at <paramref name="from"/> publishes those bytes (under the gate, with the pages mapped). They lie past the data
    /// but share a page with it, so a shrink to <paramref name="from"/> left them mapped: a write or atomic update that raced
    /// the shrink, or a direct view, may have stored into them since, and some file systems (tmpfs) keep such bytes past the
    /// end of a file and show them again when it grows.
    /// </summary>
    internal static unsafe void ClearTail(MappingState state, long from, long to)
    {
        long end = Math.Min(to, Region.RoundUpToPage(from));
        if (end > from)
        {
            new Span<byte>(MappedAccess.BeginExclusive(state, from, end - from), (int)(end - from)).Clear();
        }
    }

    private void RaiseHighWater(long end)
    {
        if (end > Volatile.Read(ref _shared.HighWater))
        {
            Volatile.Write(ref _shared.HighWater, end);
        }
    }

    // Under a size change: truncates the file to `target` if no other process has it open and no private mapping here maps
    // past it; otherwise leaves the truncation pending (the last process to close, or a later flush, does it).
    private void TryTrim(long target, bool solo)
    {
        if (!Writable)
        {
            return;
        }

        if (Volatile.Read(ref _shared.Physical) <= target)
        {
            // Nothing past the data to cut (a regrowth overtook a waiting truncation): no later release retries it.
            _pendingTrim = false;
            return;
        }

        // Windows can truncate only when no process maps the file (see MapsNothingWindows).
        bool blocked = Platform.IsWindows
            ? !_mayTruncate || (!solo && _shared.OthersPresent()) || !MapsNothingWindows()
            : !_mayTruncate || IsPinnedBeyond(target) || (!solo && _shared.OthersPresent());
        if (blocked)
        {
            _pendingTrim = true;
            return;
        }

        try
        {
            Truncate(target);
        }
        catch (IOException)
        {
            // The data is intact and correct; only surplus bytes stay on disk. Retried later.
            _pendingTrim = true;
        }
    }

    /// <summary>
    /// Under the size lock, alone, with this process's pages detached: a read-only process is the last to close a file whose
    /// size on disk is past its length (capacity or a shrink that a writer could not give back while this process mapped the
    /// file). It trims the file as the writer would have, through a second descriptor that can write, if the file's
    /// permissions allow one; otherwise the zeros past the length stay on disk until the next process that writes the file
    /// closes it alone, and every process using the library keeps reading the length.
    /// </summary>
    private void TrimAsLastReader(long target)
    {
        SafeFileHandle writable;
        try
        {
            writable = NativeFile.Reopen(Handle, Path, writable: true);
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        using (writable)
        {
            CrashPoints.Hit(CrashPoints.TrimLocked);
            NativeFile.Truncate(writable, target, Path);
        }

        Volatile.Write(ref _shared.Physical, target);
        Volatile.Write(ref _shared.HighWater, target);
    }

    private void Truncate(long target)
    {
        CrashPoints.Hit(CrashPoints.TrimLocked);
        CutMappingsAt(target);
        NativeFile.Truncate(Handle, target, Path);
        CrashPoints.Hit(CrashPoints.TrimTruncated);
        Volatile.Write(ref _shared.Physical, target);
        Volatile.Write(ref _shared.HighWater, Math.Max(target, Volatile.Read(ref _shared.Length)));
        _pendingTrim = false;
    }

    private void RetryPendingTrimLocked()
    {
        if (_closed || !_pendingTrim || !Writable)
        {
            return;
        }

        try
        {
            bool solo = EnterSizeChange();
            try
            {
                TryTrim(Volatile.Read(ref _shared.Length), solo);
            }
            finally
            {
                ExitSizeChange(solo);
            }
        }
        catch (IOException)
        {
            // Still pending; retried at the next release, flush or close.
        }
    }

    private bool IsPinnedBeyond(long target)
    {
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

    // A new region whose file pages reach `end`, shared with the file when `writable`, else copy-on-write.
    private static Region MapWholeFile(SafeFileHandle file, long end, bool writable, string path)
    {
        Region region = Region.Reserve(end, Protection, shared: writable);
        region.MapFileTo(end, file, path);
        return region;
    }

    // Replaces this process's shared pages from `end` on by zero pages, so views and racing accesses stop touching the file.
    private void CutSharedAt(long end)
    {
        if (Shared is { } shared)
        {
            shared.Region.CutFileAt(end, Path);
            foreach (Region retired in shared.Retired)
            {
                retired.CutFileAt(end, Path);
            }
        }
    }

    // Cuts the shared mapping's pages past end; false, with the length already lowered, if they could not all be replaced.
    private bool TryCutSharedAt(long end)
    {
        try
        {
            CutSharedAt(end);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void CutMappingsAt(long end)
    {
        CutSharedAt(end);
        foreach (MappingState state in Privates)
        {
            state.Region.CutFileAt(end, Path);
        }
    }
}
