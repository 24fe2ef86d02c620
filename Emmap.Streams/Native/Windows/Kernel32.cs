using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Native.Windows;

/// <summary>
/// The raw Win32 entry points of the Windows backend. Nothing outside <c>Native/Windows</c> calls these;
/// the wrappers beside this file add error handling. The placeholder functions (<c>VirtualAlloc2</c>,
/// <c>MapViewOfFile3</c>, <c>UnmapViewOfFile2</c>) live in kernelbase.dll from Windows 10 version 1803 on;
/// <see cref="WindowsFeatures"/> checks that they exist and work before anything calls them.
/// Addresses and sizes are <see cref="nint"/>/<see cref="nuint"/>, so no signature needs unsafe code.
/// </summary>
[SupportedOSPlatform("windows")]
internal static partial class Kernel32
{
    internal const string KernelBaseLibrary = "kernelbase.dll";
    private const string Library = "kernel32.dll";

    /// <summary>The pseudo handle of the calling process (<c>GetCurrentProcess()</c>).</summary>
    internal static readonly nint CurrentProcess = -1;

    [LibraryImport(KernelBaseLibrary, SetLastError = true)]
    internal static partial nint VirtualAlloc2(
        nint process, nint baseAddress, nuint size, uint allocationType, uint pageProtection, nint extendedParameters, uint parameterCount);

    [LibraryImport(KernelBaseLibrary, SetLastError = true)]
    internal static partial nint MapViewOfFile3(
        SafeMemoryMappedFileHandle section, nint process, nint baseAddress, ulong offset, nuint viewSize,
        uint allocationType, uint pageProtection, nint extendedParameters, uint parameterCount);

    [LibraryImport(KernelBaseLibrary, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool UnmapViewOfFile2(nint process, nint baseAddress, uint unmapFlags);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool VirtualFree(nint address, nuint size, uint freeType);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nuint VirtualQuery(nint address, out MemoryBasicInformation buffer, nuint length);

    [LibraryImport(Library)]
    internal static partial void GetSystemInfo(out SystemInfo info);

    [LibraryImport(Library, EntryPoint = "CreateFileMappingW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial SafeMemoryMappedFileHandle CreateFileMapping(
        SafeFileHandle file, nint attributes, uint protection, uint maximumSizeHigh, uint maximumSizeLow, string? name);

    /// <summary>The same, for a section backed by the paging file (<c>INVALID_HANDLE_VALUE</c> as the file).</summary>
    [LibraryImport(Library, EntryPoint = "CreateFileMappingW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial SafeMemoryMappedFileHandle CreateFileMapping(
        nint file, nint attributes, uint protection, uint maximumSizeHigh, uint maximumSizeLow, string? name);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool FlushViewOfFile(nint baseAddress, nuint length);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool FlushFileBuffers(SafeFileHandle file);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool SetFileInformationByHandle(SafeFileHandle file, int informationClass, ref long information, uint size);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetFileInformationByHandleEx(SafeFileHandle file, int informationClass, out FileStandardInfo information, uint size);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetFileInformationByHandle(SafeFileHandle file, out ByHandleFileInformation information);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool LockFileEx(
        SafeFileHandle file, uint flags, uint reserved, uint lengthLow, uint lengthHigh, ref Overlapped overlapped);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool UnlockFileEx(
        SafeFileHandle file, uint reserved, uint lengthLow, uint lengthHigh, ref Overlapped overlapped);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetOverlappedResult(SafeFileHandle file, ref Overlapped overlapped, out uint transferred, [MarshalAs(UnmanagedType.Bool)] bool wait);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial uint GetFileType(SafeFileHandle file);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool DuplicateHandle(
        nint sourceProcess, SafeFileHandle source, nint targetProcess, out SafeFileHandle target,
        uint desiredAccess, [MarshalAs(UnmanagedType.Bool)] bool inheritHandle, uint options);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool PrefetchVirtualMemory(nint process, nuint entryCount, ref MemoryRangeEntry entries, uint flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial SafeProcessHandle OpenProcess(uint desiredAccess, [MarshalAs(UnmanagedType.Bool)] bool inheritHandle, uint processId);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetProcessTimes(SafeProcessHandle process, out long creation, out long exit, out long kernel, out long user);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial uint WaitForSingleObject(SafeProcessHandle handle, uint milliseconds);
}
