namespace Emmap.Streams.Native.Windows;

/// <summary>Win32 constants used by the Windows backend, with the values of the Windows SDK headers (winnt.h, winerror.h, minwinbase.h).</summary>
internal static class WindowsConstants
{
    // VirtualAlloc2 / VirtualFree / MapViewOfFile3 allocation types (winnt.h).
    internal const uint MemCommit = 0x0000_1000;
    internal const uint MemReserve = 0x0000_2000;
    internal const uint MemReplacePlaceholder = 0x0000_4000;
    internal const uint MemRelease = 0x0000_8000;
    internal const uint MemReservePlaceholder = 0x0004_0000;
    internal const uint MemCoalescePlaceholders = 0x0000_0001;
    internal const uint MemPreservePlaceholder = 0x0000_0002;

    // MEMORY_BASIC_INFORMATION.State and .Type.
    internal const uint MemStateFree = 0x0001_0000;
    internal const uint MemStateReserve = MemReserve;
    internal const uint MemStateCommit = MemCommit;
    internal const uint MemTypePrivate = 0x0002_0000;
    internal const uint MemTypeMapped = 0x0004_0000;

    // Page protections.
    internal const uint PageNoAccess = 0x01;
    internal const uint PageReadOnly = 0x02;
    internal const uint PageReadWrite = 0x04;
    internal const uint PageWriteCopy = 0x08;

    // FILE_INFO_BY_HANDLE_CLASS (minwinbase.h).
    internal const int FileStandardInfoClass = 1;
    internal const int FileAllocationInfoClass = 5;
    internal const int FileEndOfFileInfoClass = 6;

    // LockFileEx flags.
    internal const uint LockFileFailImmediately = 0x1;
    internal const uint LockFileExclusiveLock = 0x2;

    // GetFileType.
    internal const uint FileTypeDisk = 0x0001;

    // BY_HANDLE_FILE_INFORMATION.FileAttributes.
    internal const uint FileAttributeDirectory = 0x10;

    // DuplicateHandle options.
    internal const uint DuplicateSameAccess = 0x2;

    // Process access rights and waits.
    internal const uint ProcessQueryLimitedInformation = 0x1000;
    internal const uint Synchronize = 0x0010_0000;
    internal const uint WaitTimeout = 0x102;

    // Win32 error codes (winerror.h).
    internal const int ErrorInvalidFunction = 1;
    internal const int ErrorFileNotFound = 2;
    internal const int ErrorAccessDenied = 5;
    internal const int ErrorSharingViolation = 32;
    internal const int ErrorLockViolation = 33;
    internal const int ErrorHandleDiskFull = 39;
    internal const int ErrorNotSupported = 50;
    internal const int ErrorFileExists = 80;
    internal const int ErrorInvalidParameter = 87;
    internal const int ErrorDiskFull = 112;
    internal const int ErrorCallNotImplemented = 120;
    internal const int ErrorAlreadyExists = 183;
    internal const int ErrorFileTooLarge = 223;
    internal const int ErrorIOPending = 997;
    internal const int ErrorFileInvalid = 1006;
    internal const int ErrorUserMappedFile = 1224;
    internal const int ErrorDiskQuotaExceeded = 1295;
}
