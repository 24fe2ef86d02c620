using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native.Windows;

/// <summary>
/// File-level operations of the Windows backend, the counterpart of <see cref="NativeFile"/>: sizing with disk
/// space reserved up front, file identity, durable flush and byte-range locks. Handles may be synchronous or open for
/// overlapped I/O (<see cref="FileOptions.Asynchronous"/>, which .NET binds to the thread pool's completion port).
/// </summary>
[SupportedOSPlatform("windows")]
internal static class WindowsFile
{
    private const int BlockSize = 4096;

    /// <summary>
    /// Grows the file to <paramref name="newLength"/> with its disk space allocated first, so that a full disk is an
    /// <see cref="IOException"/> (<c>ERROR_DISK_FULL</c>) here, never an in-page error when a view touches the new
    /// bytes. On failure the file keeps <paramref name="oldLength"/>.
    /// </summary>
    /// <remarks>
    /// The space is reserved with <c>FileAllocationInfo</c>, then the end of file is moved. Where the file system or
    /// the system does not implement <c>FileAllocationInfo</c> (Wine 10 answers <c>ERROR_CALL_NOT_IMPLEMENTED</c>),
    /// the end of file is moved and one zero byte is written in every new block, which allocates the blocks now.
    /// </remarks>
    internal static void Grow(SafeFileHandle file, long oldLength, long newLength, string? path)
    {
        if (newLength <= oldLength)
        {
            return;
        }

        int error = TrySetInformation(file, WindowsConstants.FileAllocationInfoClass, newLength);
        error = error switch
        {
            0 => TrySetEndOfFile(file, newLength),
            WindowsConstants.ErrorInvalidFunction or WindowsConstants.ErrorNotSupported or WindowsConstants.ErrorCallNotImplemented =>
                ExtendByWriting(file, oldLength, newLength),
            _ => error,
        };

        if (error != 0)
        {
            _ = TrySetEndOfFile(file, oldLength);
            throw WindowsErrors.IOError(error, $"Growing the file from {oldLength} to {newLength} bytes", path);
        }
    }

    /// <summary>
    /// Sets the end of the file (<c>SetFileInformationByHandle</c>, <c>FileEndOfFileInfo</c>). Windows refuses to
    /// cut a file below a mapped view of it with <c>ERROR_USER_MAPPED_FILE</c> (1224); growing always works.
    /// </summary>
    internal static void SetLength(SafeFileHandle file, long length, string? path)
    {
        int error = TrySetEndOfFile(file, length);
        if (error != 0)
        {
            throw WindowsErrors.IOError(error, $"Setting the file length to {length}", path);
        }
    }

    /// <summary>Sets the end of the file; returns 0 or the Win32 error.</summary>
    internal static int TrySetEndOfFile(SafeFileHandle file, long length) =>
        TrySetInformation(file, WindowsConstants.FileEndOfFileInfoClass, length);

