using System;
using System.Globalization;
using System.IO;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// File-level operations the BCL does not offer: reserving blocks (so that a full disk becomes an
/// <see cref="IOException"/> instead of a SIGBUS on first touch), zeroing a range without freeing its blocks, file
/// identity and type, and atomic no-clobber publication. The platform halves are in <c>NativeFile.Linux.cs</c>,
/// <c>NativeFile.MacOS.cs</c> and <c>NativeFile.Windows.cs</c>.
/// </summary>
internal static unsafe partial class NativeFile
{
    private const int BlockSize = 4096;

    /// <summary>
    /// Grows the file to <paramref name="newLength"/> with every new block reserved on disk. On failure
    /// the file keeps <paramref name="oldLength"/> and an <see cref="IOException"/> is thrown. Tests can make it fail
    /// (<see cref="FaultPoint.Allocate"/>) unless <paramref name="injectable"/> is false (the library's own bookkeeping files).
    /// </summary>
    internal static void Grow(SafeFileHandle file, long oldLength, long newLength, string path, bool injectable = true)
    {
        if (newLength <= oldLength)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            GrowWindows(file, oldLength, newLength, path, injectable);
            return;
        }

        int injected = injectable ? FaultInjection.Check(FaultPoint.Allocate) : 0;
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "Reserving disk space", path);
        }

        int errno = OperatingSystem.IsLinux()
            ? AllocateLinux(file, oldLength, newLength - oldLength)
            : AllocateByWriting(file, oldLength, newLength);
        if (errno != 0)
        {
            // Never leave a half-grown file behind: a later mapping of unreserved blocks could fault.
            _ = TryTruncate(file, oldLength);
            throw NativeErrors.IOError(errno, $"Growing the file from {oldLength} to {newLength} bytes", path);
        }
    }

    /// <summary>Sets the file length with <c>ftruncate</c> (used to shrink, never to grow mapped space).</summary>
    internal static void Truncate(SafeFileHandle file, long length, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            TruncateWindows(file, length, path);
            return;
        }

        int injected = FaultInjection.Check(FaultPoint.Truncate);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "ftruncate", path);
        }

        int errno = TryTruncate(file, length);
        if (errno != 0)
        {
            throw NativeErrors.IOError(errno, "ftruncate", path);
        }
    }

    /// <summary>
    /// Makes <c>[offset, offset + length)</c> read as zeros without changing the file length and without giving its blocks
    /// back, so a later write there (through any mapping) never needs a new block: no fault on a full disk.
    /// </summary>
    internal static void ZeroRange(SafeFileHandle file, long offset, long length, string path)
    {
        if (length <= 0)
        {
            return;
        }

        if (OperatingSystem.IsLinux() && TryZeroRangeLinux(file, offset, length))
        {
            return;
        }

        // File systems without a zero-range operation (tmpfs, macOS): write the zeros over the existing blocks.
        Span<byte> zeros = stackalloc byte[BlockSize];
        zeros.Clear();
        long end = offset + length;
        for (long at = offset; at < end; at += BlockSize)
        {
            int count = (int)Math.Min(BlockSize, end - at);
            try
            {
                RandomAccess.Write(file, zeros[..count], at);
            }
            catch (IOException ex)
            {
                throw new IOException($"Zeroing bytes [{offset}, {end}) of '{path}' failed: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Returns the identity, type, link count and size of an open file.</summary>
    internal static FileStatus GetStatus(SafeFileHandle file, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return StatusWindows(file, path);
        }

        using DescriptorLease descriptor = DescriptorLease.Of(file);
        if (OperatingSystem.IsLinux())
        {
            return StatusLinux(descriptor.Value, null, path);
        }

        if (OperatingSystem.IsMacOS())
        {
            return StatusMacOS(descriptor.Value, null, path);
        }

        throw new PlatformNotSupportedException("Emmap.Streams supports Linux, macOS and Windows.");
    }

    /// <summary>
    /// Returns the status of what <paramref name="path"/> names, following symbolic links, or <see langword="null"/> when
    /// nothing is there (including a link whose target is missing).
    /// </summary>
    internal static FileStatus? TryGetStatus(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            return TryStatusLinux(Libc.AtCurrentDirectory, path, path);
        }

        if (OperatingSystem.IsMacOS())
        {
            return TryStatusMacOS(-1, path, path);
        }

        if (OperatingSystem.IsWindows())
        {
            return TryStatusWindows(path);
        }

        throw new PlatformNotSupportedException("Emmap.Streams supports Linux, macOS and Windows.");
    }

    /// <summary>
    /// An error from making a file through a temporary file beside <paramref name="path"/> (<see cref="TryPublish"/>), told
    /// as an open of <paramref name="path"/> tells it, or <see langword="null"/> if it names no path: the temporary file's name
    /// is an inner detail, and the move that publishes it reports a name too long without any path.
    /// </summary>
    internal static IOException? NamingThePublishedPath(IOException error, string path) => error switch
    {
        DirectoryNotFoundException => new DirectoryNotFoundException($"Could not find a part of the path '{path}'.", error),
        PathTooLongException => new PathTooLongException($"The path '{path}' is too long, or a component of the specified path is too long.", error),
        _ => null,
    };

    /// <summary>
    /// Publishes <paramref name="temporaryPath"/> under <paramref name="path"/> atomically and only if
    /// nothing exists there yet. Returns false when <paramref name="path"/> already exists. On Unix the directory is then
    /// synced, so that the new name survives power loss along with the file's synced contents.
    /// </summary>
    internal static bool TryPublish(string temporaryPath, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return TryPublishByMove(temporaryPath, path);
        }

        bool published;
        if (Libc.Link(temporaryPath, path) == 0)
        {
            published = true;
        }
        else if (NativeErrors.LastError() == UnixConstants.ErrorExists)
        {
            return false;
        }
        else
        {
            // File systems without hard links: fall back to a checked rename.
            published = TryPublishByMove(temporaryPath, path);
        }

        if (published)
        {
            SyncDirectoryOf(path);
        }

        return published;
    }

    // Best effort: the name is in place either way, and a directory this process may not read cannot be opened to sync it.
    private static void SyncDirectoryOf(string path)
    {
        int fd = OpenRetrying(System.IO.Path.GetDirectoryName(path) ?? ".", UnixConstants.OpenReadOnly | UnixConstants.OpenCloseOnExec);
        if (fd < 0)
        {
            return;
        }

        using var directory = new SafeFileHandle(fd, ownsHandle: true);
        if (FaultInjection.Check(FaultPoint.SyncDirectory) == 0)
        {
            // macOS: fsync leaves the entry in the drive's cache; F_FULLFSYNC writes it out, as FileStream.Flush(true) does for the
            // file's contents there. fsync where the file system refuses it.
            if (!OperatingSystem.IsMacOS() || Libc.ControlWithoutArgument(fd, Libc.FullSync) != 0)
            {
                _ = Libc.SyncFile(fd);
            }
        }
    }

    /// <summary>
    /// Takes (<paramref name="held"/>) or drops the shared <c>flock</c> through which <see cref="FileStream"/> tells other
    /// openers the file is in use (what <see cref="FileShare"/> other than <see cref="FileShare.None"/> holds), on
    /// <paramref name="file"/>'s open file description. Best effort: the open that needed it has already checked the sharing.
    /// Nothing to do on Windows, where the sharing is the handle's share mode, fixed when it was opened: the entry's handle
    /// shares reading, writing and deletion, which no other opener's request conflicts with once the stream is gone.
    /// </summary>
    internal static void SetSharingLock(SafeFileHandle file, bool held)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using DescriptorLease descriptor = DescriptorLease.Of(file);
        int operation = held ? UnixConstants.FlockShared | UnixConstants.FlockNonBlocking : UnixConstants.FlockUnlock;
        while (Libc.Flock(descriptor.Value, operation) != 0 && NativeErrors.LastError() == UnixConstants.ErrorInterrupted)
        {
        }
    }

    /// <summary>
    /// Opens a second descriptor of the file open as <paramref name="file"/>, with its own open file description, read-write
    /// or read-only. It is opened with libc rather than the BCL so that it takes no <c>flock</c>: the BCL's sharing lock
    /// belongs to the stream's own handle, and a lock on this descriptor would conflict with that handle's
    /// <see cref="FileShare.None"/> or outlive it.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The file's permissions do not allow the access (a read-write descriptor needs
    /// read permission too, which a write-only <see cref="FileStream"/> does not).</exception>
    /// <exception cref="IOException">The path names another file than <paramref name="file"/> by now, or the system refused.</exception>
    internal static SafeFileHandle Reopen(SafeFileHandle file, string path, bool writable)
    {
        if (OperatingSystem.IsWindows())
        {
            return ReopenWindows(file, path, writable);
        }

        int flags = (writable ? UnixConstants.OpenReadWrite : UnixConstants.OpenReadOnly) | UnixConstants.OpenCloseOnExec;
        if (OperatingSystem.IsLinux())
        {
            // The /proc link opens the very inode of the descriptor, even if the path was renamed or replaced meanwhile.
            int viaProc;
            using (DescriptorLease descriptor = DescriptorLease.Of(file))
            {
                viaProc = OpenRetrying("/proc/self/fd/" + descriptor.Value.ToString(CultureInfo.InvariantCulture), flags);
            }

            if (viaProc >= 0)
            {
                return new SafeFileHandle(viaProc, ownsHandle: true);
            }

            int errno = NativeErrors.LastError();
            if (errno != UnixConstants.ErrorNoEntry)
            {
                throw ReopenError(errno, path, writable);
            }

            // No /proc (a minimal container): open the path and check that it is still the same file.
        }

        int fd = OpenRetrying(path, flags);
        if (fd < 0)
        {
            throw ReopenError(NativeErrors.LastError(), path, writable);
        }

        var reopened = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (GetStatus(reopened, path).Identity != GetStatus(file, path).Identity)
            {
                throw new IOException($"'{path}' was replaced by another file while it was being opened.");
            }
        }
        catch
        {
            reopened.Dispose();
            throw;
        }

        return reopened;
    }

    // A move that refuses to replace what is there (on Windows MoveFileEx without MOVEFILE_REPLACE_EXISTING, atomic on one
    // volume; elsewhere a checked rename).
    private static bool TryPublishByMove(string temporaryPath, string path)
    {
        if (File.Exists(path))
        {
            return false;
        }

        try
        {
            File.Move(temporaryPath, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    private static int OpenRetrying(string path, int flags)
    {
        int fd;
        while ((fd = Libc.Open(path, flags)) < 0 && NativeErrors.LastError() == UnixConstants.ErrorInterrupted)
        {
        }

        return fd;
    }

    private static Exception ReopenError(int errno, string path, bool writable)
    {
        if (errno is UnixConstants.ErrorAccess or UnixConstants.ErrorPermission)
        {
            return new UnauthorizedAccessException(writable
                ? $"Access to the path '{path}' is denied: a writable memory mapping needs permission to read the file as well as to write it."
                : $"Access to the path '{path}' is denied.");
        }

        return NativeErrors.IOError(errno, "Opening the file for mapping", path);
    }

    private static int TryTruncate(SafeFileHandle file, long length)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        int fd = descriptor.Value;
        while (Libc.Truncate(fd, length) != 0)
        {
            int errno = NativeErrors.LastError();
            if (errno != UnixConstants.ErrorInterrupted)
            {
                return errno;
            }
        }

        return 0;
    }
}
