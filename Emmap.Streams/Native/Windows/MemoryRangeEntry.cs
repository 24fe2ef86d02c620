using System.Runtime.InteropServices;

namespace Emmap.Streams.Native.Windows;

/// <summary><c>WIN32_MEMORY_RANGE_ENTRY</c> (memoryapi.h): one range for <c>PrefetchVirtualMemory</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MemoryRangeEntry
{
    internal nint VirtualAddress;
    internal nuint NumberOfBytes;
}
