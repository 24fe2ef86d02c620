using System.Runtime.InteropServices;

namespace Emmap.Streams.Native.Windows;

/// <summary><c>MEMORY_BASIC_INFORMATION</c> (winnt.h), 64-bit layout: what <c>VirtualQuery</c> says about a range of pages.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MemoryBasicInformation
{
    internal nint BaseAddress;
    internal nint AllocationBase;
    internal uint AllocationProtect;
    internal ushort PartitionId;
    internal nuint RegionSize;
    internal uint State;
    internal uint Protect;
    internal uint Type;
}
