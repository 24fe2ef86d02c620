using System;
using System.IO;
using System.Threading;
using Emmap.Streams.Native;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// A read-only stream's file before it is mapped (Linux). Mapping a file costs an address-space reservation, the file
/// mapping, a page fault on first touch and the unmapping at the end: several times an open, a read and a close through the
/// file system. So <c>MappedFileStream.Open</c> of a whole file for reading, when no process using the library writes the
/// file, keeps only its own descriptor and serves the stream's first reads with <c>pread</c>. The stream maps the file at
/// the first call that needs mapped memory, at the read after <see cref="ReadsBeforeMapping"/>, or at a read past the known
/// length that finds a writer has come.
/// </summary>
/// <remarks>
/// <para><b>Why the bytes read are data.</b> The known length is the file's size read under the shared size lock while no
/// shared page exists and no handle of this process maps the file: no process using the library holds growth capacity
/// (surplus zeros) in the file then, because a writer creates the page before it grows the file and the last one deletes it
/// only after trimming the file to its length, both under the exclusive size lock. The descriptor takes the presence lock
/// before that read and keeps it, so no process using the library truncates the file (and could grow surplus over the
/// known bytes) while the stream is open: a writer that comes later sees a process present, as it sees a mapping reader.
/// An entry of this process takes the presence over (the stream's is withdrawn); a stream whose mapping then fails takes it
/// back with the same checks once no entry and no page is left.</para>
/// <para><b>Threads.</b> Reads run concurrently (<c>pread</c> on a descriptor the runtime keeps open while a read uses it). A
/// refresh of the known length, the mapping and the disposal take <see cref="Gate"/>, because the descriptor's locks are
/// one owner for all threads.</para>
/// </remarks>
internal sealed class DeferredMapping
{
    /// <summary>The number of reads served from the file before the stream maps it.</summary>
    internal const int ReadsBeforeMapping = 8;

    private long _length;
    private int _reads;
    private bool _disposed;
    // 0 while the presence lock is withdrawn; otherwise the number of the period it has been held in, so that a read can tell
    // it held for the whole read, not given up and taken back meanwhile (see TryReclaimPresence).
    private int _present = 1;
    private bool _handedOver;
    private bool _mapped;
    private int _period = 1;

    private DeferredMapping(SafeFileHandle handle, string path, FileIdentity identity, string pagePath, long length)
    {
        Handle = handle;
        Path = path;
        Identity = identity;
        PagePath = pagePath;
        _length = length;
    }

    /// <summary>Gets the lock that orders refreshes, the mapping and the disposal.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>
    /// Gets the stream's own open of the file: it holds the sharing lock and, until the mapping, the presence lock. Closed once
    /// the mapping's descriptor takes the sharing lock over (<see cref="HandOver"/>).
    /// </summary>
    internal SafeFileHandle Handle { get; }

    /// <summary>Gets the full path of the file.</summary>
    internal string Path { get; }

    /// <summary>Gets the identity of the open file.</summary>
    internal FileIdentity Identity { get; }

    /// <summary>Gets where the file's shared page is when a process using the library writes the file.</summary>
    private string PagePath { get; }

    /// <summary>Gets the length of the data as the stream last read it.</summary>
    internal long KnownLength => Volatile.Read(ref _length);

    /// <summary>Gets whether the mapping's descriptor took over the sharing lock and <see cref="Handle"/> is closed.</summary>
    internal bool HandedOver => Volatile.Read(ref _handedOver);

    /// <summary>Gets whether the stream was disposed before it mapped the file (under the gate).</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>
    /// Registers <paramref name="handle"/> as present and returns the deferred state if the file may be read without a mapping:
    /// it is a regular file, no process using the library has a shared page for it, and no handle of this process maps it.
    /// Otherwise undoes the registration and returns <see langword="null"/>, and the caller maps at once. Never throws for a
    /// lock the file system refuses: mapping at once handles that case.
    /// </summary>
    internal static DeferredMapping? TryCreate(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        long presence = SharedFileState.PresenceByte;
        DeferredMapping? created = null;
        try
        {
            // The presence byte follows the size byte on Linux: one lock takes both.
            RangeLocks.LockSharedAndRegister(handle, SharedFileState.LockRangeStart, path);
            FileStatus status;
            string? pagePath = null;
            bool deferrable = false;
            try
            {
                status = NativeFile.GetStatus(handle, path);
                if (status.IsRegular)
                {
                    pagePath = SharedFileState.PagePath(status.Identity);
                    deferrable = !SharedFileState.PageExists(pagePath);
                }

                Testing.CrashPoints.Hit(Testing.CrashPoints.DeferredOpenLocked);

                // Recorded before the size lock goes: a writer of this process joins the file under the exclusive size lock, so
                // its entry either exists now (and the registry refuses) or is made after this and withdraws the stream's
                // presence when it attaches. Recorded after the size lock, a writer could open, grow the file and close in
                // between, taking this presence for another process's: it would neither trim the file nor delete its page.
                // The registry's lock may be asked for here: whoever holds it waits for nothing.
                if (deferrable)
                {
                    var deferred = new DeferredMapping(handle, path, status.Identity, pagePath!, status.Size);
                    deferrable = FileRegistry.TryAddDeferred(deferred);
                    if (deferrable)
                    {
                        created = deferred;
                    }
                }
            }
            finally
            {
                if (!deferrable)
                {
                    // Given up before the size lock, as a closing entry gives up its own: a writer's entry closing next must
                    // not take this open for another process.
                    RangeLocks.WithdrawPresence(handle, presence);
                }

                RangeLocks.Unlock(handle, SharedFileState.LockRangeStart);
            }

            Testing.CrashPoints.Hit(Testing.CrashPoints.DeferredOpenUnlocked);
        }
        catch (IOException)
        {
            // No byte-range locks here, or the file system refused a look: the mapping's own join decides.
        }
        finally
        {
            if (created is null)
            {
                RangeLocks.WithdrawPresence(handle, presence);
            }
        }

        return created;
    }

