using System;
using System.Buffers;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emmap.Streams;

/// <summary>Items are unmanaged structs, stored as their bytes in the machine's layout (little-endian on every supported CPU).</summary>
/// <typeparam name="T">The struct.</typeparam>
internal sealed class UnmanagedQueueSerializer<T> : IQueueSerializer<T>
    where T : unmanaged
{
    internal static readonly UnmanagedQueueSerializer<T> Instance = new();

    public void Serialize(T item, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int size = Unsafe.SizeOf<T>();
        MemoryMarshal.Write(destination.GetSpan(size), in item);
        destination.Advance(size);
    }

    public T Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.Length != Unsafe.SizeOf<T>())
        {
            throw new InvalidDataException($"A queue item of {data.Length} bytes is not a {typeof(T).Name}, which takes {Unsafe.SizeOf<T>()}.");
        }

        return MemoryMarshal.Read<T>(data);
    }
}
