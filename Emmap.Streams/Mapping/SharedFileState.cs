using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using Emmap.Streams.Native;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The state every process that maps a file shares about it: one page of shared memory (a file in <c>/dev/shm</c>, named
/// after the data file's device, inode and birth time) holding the file's length, its physical size and the high-water
/// mark of its length, plus byte-range locks that coordinate size changes and tell who else has the file open.
/// </summary>
/// <remarks>
/// <para><b>Words.</b> <see cref="Length"/> is the end of the data as every process agrees on it. <see cref="Physical"/> is
/// the file's size on disk as the library made it (at least <see cref="Length"/>; the surplus is growth capacity).
/// <see cref="HighWater"/> is the largest length since the file was last trimmed: bytes in
/// <c>[Length, HighWater)</c> may hold data a shrink cut off, so growing over them zeroes them first.
/// <see cref="Pending"/> is the physical size a growth in progress is heading for, so that a grower that died halfway is
/// recognised. The shrink counter (<see cref="ShrinksAddress"/>) counts the shrinks made while another process was
/// present, so that a write made through a length read before one of them is found and made again
/// (<see cref="Emmap.Streams.Native.ShrinkBarrier"/>).</para>
/// <para><b>Locks.</b> On Linux they are open-file-description locks on the data file's own descriptor, on two bytes far
/// past any data (<c>2^62</c>): every process holds a shared <em>presence</em> lock while it has the file open, and size
/// changes hold the exclusive <em>size</em> lock (a read-only process takes it shared while it opens or closes, which is
/// all it needs and all its descriptor allows). The kernel drops them when a process dies, so a process killed with
/// SIGKILL never blocks the others. No descriptor is kept for the page itself. On macOS, which has no such locks, they are
/// <c>lockf</c> locks on the page's file, kept open.</para>
/// <para><b>Who may change the words.</b> Either the holder of the size lock, or the one process in <em>solo mode</em>
/// (the only process with the file open), inside an in-flight window: it raises <see cref="InFlight"/>, fences, and checks
/// that <see cref="Solo"/> still names it. A process that opens the file while another is solo clears <see cref="Solo"/>
/// and waits for <see cref="InFlight"/> to drop (or the holder to be found dead), so a solo process appends without any
/// system call while it is alone, and everyone takes the lock as soon as it is not.</para>
/// <para><b>Lifetime.</b> A process that writes creates the page; a read-only one only uses a page that exists. The last
/// process to close (the only one present) trims the data file to <see cref="Length"/> and deletes the page. A page left
/// by processes that were all killed is reused by the next opener when its words still describe the data file (and the
/// file holds only zeros past <see cref="HighWater"/>, where the library never writes), and rebuilt from the file's size
/// otherwise. When no page can be created (no writable <c>/dev/shm</c> or temporary directory), the
/// state is kept in process memory: everything works, but only within this process.</para>
/// </remarks>
internal sealed unsafe partial class SharedFileState
{
    private const int PageSize = 4096;
    private const ulong Magic = 0x3142_5350_4D4D_4545; // "EEMMPSB1"
    private const int PageMode = 0x1B6; // 0666: every user who may map the data file must be able to write the page.

    // Lock bytes: in the data file's lock space on Linux and Windows (far past any data, and on Windows, where locks are
    // mandatory for file I/O, past every byte the library reads or writes), in the page's on macOS. On Windows and macOS
    // presence is a byte per process from the presence byte on (see RangeLocks).
    private static readonly long s_sizeLockByte = LocksOnDataFile ? 1L << 62 : 0;
    private static readonly long s_presenceByte = s_sizeLockByte + (OperatingSystem.IsLinux() ? 1 : 64);

    private const int MagicOffset = 0;
    private const int DeviceOffset = 16;
    private const int InodeOffset = 24;
    private const int BirthOffset = 32;
    private const int LengthOffset = 64;
    private const int PhysicalOffset = 72;
    private const int HighWaterOffset = 80;
    private const int PendingOffset = 88;
    private const int ShrinksOffset = 96;
    private const int SoloOffset = 128;
    private const int InFlightOffset = 192;
    private const int PathLengthOffset = 256;
    private const int PathOffset = 512;

    // How much of each end of the bytes past the high-water mark a reconcile reads (WrittenPastHighWater).
    private const int ScanBytes = 64 * 1024;

    // The counter of shrinks that a state without a shared page hands out (a process-local page, Windows): never raised, and
    // never freed, so a write that reads it after its stream's file closed reads memory that is there.
    private static readonly long* s_noShrinks = (long*)NativeMemory.AllocZeroed(sizeof(long));

    // Pages are collected at most once per process, from its first open.
    private static int s_collected;

    // Where pages live, looked up once per process.
    private static string? s_pageDirectory;

    // Looks for pages that do not exist, remembered (Unix; created at the first look).
    private static NegativeLookupCache? s_pageLooks;

    private readonly FileIdentity _identity;
    private readonly string _pagePath;
    private readonly string _dataPath;

    private byte* _page;

    // Keeps the page this process left reachable for as long as this object is (see LeavePage).
    private RetiredPage? _retired;
    private bool _pageIsLocal;
    private SafeFileHandle? _lockFile;
    private bool _ownsLockFile;
    private bool _writable;
    private bool _closed;

    private SharedFileState(FileIdentity identity, string dataPath)
    {
        _identity = identity;
        _dataPath = dataPath;
        _pagePath = Platform.IsWindows ? PageNameWindows(identity) : PagePathUnix(identity);
    }

    // Linux and Windows lock on the data file's own handle; macOS on the page's.
    private static bool LocksOnDataFile => OperatingSystem.IsLinux() || OperatingSystem.IsWindows();

    /// <summary>Gets the first byte of the file's lock range on the data file's handle (Linux and Windows): the size lock.</summary>
    internal static long LockRangeStart => s_sizeLockByte;

    /// <summary>Gets the presence byte on the data file's handle (Linux): a shared lock on it tells that a process has the file open.</summary>
    internal static long PresenceByte => s_presenceByte;

    /// <summary>Gets the end of the file's lock range: past the last presence byte any process may take.</summary>
    internal static long LockRangeEnd => s_presenceByte + RangeLocks.PresenceReach;

    /// <summary>Gets whether the state is shared with other processes through a page (false: kept in process memory).</summary>
    internal bool IsShared => !_pageIsLocal;

    /// <summary>Gets the end of the data, in file coordinates.</summary>
    internal ref long Length => ref *(long*)(_page + LengthOffset);

    /// <summary>Gets the size of the file on disk as the library made it.</summary>
    internal ref long Physical => ref *(long*)(_page + PhysicalOffset);

    /// <summary>Gets the largest length since the file was last trimmed.</summary>
    internal ref long HighWater => ref *(long*)(_page + HighWaterOffset);

    /// <summary>Gets the physical size a growth in progress is heading for, or 0.</summary>
    internal ref long Pending => ref *(long*)(_page + PendingOffset);

    /// <summary>
    /// Gets the address a stream's write reads the shrink counter from, after its bytes are stored: the page's counter
    /// (raised by a shrinker under the size lock) while the page is shared with other processes (on Unix), otherwise a
    /// counter that never moves, since no other process can shrink the file under this one. Stays readable for as long as this object is reachable
    /// (a page this process leaves is replaced by a zero page until the finalizer, <see cref="RetiredPage"/>).
    /// </summary>
    internal nint ShrinksAddress => (nint)(_pageIsLocal || Platform.IsWindows ? s_noShrinks : (long*)(_page + ShrinksOffset));

    /// <summary>Gets the address of a shrink counter that never moves: the one of a state no other process shares, and a handle's until it is published.</summary>
    internal static nint NoShrinksAddress => (nint)s_noShrinks;

    /// <summary>Reads the shrink counter at <see cref="ShrinksAddress"/>, which it also gives.</summary>
    internal long ReadShrinks(out nint address)
    {
        address = ShrinksAddress;
        return Volatile.Read(ref *(long*)address);
    }

    /// <summary>Raises the shared shrink counter, if there is one (under the size lock); gives its address and new value.</summary>
    /// <returns>False for a counter that never moves (no other process shares the state).</returns>
    internal bool TryRaiseShrinks(out nint address, out long raised)
    {
        address = ShrinksAddress;
        bool shared = address != NoShrinksAddress;
        raised = shared ? Interlocked.Increment(ref *(long*)address) : 0;
        return shared;
    }

    /// <summary>Gets the process word (<see cref="ProcessStamp"/>) of the solo process, or 0.</summary>
    internal ref long Solo => ref *(long*)(_page + SoloOffset);

    /// <summary>Gets 1 while the solo process is changing sizes without the lock.</summary>
    internal ref long InFlight => ref *(long*)(_page + InFlightOffset);

    /// <summary>
    /// Joins the shared state of the data file open as <paramref name="dataFile"/>: registers this process as present and,
    /// if no other process is, reconciles the words with the file and makes this process solo (when it may write).
    /// </summary>
    internal static SharedFileState Open(FileIdentity identity, SafeFileHandle dataFile, bool writable, string dataPath)
    {
        if (OperatingSystem.IsLinux() && Interlocked.Exchange(ref s_collected, 1) == 0)
        {
            CollectOrphans();
        }

        var state = new SharedFileState(identity, dataPath);
        state.Join(dataFile, writable);
        return state;
    }

    /// <summary>Switches to <paramref name="dataFile"/>, a read-write descriptor that replaces a read-only one (under the gate).</summary>
    internal void Upgrade(SafeFileHandle dataFile)
    {
        SafeFileHandle? old = _ownsLockFile ? null : _lockFile;
        if (_ownsLockFile)
        {
            // macOS: the locks live on the page's descriptor, which stays; only the permission to change sizes is new.
            _writable = true;
            if (_pageIsLocal)
            {
                return;
            }

            Lock();
            try
            {
                Volatile.Write(ref Solo, OthersPresent() ? 0 : ProcessStamp.Current);
            }
            finally
            {
                Unlock();
            }

            return;
        }

        // Linux: the presence lock belongs to the old descriptor; announce the new one before the old one closes.
        if (old is not null && !_pageIsLocal)
        {
            RangeLocks.RegisterPresence(dataFile, s_presenceByte, _dataPath);
            RangeLocks.WithdrawPresence(old, s_presenceByte);
        }

        if (_pageIsLocal && old is not null)
        {
            // A read-only process had no page: now that it may write, share one. The old descriptor's presence goes first, or
            // the join would take it for another process's.
            UpgradeLocalPage(dataFile, old);
            return;
        }

        _lockFile = dataFile;
        _writable = true;
    }

    // Upgrade of a Linux process that kept the state to itself: joins (or makes) the page through the read-write descriptor,
    // whose presence replaces the read-only one's under the size lock, so no other process ever sees this one absent. If the
    // join fails, the process keeps its own page and its presence, through the read-only descriptor, as before.
    private void UpgradeLocalPage(SafeFileHandle dataFile, SafeFileHandle old)
    {
        byte* local = _page;
        _page = null;
        _pageIsLocal = false;
        try
        {
            Join(dataFile, writable: true, replaced: old);
        }
        catch
        {
            if (_page != null && _page != local)
            {
                if (_pageIsLocal)
                {
                    NativeMemory.Free(_page);
                }
                else
                {
                    ReleasePage(_page);
                }
            }

            // The join put the old descriptor's presence back before it let go of the size lock (or never withdrew it).
            RangeLocks.WithdrawPresence(dataFile, s_presenceByte);
            _page = local;
            _pageIsLocal = true;
            _lockFile = old;
            _writable = false;
            throw;
        }

        NativeMemory.Free(local);
    }

    /// <summary>
    /// For a read-only process that had no page to join (no process that writes had the file open): joins the page such a
    /// process has created since, if any. Under the gate.
    /// </summary>
    internal void TryJoinPage()
    {
        if (!_pageIsLocal || _lockFile is null || _ownsLockFile || _closed)
        {
            return;
        }

        byte* page = MapPage(create: false, out SafeFileHandle? pageFile);
        pageFile?.Dispose();
        if (page is null)
        {
            return;
        }

        byte* local = _page;
        _page = page;
        if (*(ulong*)(page + MagicOffset) != Magic || !Describes(_identity))
        {
            _page = local;
            ReleasePage(page);
            return;
        }

        _pageIsLocal = false;
        NativeMemory.Free(local);
    }

    /// <summary>Takes the size lock (shared for a read-only process). No-op for a process-local state.</summary>
    internal void Lock()
    {
        if (_lockFile is not null)
        {
            RangeLocks.Lock(_lockFile, s_sizeLockByte, shared: !_writable, _dataPath);
        }
    }

    /// <summary>Releases the size lock.</summary>
    internal void Unlock()
    {
        if (_lockFile is not null)
        {
            RangeLocks.Unlock(_lockFile, s_sizeLockByte);
        }
    }

    /// <summary>
    /// Gets the descriptor of the page when the state's locks live there (macOS), else <see langword="null"/>: the file other
    /// record locks of the data file go to on macOS, where the data file's own descriptors carry the shared <c>flock</c> of
    /// every stream that has it open, which conflicts with any record lock of the same file.
    /// </summary>
    internal SafeFileHandle? PageLockFile => _ownsLockFile ? _lockFile : null;

    /// <summary>True if another live process has the file open (through this library).</summary>
    internal bool OthersPresent() => _lockFile is not null && RangeLocks.OthersPresent(_lockFile, s_presenceByte, _dataPath);

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

    /// <summary>Under the size lock: makes this process solo if it may write and no other process is present.</summary>
    internal bool TryBecomeSolo()
    {
        long me = ProcessStamp.Current;
        if (Volatile.Read(ref Solo) == me)
        {
            return true;
        }

        if (!_writable || OthersPresent())
        {
            return false;
        }

        Volatile.Write(ref InFlight, 0);
        Volatile.Write(ref Solo, me);
        return true;
    }

    /// <summary>
    /// Closes this process's part of the state. With <paramref name="last"/> (the caller holds the size lock, no other
    /// process is present and the file's size on disk is its length), deletes the page first, so the next opener starts
    /// afresh from the file. Then withdraws this process's presence and releases the size lock, and on macOS closes the page's
    /// descriptor; the caller closes the data file's descriptor afterwards.
    /// </summary>
    internal void Close(bool last)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (Volatile.Read(ref Solo) == ProcessStamp.Current)
        {
            Volatile.Write(ref Solo, 0);
        }

        if (_pageIsLocal)
        {
            NativeMemory.Free(_page);
        }
        else if (last && OperatingSystem.IsLinux())
        {
            // This process's mapping goes first, and with it its lock on the page: the page is deleted only if no other
            // process maps it (a read-only one may have joined under the shared size lock since this one looked).
            LeavePage();
            DeletePageUnlessMapped();
        }
        else
        {
            if (last && !Platform.IsWindows)
            {
                // Windows: the named memory disappears with its last view. macOS: every lock is exclusive, so no process
                // joins while this one holds the size lock.
                _ = Libc.Unlink(_pagePath);
            }

            LeavePage();
        }

        if (_lockFile is not null)
        {
            // Released explicitly (after the page is gone, so no process joins a page being deleted), not by closing the
            // descriptor: a mapping that could not be detached keeps the open file description alive, and with it the
            // description's locks, which would stall every later open of the file.
            RangeLocks.WithdrawPresence(_lockFile, s_presenceByte);
            Unlock();
            if (_ownsLockFile)
            {
                _lockFile.Dispose();
            }
        }
    }

    // Registers this process and attaches the page (creating it when this process may write), under the size lock. The
    // presence of a descriptor it replaces is withdrawn there, before the look for other processes, which it would count.
    private void Join(SafeFileHandle dataFile, bool writable, SafeFileHandle? replaced = null)
    {
        _writable = writable;
        if (LocksOnDataFile)
        {
            _lockFile = dataFile;
            try
            {
                Lock();
            }
            catch (IOException ex) when (RangeLocks.IsUnsupported(ex))
            {
                // A file system without byte-range locks (some FUSE and network file systems): coordinate within this
                // process only, as documented.
                _lockFile = null;
                UseLocalPage(RandomAccess.GetLength(dataFile));
                return;
            }

            try
            {
                Testing.CrashPoints.Hit(Testing.CrashPoints.EntryJoining);
                if (replaced is not null)
                {
                    RangeLocks.WithdrawPresence(replaced, s_presenceByte);
                }

                bool alone = !OthersPresent();
                RangeLocks.RegisterPresence(dataFile, s_presenceByte, _dataPath);
                _page = MapPage(create: writable, out SafeFileHandle? pageFile);
                pageFile?.Dispose();
                Attach(alone, dataFile);
            }
            catch when (replaced is not null)
            {
                // The replaced descriptor stays: its presence comes back before the size lock goes, so no other process
                // ever sees this one absent.
                RangeLocks.RegisterPresence(replaced, s_presenceByte, _dataPath);
                throw;
            }
            finally
            {
                Unlock();
            }

            return;
        }

        // macOS: the locks live on the page's own descriptor, so every process opens (or creates) the page.
        for (int attempt = 0; attempt < 100; attempt++)
        {
            _page = MapPage(create: true, out SafeFileHandle? pageFile);
            if (pageFile is null)
            {
                break;
            }

            _lockFile = pageFile;
            _ownsLockFile = true;
            Lock();
            if (NativeFile.GetStatus(pageFile, _pagePath).Links == 0)
            {
                // The last process deleted this page while we waited for the lock: open the new one.
                Unlock();
                ReleasePage(_page);
                pageFile.Dispose();
                _lockFile = null;
                _ownsLockFile = false;
                continue;
            }

            try
            {
                Testing.CrashPoints.Hit(Testing.CrashPoints.EntryJoining);
                bool alone = !OthersPresent();
                RangeLocks.RegisterPresence(pageFile, s_presenceByte, _dataPath);
                Attach(alone, dataFile);
            }
            finally
            {
                Unlock();
            }

            return;
        }

        UseLocalPage(RandomAccess.GetLength(dataFile));
    }

    // Under the size lock, once registered: reconcile a page this process has to itself, or join the others.
    private void Attach(bool alone, SafeFileHandle dataFile)
    {
        long dataSize = RandomAccess.GetLength(dataFile);
        if (_page is null)
        {
            UseLocalPage(dataSize);
            return;
        }

        _pageIsLocal = false;
        bool valid = *(ulong*)(_page + MagicOffset) == Magic && Describes(_identity);
        if (alone)
        {
            Reconcile(dataFile, dataSize);
            if (_writable)
            {
                Volatile.Write(ref InFlight, 0);
                Volatile.Write(ref Solo, ProcessStamp.Current);
            }
        }
        else if (!valid)
        {
            // The others are read-only processes that had no page: start one from the file as it is.
            Initialize(dataSize);
        }
        else
        {
            RevokeSolo();

            // With no solo process left in a size change: one that died inside a truncation (killed after cutting the file,
            // before lowering Physical) leaves a physical size past the file's end. Trusted, it would let a growth skip
            // reserving blocks and map and write past the end of the file, which faults (SIGBUS). A size on disk above it is
            // left alone: a growth the dead process had not published, or bytes another program appended, which the next
            // look at the length takes in.
            long size = RandomAccess.GetLength(dataFile);
            if (size < Volatile.Read(ref Physical))
            {
                AdoptSmallerSize(size);
            }
        }
    }

    /// <summary>
    /// Under the size lock: takes in a size on disk below <see cref="Physical"/> (a truncation its maker did not record, or
    /// one by a program that does not use the library). The length and the high-water mark come down to it where they were
    /// past it; the caller stops mapping what is gone.
    /// </summary>
    internal void AdoptSmallerSize(long size)
    {
        Volatile.Write(ref Physical, size);
        if (Volatile.Read(ref Length) > size)
        {
            Volatile.Write(ref Length, size);
        }

        if (Volatile.Read(ref HighWater) > size)
        {
            Volatile.Write(ref HighWater, Math.Max(size, Volatile.Read(ref Length)));
        }
    }

    private void UseLocalPage(long dataSize)
    {
        _page = (byte*)NativeMemory.AllocZeroed(PageSize);
        _pageIsLocal = true;
        Initialize(dataSize);
        if (_writable)
        {
            Solo = ProcessStamp.Current;
        }
    }

    // Maps the page (creating it if allowed); null when it does not exist or cannot be shared.
    private byte* MapPage(bool create, out SafeFileHandle? pageFile)
    {
        if (Platform.IsWindows)
        {
            pageFile = null;
            return MapPageWindows();
        }

        return MapPageUnix(create, out pageFile);
    }

    // The page this process leaves at its close. On Unix a stream's write may still read the shrink counter through it, so
    // it is replaced by a zero page until no stream of the file can be reached (RetiredPage); Windows reads no counter there.
    private void LeavePage()
    {
        if (Platform.IsWindows)
        {
            ReleasePageWindows(_page);
        }
        else
        {
            _retired = RetiredPage.Retire(_page, PageSize);
        }
    }

    private void ReleasePage(byte* page)
    {
        if (Platform.IsWindows)
        {
            ReleasePageWindows(page);
        }
        else
        {
            Mmap.Release(page, PageSize);
        }
    }

    // Waits until a solo process has left the size change it may be in the middle of (or is found dead), after taking solo away.
    private void RevokeSolo()
    {
        long holder = Interlocked.Exchange(ref Solo, 0);
        if (holder == 0 || holder == ProcessStamp.Current)
        {
            return;
        }

        // A size change takes microseconds: spin briefly, then check once a millisecond whether the holder still lives.
        var spin = new SpinWait();
        while (Volatile.Read(ref InFlight) != 0)
        {
            if (spin.Count >= 20)
            {
                if (!ProcessStamp.IsAlive(holder))
                {
                    Volatile.Write(ref InFlight, 0);
                    break;
                }

                Thread.Sleep(1);
                continue;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private bool Describes(FileIdentity identity) =>
        *(ulong*)(_page + DeviceOffset) == identity.Device
        && *(ulong*)(_page + InodeOffset) == identity.Inode
        && *(long*)(_page + BirthOffset) == identity.Birth;

    /// <summary>
    /// Alone: keeps the words of a page whose processes all died if they still describe the data file (same identity, the
    /// physical size they recorded is the file's size, or a growth in progress explains it, and nothing but zeros past the
    /// high-water mark); otherwise rebuilds them from the file's size.
    /// </summary>
    private void Reconcile(SafeFileHandle dataFile, long dataSize)
    {
        bool same = *(ulong*)(_page + MagicOffset) == Magic && Describes(_identity);
        long physical = Physical;
        long pending = Pending;
        bool explained = physical == dataSize || (pending != 0 && dataSize >= physical && dataSize <= pending);
        if (same && explained && Length >= 0 && Length <= dataSize && HighWater >= Length && HighWater <= dataSize
            && !WrittenPastHighWater(dataFile, HighWater, dataSize))
        {
            Physical = dataSize;
            Pending = 0;
            Solo = 0;
            InFlight = 0;
            return;
        }

        Initialize(dataSize);
    }

    /// <summary>
    /// Returns true if the file holds a byte other than zero in the first or the last <see cref="ScanBytes"/> of
    /// <c>[from, to)</c>. The library never stores past the high-water mark (a growing write raises it before its copy), so
    /// such a byte was written by a program that does not use the library, after the page's last process died: most often
    /// a rewrite of the whole file at the size the library had left, whose length the page no longer tells. Reads nothing
    /// more than those two blocks, so a large capacity costs no more; a descriptor that cannot read finds nothing.
    /// </summary>
    private static bool WrittenPastHighWater(SafeFileHandle dataFile, long from, long to)
    {
        if (to <= from)
        {
            return false;
        }

        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ScanBytes);
        try
        {
            long head = Math.Min(to, from + ScanBytes);
            return HoldsData(dataFile, buffer, from, head) || HoldsData(dataFile, buffer, Math.Max(head, to - ScanBytes), to);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool HoldsData(SafeFileHandle dataFile, byte[] buffer, long from, long to)
    {
        while (from < to)
        {
            int read = RandomAccess.Read(dataFile, buffer.AsSpan(0, (int)Math.Min(buffer.Length, to - from)), from);
            if (read == 0)
            {
                return false;
            }

            if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                return true;
            }

            from += read;
        }

        return false;
    }

    private void Initialize(long dataSize)
    {
        new Span<byte>(_page, PageSize).Clear();
        *(ulong*)(_page + DeviceOffset) = _identity.Device;
        *(ulong*)(_page + InodeOffset) = _identity.Inode;
        *(long*)(_page + BirthOffset) = _identity.Birth;
        int pathBytes = System.Text.Encoding.UTF8.GetByteCount(_dataPath);
        if (pathBytes <= PageSize - PathOffset)
        {
            *(int*)(_page + PathLengthOffset) = System.Text.Encoding.UTF8.GetBytes(_dataPath, new Span<byte>(_page + PathOffset, pathBytes));
        }

        Length = dataSize;
        Physical = dataSize;
        HighWater = dataSize;
        Volatile.Write(ref *(ulong*)(_page + MagicOffset), Magic);
    }
}
