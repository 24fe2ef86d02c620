using System;
using System.Globalization;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// File-level operations the BCL does not offer: reserving blocks (so that a full disk becomes an
/// <see cref="IOException"/> instead of a SIGBUS on first touch), punching holes, file identity and
/// atomic no-clobber publication. macOS differences are kept inside each method.
/// </summary>
internal static unsafe class NativeFile
{
    private const int BlockSize = 4096;

    /// <summary>
    /// Grows the file to <paramref name="newLength"/> with every new block reserved on disk. On failure
    /// the file keeps <paramref name="oldLength"/> and an <see cref="IOException"/> is thrown.
    /// </summary>
    internal static void Grow(SafeFileHandle file, long oldLength, long newLength, string path)
    {
        if (newLength <= oldLength)
        {
            return;
        }

        int injected = FaultInjection.Check(FaultPoint.Allocate);
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

    /// <summary>
    /// Reserves disk blocks for <c>[offset, offset + length)</c>, a range inside the file that may have holes (punched
    /// by <see cref="ZeroRange"/>), without changing the file length. Afterwards writes there cannot fail for lack of space.
    /// </summary>
    internal static void Reserve(SafeFileHandle file, long offset, long length, string path)
    {
        if (length <= 0)
        {
            return;
        }

        int injected = FaultInjection.Check(FaultPoint.Allocate);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "Reserving disk space", path);
        }

        int errno = OperatingSystem.IsLinux()
            ? AllocateLinux(file, offset, length)
            : WriteZeroPerBlock(file, offset, offset + length);
        if (errno != 0)
        {
            throw NativeErrors.IOError(errno, $"Reserving disk space for bytes [{offset}, {offset + length})", path);
        }
    }

    /// <summary>Sets the file length with <c>ftruncate</c> (used to shrink, never to grow mapped space).</summary>
    internal static void Truncate(SafeFileHandle file, long length, string path)
    {
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
    /// Makes <c>[offset, offset + length)</c> read as zeros without changing the file length, freeing the
    /// blocks where the file system can. Mapped pages of the range read zeros afterwards, with no fault.
    /// </summary>
    internal static void ZeroRange(SafeFileHandle file, long offset, long length, string path)
    {
        if (length <= 0)
        {
            return;
        }

        if (OperatingSystem.IsLinux())
        {
            using DescriptorLease descriptor = DescriptorLease.Of(file);
            int fd = descriptor.Value;
            if (Libc.Allocate(fd, UnixConstants.FallocPunchHole | UnixConstants.FallocKeepSize, offset, length) == 0)
            {
                return;
            }
        }

        // File systems without hole punching: write the zeros.
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

    /// <summary>Returns the device and inode of an open file.</summary>
    internal static FileIdentity GetIdentity(SafeFileHandle file, string path)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        int fd = descriptor.Value;
        byte* buffer = stackalloc byte[256];
        if (OperatingSystem.IsLinux())
        {
            if (Libc.StatX(fd, string.Empty, UnixConstants.AtEmptyPath, UnixConstants.StatXBasicStats, buffer) != 0)
            {
                throw NativeErrors.IOError(NativeErrors.LastError(), "statx", path);
            }

            // struct statx: stx_ino at 32, stx_dev_major at 136, stx_dev_minor at 140.
            ulong inode = *(ulong*)(buffer + 32);
            ulong device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
            return new FileIdentity(device, inode);
        }

        if (OperatingSystem.IsMacOS())
        {
            if (Libc.FileStatus(fd, buffer) != 0)
            {
                throw NativeErrors.IOError(NativeErrors.LastError(), "fstat", path);
            }

            // struct stat (64-bit inodes): st_dev (int32) at 0, st_ino (uint64) at 8.
            return new FileIdentity(*(uint*)buffer, *(ulong*)(buffer + 8));
        }

        throw new PlatformNotSupportedException("Emmap.Streams supports Linux and macOS.");
    }

    /// <summary>
    /// Publishes <paramref name="temporaryPath"/> under <paramref name="path"/> atomically and only if
    /// nothing exists there yet. Returns false when <paramref name="path"/> already exists.
    /// </summary>
    internal static bool TryPublish(string temporaryPath, string path)
    {
        if (Libc.Link(temporaryPath, path) == 0)
        {
            return true;
        }

        int errno = NativeErrors.LastError();
        if (errno == UnixConstants.ErrorExists)
        {
            return false;
        }

        // File systems without hard links: fall back to a checked rename.
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
            if (GetIdentity(reopened, path) != GetIdentity(file, path))
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

    private static int AllocateLinux(SafeFileHandle file, long offset, long length)
    {
        using DescriptorLease descriptor = DescriptorLease.Of(file);
        int fd = descriptor.Value;
        int errno;
        while ((errno = Libc.PosixAllocate(fd, offset, length)) == UnixConstants.ErrorInterrupted)
        {
        }

        return errno;
    }

    // macOS has no posix_fallocate and fcntl(F_PREALLOCATE) is variadic (not callable safely through
    // LibraryImport on arm64): extend the file, then write one zero byte per block so every block is
    // allocated now, while an error can still be reported.
    private static int AllocateByWriting(SafeFileHandle file, long oldLength, long newLength)
    {
        int errno = TryTruncate(file, newLength);
        if (errno != 0)
        {
            return errno;
        }

        return WriteZeroPerBlock(file, oldLength, newLength);
    }

    // Writes one zero byte in every block of [from, to), which lies past the data, so each block is allocated now.
    private static int WriteZeroPerBlock(SafeFileHandle file, long from, long to)
    {
        ReadOnlySpan<byte> zero = [0];
        try
        {
            for (long at = from; at < to; at = (at / BlockSize + 1) * BlockSize)
            {
                RandomAccess.Write(file, zero, at);
            }

            RandomAccess.Write(file, zero, to - 1);
            return 0;
        }
        catch (IOException ex)
        {
            return ex.HResult is > 0 and < 4096 ? ex.HResult : UnixConstants.ErrorNoSpace;
        }
    }
}
