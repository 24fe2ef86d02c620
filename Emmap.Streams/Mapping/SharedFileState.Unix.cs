using System;
using System.Globalization;
using System.IO;
using System.Threading;
using Emmap.Streams.Native;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Mapping;

/// <summary>
/// The Unix half of <see cref="SharedFileState"/>: the page is a file in <c>/dev/shm</c> (Linux; <c>/tmp</c> on macOS), named
/// after the data file's device, inode and birth time. It outlives processes that are killed, so the next opener resumes from
/// it; the last process to close deletes it, and pages of deleted files left by killed processes are collected.
/// </summary>
internal sealed unsafe partial class SharedFileState
{
    /// <summary>
    /// Deletes pages that no process maps and whose data file is gone (their processes were killed, then the file was
    /// deleted): nothing could ever use them again. Best effort, bounded, never throws. A page of a file that still exists, under
    /// its name or renamed within its directory, is kept: it may carry a truncation its last process could not make.
    /// </summary>
    internal static void CollectOrphans()
    {
        try
        {
            int examined = 0;
            int searchBudget = 10_000;
            foreach (string page in Directory.EnumerateFiles(PageDirectory(), "emmap-*"))
            {
                if (++examined > 1000)
                {
                    return;
                }

                if (IsOrphan(page, ref searchBudget))
                {
                    _ = Libc.Unlink(page);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Collection is housekeeping: a page it cannot look at stays.
        }
    }

    private static bool IsOrphan(string pagePath, ref int searchBudget)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(pagePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        using (file)
        {
            if (RangeLocks.OthersPresent(file, s_sizeLockByte, pagePath))
            {
                return false;
            }

            Span<byte> page = stackalloc byte[PageSize];
            int read = RandomAccess.Read(file, page, 0);
            if (read < PageSize || System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(page) != Magic)
            {
                // Empty or unfinished: abandoned if nobody touched it for a while (a creator may be growing it right now).
                return File.GetLastWriteTimeUtc(pagePath) < DateTime.UtcNow.AddMinutes(-1);
            }

            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(page[PathLengthOffset..]);
            if (length <= 0 || length > PageSize - PathOffset)
            {
                return false;
            }

            string dataPath = System.Text.Encoding.UTF8.GetString(page.Slice(PathOffset, length));
            FileStatus? status = NativeFile.TryGetStatus(dataPath);
            var recorded = new FileIdentity(
                System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(page[DeviceOffset..]),
                System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(page[InodeOffset..]),
                System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(page[BirthOffset..]));
            return (status is null || status.Value.Identity != recorded) && !LivesBeside(dataPath, recorded, ref searchBudget);
        }
    }

    /// <summary>
    /// True if a file of the directory that held <paramref name="dataPath"/> is the file <paramref name="recorded"/> names: the
    /// file was renamed (a log rotated, a file saved over another) after its processes were killed, and its page may still
    /// hold the length that makes the capacity past it no data. Looks at most <paramref name="budget"/> names in all; when the
    /// budget runs out the page is kept, and a later process looks again.
    /// </summary>
    private static bool LivesBeside(string dataPath, FileIdentity recorded, ref int budget)
    {
        string? directory = System.IO.Path.GetDirectoryName(dataPath);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            return false;
        }

        try
        {
            foreach (string entry in Directory.EnumerateFiles(directory))
            {
                if (--budget < 0)
                {
                    return true;
                }

                if (NativeFile.TryGetStatus(entry)?.Identity == recorded)
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A directory this process may not list: the file could be there.
            return true;
        }

        return false;
    }

    private static string PageDirectory()
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

    private static string PagePathUnix(FileIdentity identity) => System.IO.Path.Combine(
        s_pageDirectory ??= PageDirectory(),
        string.Create(CultureInfo.InvariantCulture, $"emmap-{identity.Device:x}-{identity.Inode:x}-{identity.Birth:x}"));

    /// <summary>True if a page for the file <paramref name="identity"/> names exists: a process that writes it joined, or left it when killed.</summary>
    internal static bool PageExists(FileIdentity identity) => PageFileExists(PagePathUnix(identity));

    /// <summary>True if a page exists at <paramref name="pagePath"/>, which <see cref="PagePath"/> gave.</summary>
    internal static bool PageExists(string pagePath) => PageFileExists(pagePath);

    /// <summary>Gets where the page for the file <paramref name="identity"/> names is, for repeated looks (Linux and macOS).</summary>
    internal static string PagePath(FileIdentity identity) => PagePathUnix(identity);

    /// <summary>Gets whether looks for pages that do not exist are remembered now (the page directory is watched).</summary>
    internal static bool PageLooksRemembered => Volatile.Read(ref s_pageLooks)?.IsWatching == true;

    // A look for a page, by far most often for one that does not exist: remembered while no name appears in the directory.
    private static bool PageFileExists(string pagePath)
    {
        NegativeLookupCache? looks = Volatile.Read(ref s_pageLooks);
        if (looks is null)
        {
            // A cache that loses the race never started a watch: nothing to close.
            _ = Interlocked.CompareExchange(ref s_pageLooks, new NegativeLookupCache(s_pageDirectory ??= PageDirectory()), null);
            looks = Volatile.Read(ref s_pageLooks)!;
        }

        return looks.Exists(pagePath);
    }

    // Maps the page file (creating it if allowed); null when it does not exist or cannot be shared.
    private byte* MapPageUnix(bool create, out SafeFileHandle? pageFile)
    {
        pageFile = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (!create && !PageFileExists(_pagePath))
            {
                // The usual answer for a read-only process: one look, most often remembered, instead of an exception.
                return null;
            }

            byte* page = TryMapPageFile(create, out bool deleted, out pageFile);
            if (!deleted)
            {
                return page;
            }
        }

        return null;
    }

    // One try of MapPageUnix; `deleted` when the page it opened was deleted by the last process to close before this one held
    // its lock on it (see DeletePageUnlessMapped): the caller looks again.
    private byte* TryMapPageFile(bool create, out bool deleted, out SafeFileHandle? pageFile)
    {
        pageFile = null;
        deleted = false;
        SafeFileHandle? file = OpenPageFile(create, out bool created);
        if (file is null)
        {
            return null;
        }

        byte* page = null;
        try
        {
            FileStatus status = NativeFile.GetStatus(file, _pagePath);
            if (status.Size < PageSize)
            {
                using (DescriptorLease descriptor = DescriptorLease.Of(file))
                {
                    // Best effort: only the page's owner may change its mode.
                    _ = Libc.ChangeMode(descriptor.Value, PageMode);
                }

                NativeFile.Grow(file, status.Size, PageSize, _pagePath, injectable: false);
            }

            page = Mmap.MapShared(file, PageSize, _pagePath);
            if (OperatingSystem.IsLinux())
            {
                // A shared lock that lives as long as the mapping (the mapping keeps the open file description), so that an
                // abandoned page can be told from a page in use without keeping a descriptor (see CollectOrphans).
                RangeLocks.RegisterPresence(file, s_sizeLockByte, _pagePath);
                if (NativeFile.GetStatus(file, _pagePath).Links == 0)
                {
                    Mmap.Release(page, PageSize);
                    file.Dispose();
                    deleted = true;
                    return null;
                }
            }

            pageFile = file;
            return page;
        }
        catch (IOException)
        {
            // No room in /dev/shm, or a page this process may not grow: stay process-local, and leave nothing behind. A page this
            // call made is its own (pages are made under the exclusive size lock), so no other process can be using it.
            if (page != null)
            {
                Mmap.Release(page, PageSize);
            }

            if (created)
            {
                _ = Libc.Unlink(_pagePath);
            }

            file.Dispose();
            return null;
        }
    }

    // Linux, at the last close, after this process's own mapping of the page is gone: deletes the page unless another process
    // maps it. Every mapping holds a shared lock on the page's size-lock byte for as long as it lives (MapPageUnix), so the
    // page goes only while this exclusive lock finds none; a process that opened it meanwhile waits for this lock, then finds
    // the page deleted and looks again. A read-only process closes under the shared size lock, which another read-only process
    // may hold at the same time to join.
    private void DeletePageUnlessMapped()
    {
        try
        {
            using SafeFileHandle file = File.OpenHandle(_pagePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            if (RangeLocks.TryLock(file, s_sizeLockByte, _pagePath))
            {
                _ = Libc.Unlink(_pagePath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone already, or a page this process cannot open: the next process to close alone deletes it.
        }
    }

    // Opens the page file, making it if allowed, and says whether this call made it; null when it does not exist or cannot be
    // opened. An existing page is opened without an exception; only a race with another process's make or delete costs one.
    private SafeFileHandle? OpenPageFile(bool create, out bool created)
    {
        created = false;
        const FileShare Share = FileShare.ReadWrite | FileShare.Delete;
        try
        {
            for (int attempt = 0; attempt < 3; attempt++)
            {
                if (create && !PageFileExists(_pagePath))
                {
                    try
                    {
                        SafeFileHandle made = File.OpenHandle(_pagePath, FileMode.CreateNew, FileAccess.ReadWrite, Share);
                        created = true;
                        return WithoutSharingLock(made);
                    }
                    catch (IOException) when (File.Exists(_pagePath))
                    {
                        // Made by another process since the look: open it.
                    }
                }

                try
                {
                    return WithoutSharingLock(File.OpenHandle(_pagePath, FileMode.Open, FileAccess.ReadWrite, Share));
                }
                catch (FileNotFoundException) when (create)
                {
                    // Deleted by its last process since the look: make it.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A page this process may not open: it keeps the state to itself.
        }

        return null;
    }

    // macOS keeps its lockf locks on the page's descriptor, and there a flock and a record lock of the same file conflict
    // whoever holds them (xnu keeps both kinds on one list per vnode, and a flock is owned by its open file, never by the
    // process): the shared flock the BCL takes on every open with a FileShare other than None would block this process's own
    // exclusive record locks on the page forever, and make every other process's look for presence find one. The page has
    // no sharing to enforce, so the flock goes at once. Linux keeps the two kinds apart, and locks on the data file anyway.
    private static SafeFileHandle WithoutSharingLock(SafeFileHandle page)
    {
        if (OperatingSystem.IsMacOS())
        {
            NativeFile.SetSharingLock(page, held: false);
        }

        return page;
    }
}
