using System;
using System.IO;
using System.Runtime.Versioning;
using Emmap.Streams.Native.Windows;
using Emmap.Streams.Testing;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native;

/// <summary>
/// The Windows half of <see cref="NativeFile"/>: sizes through <see cref="WindowsFile"/> (space allocated before the end of
/// file moves), identity from the volume serial number and file index, and the second handle a mapping needs.
/// </summary>
internal static partial class NativeFile
{
    [SupportedOSPlatform("windows")]
    private static void GrowWindows(SafeFileHandle file, long oldLength, long newLength, string path, bool injectable)
    {
        int injected = injectable ? FaultInjection.Check(FaultPoint.Allocate) : 0;
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "Reserving disk space", path);
        }

        WindowsFile.Grow(file, oldLength, newLength, path);
    }

    [SupportedOSPlatform("windows")]
    private static void TruncateWindows(SafeFileHandle file, long length, string path)
    {
        int injected = FaultInjection.Check(FaultPoint.Truncate);
        if (injected != 0)
        {
            throw NativeErrors.IOError(injected, "SetFileInformationByHandle", path);
        }

        WindowsFile.SetLength(file, length, path);
    }

    /// <summary>
    /// The status of an open file: identity, a Unix-style type (<see cref="UnixConstants.RegularFile"/> for a file on a disk,
    /// <see cref="UnixConstants.DirectoryFile"/> for a directory, 0 for anything else), link count and size.
    /// </summary>
    [SupportedOSPlatform("windows")]
    private static FileStatus StatusWindows(SafeFileHandle file, string path)
    {
        if (!Kernel32.GetFileInformationByHandle(file, out ByHandleFileInformation info))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "GetFileInformationByHandle", path);
        }

        int type = (info.FileAttributes & WindowsConstants.FileAttributeDirectory) != 0 ? UnixConstants.DirectoryFile
            : Kernel32.GetFileType(file) == WindowsConstants.FileTypeDisk ? UnixConstants.RegularFile
            : 0;
        return new FileStatus(
            WindowsFile.GetIdentity(file, path),
            type,
            info.NumberOfLinks,
            (long)(((ulong)info.FileSizeHigh << 32) | info.FileSizeLow));
    }

    /// <summary>
    /// The type of what <paramref name="path"/> names, from its attributes, without opening it (opening may be refused by
    /// another opener's sharing): a device path (<c>\\.\…</c>) is neither a regular file nor a directory. The identity is left
    /// empty; only the Unix collection of abandoned pages needs it.
    /// </summary>
    [SupportedOSPlatform("windows")]
    private static FileStatus? TryStatusWindows(string path)
    {
        if (path.StartsWith(@"\\.\", StringComparison.Ordinal) || path.StartsWith(@"\\?\GLOBALROOT", StringComparison.OrdinalIgnoreCase))
        {
            return new FileStatus(default, 0, 1, 0);
        }

        var info = new FileInfo(path);
        if (info.Exists)
        {
            return new FileStatus(default, UnixConstants.RegularFile, 1, info.Length);
        }

        return Directory.Exists(path) ? new FileStatus(default, UnixConstants.DirectoryFile, 1, 0) : null;
    }

    /// <summary>
    /// The handle the mapping layer keeps: a new handle of the same file opened with <see cref="FileShare.ReadWrite"/> |
    /// <see cref="FileShare.Delete"/>, so that it adds no sharing restriction of its own; when the stream's own handle shares
    /// less than that (Windows enforces sharing between every pair of handles, even in one process), a duplicate of the
    /// stream's handle, which is the same open file and passes no new sharing check.
    /// </summary>
    [SupportedOSPlatform("windows")]
    private static SafeFileHandle ReopenWindows(SafeFileHandle file, string path, bool writable)
    {
        if (TryReopenSeparately(file, path, writable) is { } reopened)
        {
            return reopened;
        }

        if (!Kernel32.DuplicateHandle(
            Kernel32.CurrentProcess, file, Kernel32.CurrentProcess, out SafeFileHandle duplicate, 0, false, WindowsConstants.DuplicateSameAccess))
        {
            int error = WindowsErrors.LastError();
            duplicate.Dispose();
            throw WindowsErrors.IOError(error, "Duplicating the file handle for mapping", path);
        }

        return duplicate;
    }

    /// <summary>
    /// The new handle of <see cref="ReopenWindows"/>, or null where only a duplicate of <paramref name="file"/> can serve: the
    /// sharing of the stream's own handle (or the file's permissions) keep a handle of the mapping's own out.
    /// </summary>
    [SupportedOSPlatform("windows")]
    internal static SafeFileHandle? TryReopenSeparately(SafeFileHandle file, string path, bool writable)
    {
        SafeFileHandle? reopened = null;
        try
        {
            reopened = File.OpenHandle(
                path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (WindowsFile.GetIdentity(reopened, path) == WindowsFile.GetIdentity(file, path))
            {
                return reopened;
            }

            reopened.Dispose();
            throw new IOException($"'{path}' was replaced by another file while it was being opened.");
        }
        catch (Exception ex) when (ex is IOException { HResult: var hresult } && IsSharingViolation(hresult) || ex is UnauthorizedAccessException)
        {
            reopened?.Dispose();
            return null;
        }
    }

    private static bool IsSharingViolation(int hresult) =>
        WindowsErrors.ErrorOf(hresult) is WindowsConstants.ErrorSharingViolation or WindowsConstants.ErrorLockViolation;
}
