using System.Runtime.InteropServices;

namespace Emmap.Streams.Native.Windows;

/// <summary><c>SYSTEM_INFO</c> (sysinfoapi.h), 64-bit layout.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SystemInfo
{
    internal ushort ProcessorArchitecture;
    internal ushort Reserved;
    internal uint PageSize;
    internal nint MinimumApplicationAddress;
    internal nint MaximumApplicationAddress;
    internal nuint ActiveProcessorMask;
    internal uint NumberOfProcessors;
    internal uint ProcessorType;
    internal uint AllocationGranularity;
    internal ushort ProcessorLevel;
    internal ushort ProcessorRevision;
}
