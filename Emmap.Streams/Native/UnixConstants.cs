using System;

namespace Emmap.Streams.Native;

/// <summary>
/// Flag values that differ between the supported platforms. Every Linux/macOS difference in flag
/// values lives here, so the rest of the native layer is written once.
/// </summary>
internal static class UnixConstants
{
    internal const int ProtNone = 0;
    internal const int ProtRead = 1;
    internal const int ProtWrite = 2;

    internal const int MapShared = 0x01;
    internal const int MapPrivate = 0x02;
    internal const int MapFixed = 0x10;

    internal static readonly int MapAnonymous = OperatingSystem.IsMacOS() ? 0x1000 : 0x20;
    internal static readonly int MapNoReserve = OperatingSystem.IsMacOS() ? 0x40 : 0x4000;

    internal const int SyncAsync = 1;
    internal static readonly int SyncSync = OperatingSystem.IsMacOS() ? 0x10 : 4;

    internal const int AdviceWillNeed = 3;

    /// <summary>Linux 5.14+: fault the range in for reading (MADV_POPULATE_READ).</summary>
    internal const int AdvicePopulateRead = 22;

    /// <summary>Linux 5.14+: fault the range in for writing (MADV_POPULATE_WRITE).</summary>
    internal const int AdvicePopulateWrite = 23;

    internal const int OpenReadOnly = 0;
    internal const int OpenReadWrite = 2;
    internal static readonly int OpenCloseOnExec = OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;

    internal const int FallocKeepSize = 0x01;
    internal const int FallocPunchHole = 0x02;

    internal const int AtEmptyPath = 0x1000;
    internal const uint StatXBasicStats = 0x7ff;

    internal const int ErrorPermission = 1;
    internal const int ErrorNoEntry = 2;
    internal const int ErrorInterrupted = 4;
    internal const int ErrorNoMemory = 12;
    internal const int ErrorAccess = 13;
    internal const int ErrorExists = 17;
    internal const int ErrorInvalid = 22;
    internal const int ErrorFileTooLarge = 27;
    internal const int ErrorNoSpace = 28;
}
