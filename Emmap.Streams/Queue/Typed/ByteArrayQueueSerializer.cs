using System;
using System.Buffers;

namespace Emmap.Streams;

/// <summary>Items are byte arrays, stored as they are.</summary>
internal sealed class ByteArrayQueueSerializer : IQueueSerializer<byte[]>
{
    internal static readonly ByteArrayQueueSerializer Instance = new();

    public void Serialize(byte[] item, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(item);
    }

    public byte[] Deserialize(ReadOnlySpan<byte> data) => data.ToArray();
}