    /// <summary>The bytes of disk space allocated to the file (<c>FILE_STANDARD_INFO.AllocationSize</c>).</summary>
    internal static long GetAllocationSize(SafeFileHandle file, string? path)
    {
        if (!Kernel32.GetFileInformationByHandleEx(
            file, WindowsConstants.FileStandardInfoClass, out FileStandardInfo info, (uint)Unsafe.SizeOf<FileStandardInfo>()))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "GetFileInformationByHandleEx", path);
        }

        return info.AllocationSize;
    }

    /// <summary>
    /// The volume serial number and file index of an open file, the same for every path and handle of it. The birth time is
    /// left at 0: NTFS puts a sequence number in the index's top 16 bits, so an index reused after a deletion is another
    /// identity already, and a file the library holds open cannot have its index reused. The creation time would not do:
    /// Wine reports the Unix change time there, which moves with every write and size change.
    /// </summary>
    internal static FileIdentity GetIdentity(SafeFileHandle file, string? path)
    {
        if (!Kernel32.GetFileInformationByHandle(file, out ByHandleFileInformation info))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "GetFileInformationByHandle", path);
        }

        return new FileIdentity(info.VolumeSerialNumber, ((ulong)info.FileIndexHigh << 32) | info.FileIndexLow, Birth: 0);
    }

    /// <summary>Writes the file's dirty data and metadata to the device (<c>FlushFileBuffers</c>), after views were flushed.</summary>
    internal static void FlushToDisk(SafeFileHandle file, string? path)
    {
        if (!Kernel32.FlushFileBuffers(file))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "FlushFileBuffers", path);
        }
    }

    /// <summary>
    /// Takes a byte-range lock if no other handle (in any process) holds a conflicting one; false if one does.
    /// Locks are per handle: two handles of one process conflict as two processes do. The range may lie beyond
    /// the end of the file, where the data never goes (a locked range blocks <c>ReadFile</c>/<c>WriteFile</c> of
    /// other handles, though not views). The system drops a handle's locks when the handle closes or its process dies.
    /// </summary>
    internal static bool TryLock(SafeFileHandle file, long offset, long length, bool exclusive, string? path)
    {
        uint flags = WindowsConstants.LockFileFailImmediately | (exclusive ? WindowsConstants.LockFileExclusiveLock : 0);
        if (LockCore(file, flags, offset, length))
        {
            return true;
        }

        int error = WindowsErrors.LastError();
        if (error == WindowsConstants.ErrorLockViolation)
        {
            return false;
        }

        throw WindowsErrors.IOError(error, "LockFileEx", path);
    }

    /// <summary>Takes a byte-range lock, waiting for as long as another handle holds a conflicting one.</summary>
    internal static void Lock(SafeFileHandle file, long offset, long length, bool exclusive, string? path)
    {
        if (!LockCore(file, exclusive ? WindowsConstants.LockFileExclusiveLock : 0, offset, length))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "LockFileEx", path);
        }
    }

    /// <summary>Releases a lock taken by this handle on exactly this range.</summary>
    internal static void Unlock(SafeFileHandle file, long offset, long length, string? path)
    {
        Overlapped overlapped = At(offset);
        if (!Kernel32.UnlockFileEx(file, 0, (uint)length, (uint)((ulong)length >> 32), ref overlapped))
        {
            throw WindowsErrors.IOError(WindowsErrors.LastError(), "UnlockFileEx", path);
        }
    }

    private static bool LockCore(SafeFileHandle file, uint flags, long offset, long length)
    {
        Overlapped overlapped = At(offset);
        if (!file.IsAsync)
        {
            return Kernel32.LockFileEx(file, flags, 0, (uint)length, (uint)((ulong)length >> 32), ref overlapped);
        }

        // A handle opened for overlapped I/O reports a lock it has to wait for as pending; its completion signals an event of
        // its own (the handle itself is signalled by any I/O on it). .NET binds such a handle to the thread pool's completion
        // port when it opens it, and the system would queue a completion packet there for this OVERLAPPED, which the pool
        // would then read as one of its own after this frame is gone: the low-order bit of the event handle keeps the packet
        // from being queued (GetQueuedCompletionStatus), as .NET's own synchronous I/O on such handles does. The OVERLAPPED is
        // a local of this frame, so it stays put until the wait below is over.
        using var completed = new ManualResetEvent(false);
        overlapped.Event = completed.SafeWaitHandle.DangerousGetHandle() | 1;
        if (Kernel32.LockFileEx(file, flags, 0, (uint)length, (uint)((ulong)length >> 32), ref overlapped))
        {
            return true;
        }

        if (WindowsErrors.LastError() != WindowsConstants.ErrorIOPending)
        {
            return false;
        }

        _ = completed.WaitOne();
        return Kernel32.GetOverlappedResult(file, ref overlapped, out _, wait: false);
    }

    private static Overlapped At(long offset) => new()
    {
        Offset = (uint)offset,
        OffsetHigh = (uint)((ulong)offset >> 32),
    };

    private static int ExtendByWriting(SafeFileHandle file, long oldLength, long newLength)
    {
        int error = TrySetEndOfFile(file, newLength);
        if (error != 0)
        {
            return error;
        }

        ReadOnlySpan<byte> zero = [0];
        try
        {
            for (long at = oldLength; at < newLength; at = ((at / BlockSize) + 1) * BlockSize)
            {
                RandomAccess.Write(file, zero, at);
            }

            RandomAccess.Write(file, zero, newLength - 1);
            return 0;
        }
        catch (IOException ex)
        {
            int written = WindowsErrors.ErrorOf(ex.HResult);
            return written != 0 ? written : WindowsConstants.ErrorDiskFull;
        }
    }

    private static int TrySetInformation(SafeFileHandle file, int informationClass, long value)
    {
        return Kernel32.SetFileInformationByHandle(file, informationClass, ref value, sizeof(long)) ? 0 : WindowsErrors.LastError();
    }
}
