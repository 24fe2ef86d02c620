using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Emmap.Streams.Native.Windows;

namespace Emmap.Streams.Tests.Support;

/// <summary>The Windows half of <see cref="ProcessMaps"/>.</summary>
public static partial class ProcessMaps
{
    private const uint MemCommit = 0x1000;
    private const uint MemMapped = 0x40000;
    private static readonly nint s_currentProcess = -1;

    // Every committed view of a file, whatever its protection, asked for its file's name. The system gives a device path
    // (\Device\HarddiskVolume1\…); the test files live in a folder of their own, so its last two parts identify the file.
    [SupportedOSPlatform("windows")]
    private static bool MapsWindows(string full)
    {
        string tail = Path.DirectorySeparatorChar + Path.Combine(Path.GetFileName(Path.GetDirectoryName(full)!), Path.GetFileName(full));
        char[] name = new char[2048];
        nint address = 0;
        while (Kernel32.VirtualQuery(address, out MemoryBasicInformation region, (nuint)Unsafe.SizeOf<MemoryBasicInformation>()) != 0)
        {
            if (region.State == MemCommit && region.Type == MemMapped)
            {
                int length = MappedFileName(region.BaseAddress, name);
                if (length > 0 && name.AsSpan(0, length).EndsWith(tail, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            nint next = region.BaseAddress + (nint)region.RegionSize;
            if (next <= address)
            {
                break;
            }

            address = next;
        }

        return false;
    }

    [LibraryImport("kernel32.dll", EntryPoint = "K32GetMappedFileNameW")]
    private static unsafe partial uint GetMappedFileName(nint process, nint address, char* fileName, uint size);

    private static unsafe int MappedFileName(nint address, char[] name)
    {
        fixed (char* buffer = name)
        {
            return (int)GetMappedFileName(s_currentProcess, address, buffer, (uint)name.Length);
        }
    }
}
