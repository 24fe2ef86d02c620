using System;
using System.Globalization;
using System.IO;
using System.Threading;
using Emmap.Streams.Native;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The state every process that maps a file shares about it: one page of shared memory (a file in <c>/dev/shm</c>, named
/// after the data file's device, inode and birth time) holding the file's length, its physical size and the high-water
/// mark of its length, plus byte-range locks on that page's file that coordinate size changes between processes.
/// </summary>
/// <remarks>
/// <para><b>Words.</b> <see cref="Length"/> is the end of the data as every process agrees on it. <see cref="Physical"/> is
/// the file's size on disk as the library made it (at least <see cref="Length"/>; the surplus is growth capacity).
/// <see cref="HighWater"/> is the largest length since the file was last trimmed: bytes in
/// <c>[Length, HighWater)</c> may hold data a shrink cut off, so growing over them zeroes them first.
/// <see cref="Pending"/> is the physical size a growth in progress is heading for, so that a grower that died halfway is
/// recognised.</para>
/// <para><b>Who may change them.</b> Either the holder of the size lock, or the one process in <em>solo mode</em> (the
/// only process with the file open), inside an in-flight window: it raises <see cref="InFlight"/>, fences, and checks that
/// <see cref="Solo"/> still names it. A process that opens the file while another is solo clears <see cref="Solo"/> under
/// the size lock and waits for <see cref="InFlight"/> to drop, so a solo process appends without any system call while it
/// is alone, and everyone takes the lock as soon as it is not.</para>
/// <para><b>Lifetime.</b> Every process holds a presence lock while it has the file open. The last one to close (the only
/// one present) trims the data file to <see cref="Length"/> and deletes the page. A page left by processes that were all
/// killed is reused by the next opener when its words still match the data file, and rebuilt from the file's size otherwise.
/// When the page cannot be created (no writable <c>/dev/shm</c> or temporary directory), the state is kept in process
/// memory: everything works, but only within this process.</para>
/// </remarks>
internal sealed unsafe class SharedFileState : IDisposable
{
    private const int PageSize = 4096;
    private const ulong Magic = 0x3142_5350_4D4D_4545; // "EEMMPSB1"
    private const long SizeLockByte = 0;
    private const long PresenceByte = 64;

    private const int MagicOffset = 0;
    private const int DeviceOffset = 16;
    private const int InodeOffset = 24;
    private const int BirthOffset = 32;
    private const int LengthOffset = 64;
    private const int PhysicalOffset = 72;
    private const int HighWaterOffset = 80;
    private const int PendingOffset = 88;
    private const int SoloOffset = 128;
    private const int InFlightOffset = 192;

    private readonly byte* _page;
    private readonly SafeFileHandle? _file;
    private readonly string? _pagePath;
    private readonly string _dataPath;
    private bool _disposed;

    private SharedFileState(byte* page, SafeFileHandle? file, string? pagePath, string dataPath)
    {
        _page = page;
        _file = file;
        _pagePath = pagePath;
        _dataPath = dataPath;
    }

    /// <summary>Gets whether the state is shared with other processes (false: kept in this process's memory).</summary>
    internal bool IsShared => _file is not null;

    /// <summary>Gets the end of the data, in file coordinates.</summary>
    internal ref long Length => ref *(long*)(_page + LengthOffset);

    /// <summary>Gets the size of the file on disk as the library made it.</summary>
    internal ref long Physical => ref *(long*)(_page + PhysicalOffset);

    /// <summary>Gets the largest length since the file was last trimmed.</summary>
    internal ref long HighWater => ref *(long*)(_page + HighWaterOffset);

    /// <summary>Gets the physical size a growth in progress is heading for, or 0.</summary>
    internal ref long Pending => ref *(long*)(_page + PendingOffset);

    /// <summary>Gets the process word (<see cref="ProcessStamp"/>) of the solo process, or 0.</summary>
    internal ref long Solo => ref *(long*)(_page + SoloOffset);

    /// <summary>Gets 1 while the solo process is changing sizes without the lock.</summary>
    internal ref long InFlight => ref *(long*)(_page + InFlightOffset);

    /// <summary>
    /// Opens (creating if needed) the shared state of the data file <paramref name="identity"/>, registers this process as
    /// present, and, if no other process is, makes this process solo and reconciles the words with the file's size
    /// <paramref name="dataSize"/>. Falls back to process memory when the page cannot be created.
    /// </summary>
    internal static SharedFileState Open(FileIdentity identity, long dataSize, string dataPath)
    {
        string? directory = PageDirectory();
        if (directory is not null)
        {
            string pagePath = System.IO.Path.Combine(
                directory,
                string.Create(CultureInfo.InvariantCulture, $"emmap-{identity.Device:x}-{identity.Inode:x}-{identity.Birth:x}"));
            SharedFileState? shared = TryOpenShared(pagePath, identity, dataSize, dataPath);
            if (shared is not null)
            {
                return shared;
            }
        }

        var local = new SharedFileState((byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(PageSize), null, null, dataPath);
        local.Initialize(identity, dataSize);
        local.Solo = ProcessStamp.Current;
        return local;
    }

    /// <summary>Takes the size lock (waits for other processes). No-op for a process-local state.</summary>
    internal void Lock()
    {
        if (_file is not null)
        {
            RangeLocks.Lock(_file, SizeLockByte, _dataPath);
        }
    }

    /// <summary>Releases the size lock.</summary>
    internal void Unlock()
    {
        if (_file is not null)
        {
            RangeLocks.Unlock(_file, SizeLockByte);
        }
    }

    /// <summary>True if another live process has the file open.</summary>
    internal bool OthersPresent() => _file is not null && RangeLocks.OthersPresent(_file, PresenceByte, _dataPath);

    /// <summary>
    /// Starts a lock-free size change if this process is solo: raises <see cref="InFlight"/> and confirms, after a full
    /// fence, that the solo word still names this process. Returns false (and lowers the flag) otherwise.
    /// </summary>
    internal bool TryEnterSolo()
    {
        long me = ProcessStamp.Current;
        if (Volatile.Read(ref Solo) != me)
        {
            return false;
        }

        Volatile.Write(ref InFlight, 1);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref Solo) == me)
        {
            return true;
        }

        Volatile.Write(ref InFlight, 0);
        return false;
    }

    /// <summary>Ends a size change started by <see cref="TryEnterSolo"/>.</summary>
    internal void ExitSolo() => Volatile.Write(ref InFlight, 0);

    /// <summary>
    /// Under the size lock: makes this process solo if no other process is present. Returns true if it is solo afterwards.
    /// </summary>
    internal bool TryBecomeSolo()
    {
        long me = ProcessStamp.Current;
        if (Volatile.Read(ref Solo) == me)
        {
            return true;
        }

        if (OthersPresent())
        {
            return false;
        }

        Volatile.Write(ref InFlight, 0);
        Volatile.Write(ref Solo, me);
        return true;
    }

    /// <summary>
    /// Under the size lock, when the caller is about to share the file with a solo process: clears the solo word and waits
    /// until the solo process has finished the size change it may be in the middle of (or is found dead).
    /// </summary>
    internal void RevokeSolo()
    {
        long holder = Interlocked.Exchange(ref Solo, 0);
        if (holder == 0 || holder == ProcessStamp.Current)
        {
            return;
        }

        var spin = new SpinWait();
        while (Volatile.Read(ref InFlight) != 0)
        {
            if (spin.Count > 100 && !ProcessStamp.IsAlive(holder))
            {
                Volatile.Write(ref InFlight, 0);
                break;
            }

            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    /// <summary>
    /// Closes this process's view of the state. With <paramref name="unlinkPage"/> (the caller holds the size lock and is
    /// the last process), deletes the page first so the next opener starts afresh from the file.
    /// </summary>
    internal void Close(bool unlinkPage)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_file is null)
        {
            System.Runtime.InteropServices.NativeMemory.Free(_page);
            return;
        }

        if (unlinkPage && _pagePath is not null)
        {
            _ = Libc.Unlink(_pagePath);
        }

        Mmap.Release(_page, PageSize);
        _file.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => Close(unlinkPage: false);

    private static string? PageDirectory()
    {
        if (OperatingSystem.IsLinux() && Directory.Exists("/dev/shm"))
        {
            return "/dev/shm";
        }

        // macOS: /tmp is shared by all users of the machine (the per-user temporary directory is not).
        if (OperatingSystem.IsMacOS() && Directory.Exists("/tmp"))
        {
            return "/tmp";
        }

        return System.IO.Path.GetTempPath();
    }

    private static SharedFileState? TryOpenShared(string pagePath, FileIdentity identity, long dataSize, string dataPath)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            SafeFileHandle file;
            try
            {
                file = File.OpenHandle(pagePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            SharedFileState? state = null;
            bool locked = false;
            try
            {
                using (DescriptorLease descriptor = DescriptorLease.Of(file))
                {
                    // Any user who may map the data file must be able to take the locks: the page is world-writable (best
                    // effort: only its owner may change the mode).
                    _ = Libc.ChangeMode(descriptor.Value, 0x1B6);
                }

                RangeLocks.Lock(file, SizeLockByte, dataPath);
                locked = true;
                FileStatus status = NativeFile.GetStatus(file, pagePath);
                if (status.Links == 0)
                {
                    // The last process deleted this page while we waited for the lock: open the new one.
                    continue;
                }

                if (status.Size < PageSize)
                {
                    NativeFile.Grow(file, status.Size, PageSize, pagePath);
                }

                byte* page = Mmap.MapShared(file, PageSize, pagePath);
                state = new SharedFileState(page, file, pagePath, dataPath);
                bool alone = !state.OthersPresent();
                RangeLocks.RegisterPresence(file, PresenceByte, dataPath);
                if (alone)
                {
                    state.Reconcile(identity, dataSize);
                    Volatile.Write(ref state.InFlight, 0);
                    Volatile.Write(ref state.Solo, ProcessStamp.Current);
                }
                else
                {
                    state.RevokeSolo();
                }

                RangeLocks.Unlock(file, SizeLockByte);
                locked = false;
                return state;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // No room or no right to share the state (a full /dev/shm, a page made by another user): stay process-local.
                state = null;
                return null;
            }
            finally
            {
                if (state is null)
                {
                    if (locked)
                    {
                        RangeLocks.Unlock(file, SizeLockByte);
                    }

                    file.Dispose();
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Alone, under the size lock: keeps the words of a page whose processes all died if they still describe the data file
    /// (same identity, the physical size they recorded is the file's size, or a growth in progress explains it); otherwise
    /// rebuilds them from the file's size.
    /// </summary>
    private void Reconcile(FileIdentity identity, long dataSize)
    {
        bool same = *(ulong*)(_page + MagicOffset) == Magic
            && *(ulong*)(_page + DeviceOffset) == identity.Device
            && *(ulong*)(_page + InodeOffset) == identity.Inode
            && *(long*)(_page + BirthOffset) == identity.Birth;
        long physical = Physical;
        long pending = Pending;
        bool explained = physical == dataSize || (pending != 0 && dataSize >= physical && dataSize <= pending);
        if (same && explained && Length >= 0 && Length <= dataSize && HighWater >= Length && HighWater <= dataSize)
        {
            Physical = dataSize;
            Pending = 0;
            return;
        }

        Initialize(identity, dataSize);
    }

    private void Initialize(FileIdentity identity, long dataSize)
    {
        new Span<byte>(_page, PageSize).Clear();
        *(ulong*)(_page + DeviceOffset) = identity.Device;
        *(ulong*)(_page + InodeOffset) = identity.Inode;
        *(long*)(_page + BirthOffset) = identity.Birth;
        Length = dataSize;
        Physical = dataSize;
        HighWater = dataSize;
        Volatile.Write(ref *(ulong*)(_page + MagicOffset), Magic);
    }
}
