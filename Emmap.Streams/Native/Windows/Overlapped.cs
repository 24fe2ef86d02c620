using System.Runtime.InteropServices;

namespace Emmap.Streams.Native.Windows;

/// <summary><c>OVERLAPPED</c> (minwinbase.h), 64-bit layout; <c>LockFileEx</c> reads the range's offset from it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Overlapped
{
    internal nuint Internal;
    internal nuint InternalHigh;
    internal uint Offset;
    internal uint OffsetHigh;
    internal nint Event;
}
