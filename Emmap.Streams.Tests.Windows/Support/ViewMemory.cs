using System;
using System.IO;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace Emmap.Streams.Tests.Windows.Support;

/// <summary>Typed access to mapped addresses and small file helpers for the Windows primitive tests.</summary>
public static class ViewMemory
{
    /// <summary>The bytes <c>[address, address + length)</c> as a span.</summary>
    public static unsafe Span<byte> Bytes(nint address, int length) => new((void*)address, length);

    /// <summary>The 8-byte cell at <paramref name="address"/> + <paramref name="offset"/>.</summary>
    public static unsafe ref long Cell(nint address, int offset) => ref Unsafe.AsRef<long>((byte*)address + offset);

    /// <summary>Creates <paramref name="path"/> with <paramref name="length"/> bytes where byte i is <c>(byte)(i * 7 + 1)</c>.</summary>
    public static byte[] CreatePatterned(string path, int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 7) + 1);
        }

        File.WriteAllBytes(path, data);
        return data;
    }

    /// <summary>Opens <paramref name="path"/> as the backend does: synchronous, shared for reading, writing and deleting.</summary>
    public static SafeFileHandle Open(string path, FileAccess access = FileAccess.ReadWrite) =>
        File.OpenHandle(path, FileMode.Open, access, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>Reads <paramref name="count"/> bytes of <paramref name="path"/> at <paramref name="offset"/> through a new handle.</summary>
    public static byte[] ReadFile(string path, long offset, int count)
    {
        using SafeFileHandle file = Open(path, FileAccess.Read);
        byte[] buffer = new byte[count];
        int read = RandomAccess.Read(file, buffer, offset);
        return buffer.AsSpan(0, read).ToArray();
    }
}
