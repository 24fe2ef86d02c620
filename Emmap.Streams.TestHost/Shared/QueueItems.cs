using System;
using System.Buffers.Binary;
using System.IO;

namespace Emmap.Streams.TestHost;

/// <summary>
/// Self-describing test items: an 8-byte id, then bytes derived from the id, so any item read back can be checked
/// for being exactly the item that was pushed. Shared by the test host's queue commands and the queue tests (which
/// reference this assembly), so both sides agree on the encoding.
/// </summary>
public static class QueueItems
{
    public static byte[] Make(long id, int size)
    {
        size = Math.Max(size, 8);
        byte[] item = new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(item, id);
        Fill(id, item.AsSpan(8));
        return item;
    }

    /// <summary>Returns the id of <paramref name="item"/>, or throws if its bytes are not those of that id.</summary>
    public static long Check(ReadOnlySpan<byte> item)
    {
        if (item.Length < 8)
        {
            throw new InvalidDataException($"An item of {item.Length} bytes is too short to be a test item.");
        }

        long id = BinaryPrimitives.ReadInt64LittleEndian(item);
        Span<byte> expected = item.Length - 8 <= 4096 ? stackalloc byte[item.Length - 8] : new byte[item.Length - 8];
        Fill(id, expected);
        if (!expected.SequenceEqual(item[8..]))
        {
            throw new InvalidDataException($"Item {id} of {item.Length} bytes has altered contents.");
        }

        return id;
    }

    /// <summary>The size of item <paramref name="id"/> in workloads that mix small, medium and (rarely) large items.</summary>
    public static int SizeOf(long id, int large = 0)
    {
        ulong h = Mix((ulong)id);
        if (large > 0 && h % 97 == 0)
        {
            return large + (int)(h % 4096);
        }

        return (h % 5) switch
        {
            0 => 8,
            1 => 8 + (int)(h % 64),
            2 => 64,
            3 => 100 + (int)(h % 400),
            _ => 8 + (int)(h % 1500),
        };
    }

    private static void Fill(long id, Span<byte> destination)
    {
        ulong state = Mix((ulong)id + 0x9E3779B97F4A7C15UL);
        for (int i = 0; i < destination.Length; i++)
        {
            if ((i & 7) == 0)
            {
                state = Mix(state);
            }

            destination[i] = (byte)(state >> ((i & 7) * 8));
        }
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        return x ^ (x >> 33);
    }
}
