using System.Runtime.InteropServices;

namespace Emmap.Streams.Native.Windows;

/// <summary><c>FILE_STANDARD_INFO</c> (minwinbase.h): the space allocated to a file and its end.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FileStandardInfo
{
    internal long AllocationSize;
    internal long EndOfFile;
    internal uint NumberOfLinks;
    internal byte DeletePending;
    internal byte Directory;
}
