using System.Runtime.InteropServices;

namespace Emmap.Streams.Native.Windows;

/// <summary>
/// <c>BY_HANDLE_FILE_INFORMATION</c> (fileapi.h): 52 bytes, FILETIMEs at 4-byte offsets (hence <c>Pack = 4</c>).
/// The volume serial number and the file index together identify a file on the machine.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct ByHandleFileInformation
{
    internal uint FileAttributes;
    internal long CreationTime;
    internal long LastAccessTime;
    internal long LastWriteTime;
    internal uint VolumeSerialNumber;
    internal uint FileSizeHigh;
    internal uint FileSizeLow;
    internal uint NumberOfLinks;
    internal uint FileIndexHigh;
    internal uint FileIndexLow;
}
