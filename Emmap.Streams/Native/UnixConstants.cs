using System;

namespace Emmap.Streams.Native;

/// <summary>
/// Flag values for the Unix calls. Values that differ between Linux and macOS are chosen once here, from the
/// per-platform headers; everything else in the native layer is written once for both.
/// </summary>
internal static class UnixConstants
{
    internal const int ProtNone = 0;
    internal const int ProtRead = 1;
    internal const int ProtWrite = 2;

    internal const int MapShared = 0x01;
    internal const int MapPrivate = 0x02;
    internal const int MapFixed = 0x10;

    /// <summary><c>MAP_ANONYMOUS</c>: 0x20 on Linux, 0x1000 on macOS.</summary>
    internal static readonly int MapAnonymous = OperatingSystem.IsMacOS() ? 0x1000 : 0x20;

    /// <summary><c>MAP_NORESERVE</c>: 0x4000 on Linux, 0x40 on macOS.</summary>
    internal static readonly int MapNoReserve = OperatingSystem.IsMacOS() ? 0x40 : 0x4000;

    internal const int SyncAsync = 1;

    /// <summary><c>MS_SYNC</c>: 4 on Linux, 0x10 on macOS.</summary>
    internal static readonly int SyncSync = OperatingSystem.IsMacOS() ? 0x10 : 4;

    internal const int AdviceWillNeed = 3;

    /// <summary>Linux 5.14+: fault the range in for reading (MADV_POPULATE_READ), which leaves the pages clean.</summary>
    internal const int AdvicePopulateRead = 22;

    internal const int SeekSet = 0;

    /// <summary><c>flock</c> operations (<c>LOCK_SH</c>, <c>LOCK_NB</c>, <c>LOCK_UN</c>), the same on both.</summary>
    internal const int FlockShared = 1;
    internal const int FlockNonBlocking = 4;
    internal const int FlockUnlock = 8;

    internal const int OpenReadOnly = 0;
    internal const int OpenReadWrite = 2;

    /// <summary><c>O_CLOEXEC</c>: 0x80000 on Linux, 0x1000000 on macOS.</summary>
    internal static readonly int OpenCloseOnExec = OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;

    /// <summary>File type bits of <c>st_mode</c> (<c>S_IFMT</c>) and the regular-file type (<c>S_IFREG</c>), the same on both.</summary>
    internal const int FileTypeMask = 0xF000;
    internal const int RegularFile = 0x8000;
    internal const int DirectoryFile = 0x4000;
    internal const int SymbolicLink = 0xA000;

    internal const int ErrorPermission = 1;
    internal const int ErrorNoEntry = 2;

    /// <summary><c>ESRCH</c>: no such process, the same on both.</summary>
    internal const int ErrorNoProcess = 3;
    internal const int ErrorInterrupted = 4;

    /// <summary><c>EAGAIN</c> on Linux (a lock refused without waiting).</summary>
    internal const int ErrorAgain = 11;

    /// <summary><c>EDEADLK</c> on Linux.</summary>
    internal const int ErrorDeadlock = 35;
    internal const int ErrorAccess = 13;
    internal const int ErrorExists = 17;
    internal const int ErrorInvalid = 22;
    internal const int ErrorFileTooLarge = 27;
    internal const int ErrorNoSpace = 28;
    internal const int ErrorReadOnlyFileSystem = 30;

    /// <summary><c>ENOLCK</c>: 37 on Linux, 77 on macOS.</summary>
    internal static readonly int ErrorNoLocks = OperatingSystem.IsMacOS() ? 77 : 37;

    /// <summary><c>EAGAIN</c> (11 on Linux, 35 on macOS): a lock is held elsewhere.</summary>
    internal static readonly int ErrorWouldBlock = OperatingSystem.IsMacOS() ? 35 : 11;

    /// <summary><c>EOPNOTSUPP</c>: 95 on Linux, 102 on macOS.</summary>
    internal static readonly int ErrorNotSupported = OperatingSystem.IsMacOS() ? 102 : 95;
}