    /// <summary>
    /// Reads at <paramref name="position"/> from the file, clipped to the known length, or returns -1 when the stream must map
    /// the file first (enough reads were served this way, another handle of this process maps the file, or a read past the
    /// known length found a writer).
    /// </summary>
    /// <returns>The bytes read (fewer than asked at the end of the data), or -1.</returns>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    internal int Read(long position, Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, typeof(MappedFileStream));
        int presence = Volatile.Read(ref _present);
        if (Interlocked.Increment(ref _reads) > ReadsBeforeMapping || presence == 0 || FileRegistry.Contains(Identity))
        {
            // A handle of this process maps the file now: its length is this process's at once, as for every other handle.
            return -1;
        }

        long known = Volatile.Read(ref _length);
        if (buffer.Length != 0 && position > known - buffer.Length && !TryRefresh(out known))
        {
            return -1;
        }

        int count = (int)Math.Clamp(known - position, 0, buffer.Length);
        int total = 0;
        Testing.CrashPoints.Hit(Testing.CrashPoints.DeferredRead);
        try
        {
            while (total < count)
            {
                // A shorter file than known (cut by a program that does not use the library) ends the read where its data ends.
                int read = RandomAccess.Read(Handle, buffer[total..count], position + total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }
        catch (ObjectDisposedException) when (HandedOver && !IsDisposed)
        {
            // Another thread mapped the file and closed the descriptor meanwhile: the read goes through the mapping.
            return -1;
        }

        // A writer that came while the read ran (another process's page, a handle of this process, which also ends this
        // stream's presence) may have cut the file or grown capacity over the range, so the bytes are data only if none had come
        // when the read ended: writers make their page or entry before they change the file. Otherwise the read is made again
        // through the mapping, which sees the length every handle agrees on. The presence is looked at last: while it holds, no
        // writer's page can go (the stream counts as another process), and it is given up only after the flag is cleared, so a
        // stream still present after the other two looks, in the same period as when the read began, was present for the whole
        // read, and no writer's session or entry ended unseen in between.
        return FileRegistry.Contains(Identity) || SharedFileState.PageExists(PagePath) || Volatile.Read(ref _present) != presence ? -1 : total;
    }

    /// <summary>
    /// Reads as <see cref="Read"/> does after the stream's mapping failed, and counts the reads before the next try from 0 again.
    /// A stream whose presence was withdrawn (a handle of this process mapped the file, or a writable open of this process
    /// changed its length or failed) takes it back first if it can, as its open took it: -1 if the stream may not read through
    /// its own descriptor (the caller then reports the mapping's failure).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    internal int ReadAfterFailedMapping(long position, Span<byte> buffer)
    {
        _ = Interlocked.Exchange(ref _reads, 0);
        return IsPresent || TryReclaimPresence() ? Read(position, buffer) : -1;
    }

    /// <summary>Records that the stream mapped the file (under the gate): its presence, once withdrawn, is never taken back.</summary>
    internal void MarkMapped() => Volatile.Write(ref _mapped, true);

    /// <summary>
    /// Takes the presence lock back once no handle of this process has the file's entry and no process using the library writes
    /// the file: the checks of the open, under the shared size lock, so the size read then is the length again. A new period of
    /// presence begins, and a read that began in an earlier one is made again.
    /// </summary>
    private bool TryReclaimPresence()
    {
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(MappedFileStream));
            if (IsPresent)
            {
                return true;
            }

            if (!OperatingSystem.IsLinux() || _mapped || _handedOver || FileRegistry.Contains(Identity))
            {
                return false;
            }

            try
            {
                RangeLocks.LockSharedAndRegister(Handle, SharedFileState.LockRangeStart, Path);
            }
            catch (IOException)
            {
                return false;
            }

            bool writerless = false;
            try
            {
                writerless = TryReadLengthWithoutWriter();
                if (writerless)
                {
                    // Present before recorded: a withdrawal between the two finds the stream present and undoes both. Recorded
                    // before the size lock goes, as at the open, so that a writer of this process that comes next withdraws the
                    // presence; the registry refuses once an entry for the file exists.
                    _period = _period == int.MaxValue ? 1 : _period + 1;
                    Volatile.Write(ref _present, _period);
                    if (!FileRegistry.TryAddDeferred(this))
                    {
                        Volatile.Write(ref _present, 0);
                        writerless = false;
                    }
                }
            }
            catch (IOException)
            {
                // No look at the file: the stream maps, and reports what that finds.
            }
            finally
            {
                if (!writerless)
                {
                    // Given up before the size lock: a writer's entry closing next must not take this stream for another
                    // process and keep its page and its surplus.
                    RangeLocks.WithdrawPresence(Handle, SharedFileState.PresenceByte);
                }

                RangeLocks.Unlock(Handle, SharedFileState.LockRangeStart);
            }

            return writerless;
        }
    }

    /// <summary>
    /// Gets the length of the data as <c>FileStream.Length</c> does, from the file's size, if no process using the library
    /// writes the file and no handle of this process maps it; false when the stream must map the file to learn it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    internal bool TryGetLength(out long length) => TryRefresh(out length);

    /// <summary>Gets whether the stream's own descriptor still holds the presence lock.</summary>
    private bool IsPresent => Volatile.Read(ref _present) != 0;

    /// <summary>
    /// Gives up the presence lock once an entry of this process holds its own: this stream's mapping, or any other handle's
    /// entry for the file (the registry calls this once a mapping through the entry is attached), so that a writer of this
    /// process is not kept from trimming the file by a reader of its own process. Any thread; the stream's next read maps the
    /// file.
    /// </summary>
    internal void WithdrawPresence()
    {
        if (Interlocked.Exchange(ref _present, 0) == 0)
        {
            return;
        }

        FileRegistry.RemoveDeferred(this);
        try
        {
            RangeLocks.WithdrawPresence(Handle, SharedFileState.PresenceByte);
        }
        catch (ObjectDisposedException)
        {
            // The stream was disposed meanwhile: the presence lock went with its descriptor.
        }
    }

    /// <summary>
    /// Closes the stream's own descriptor once the mapping's descriptor holds the sharing lock in its place (under the gate).
    /// Its presence lock goes with it: the entry holds its own. A read still in <c>pread</c> on it finishes first (the runtime
    /// keeps a descriptor open while a call uses it); one that starts later finds it closed and reads through the mapping.
    /// </summary>
    internal void HandOver()
    {
        if (Interlocked.Exchange(ref _present, 0) != 0)
        {
            FileRegistry.RemoveDeferred(this);
        }

        Volatile.Write(ref _handedOver, true);
        Handle.Dispose();
    }

    /// <summary>
    /// Gets whether a process using the library has made the file's page since the open, while no handle of this process maps
    /// the file and the stream is still present: a writer came and went through the page.
    /// </summary>
    internal bool WriterCameSince() =>
        !IsDisposed && !HandedOver && IsPresent && !FileRegistry.Contains(Identity) && SharedFileState.PageExists(PagePath);

    /// <summary>Marks the deferred state disposed (under the gate); false if it already was.</summary>
    internal bool MarkDisposed()
    {
        if (_disposed)
        {
            return false;
        }

        Volatile.Write(ref _disposed, true);
        FileRegistry.RemoveDeferred(this);
        return true;
    }

    /// <summary>
    /// Reads the length again after a read reached past it: the file's size, if still no process using the library writes it
    /// and no handle of this process maps it; false when the stream must map the file to see the length every process agrees on.
    /// </summary>
    private bool TryRefresh(out long known)
    {
        known = 0;
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(MappedFileStream));
            if (!IsPresent || FileRegistry.Contains(Identity))
            {
                return false;
            }

            try
            {
                RangeLocks.Lock(Handle, SharedFileState.LockRangeStart, shared: true, Path);
            }
            catch (IOException)
            {
                return false;
            }

            try
            {
                if (!TryReadLengthWithoutWriter())
                {
                    return false;
                }

                known = Volatile.Read(ref _length);
                return true;
            }
            finally
            {
                RangeLocks.Unlock(Handle, SharedFileState.LockRangeStart);
            }
        }
    }

    /// <summary>
    /// Under the shared size lock: takes the file's size as the length if no process using the library writes the file (it has
    /// no page, so nobody holds growth capacity in it); false otherwise.
    /// </summary>
    private bool TryReadLengthWithoutWriter()
    {
        if (SharedFileState.PageExists(PagePath))
        {
            return false;
        }

        Volatile.Write(ref _length, NativeFile.GetStatus(Handle, Path).Size);
        return true;
    }
}
