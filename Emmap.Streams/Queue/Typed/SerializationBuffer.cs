using CommunityToolkit.HighPerformance.Buffers;

namespace Emmap.Streams;

/// <summary>
/// A pooled buffer kept in a slot (a field, or a thread-static one) and reused for every item serialized there. It is taken
/// out of its slot while in use, so that a serializer that pushes another item meanwhile (an audit record, say) gets a
/// buffer of its own, and neither item is cut short or mixed with the other.
/// </summary>
internal static class SerializationBuffer
{
    /// <summary>Takes the buffer out of <paramref name="slot"/>, or makes one if it is out already (a nested push) or was never made.</summary>
    internal static ArrayPoolBufferWriter<byte> Take(ref ArrayPoolBufferWriter<byte>? slot)
    {
        ArrayPoolBufferWriter<byte> buffer = slot ?? new ArrayPoolBufferWriter<byte>();
        slot = null;
        return buffer;
    }

    /// <summary>Disposes the buffer kept in <paramref name="slot"/>, if any, and empties the slot (the owner's dispose).</summary>
    internal static void Release(ref ArrayPoolBufferWriter<byte>? slot)
    {
        slot?.Dispose();
        slot = null;
    }

    /// <summary>Empties <paramref name="buffer"/> and puts it back in <paramref name="slot"/>; if a nested push put its own back first, that one is kept.</summary>
    internal static void Return(ref ArrayPoolBufferWriter<byte>? slot, ArrayPoolBufferWriter<byte> buffer)
    {
        buffer.Clear();
        if (slot is null)
        {
            slot = buffer;
        }
        else
        {
            buffer.Dispose();
        }
    }
}
