using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace Emmap.Streams.Tests.Queue.Fuzz;

/// <summary>
/// Damages a queue file the ways the fuzz test explores, each decided by a seed so that a failure replays exactly: bit flips,
/// a cut at any offset, header words that no checksum covers set to values a forger would pick (the cursor words, the owner
/// word, the reserved lines), and header slots rewritten with a forged field and a recomputed checksum.
/// </summary>
public static class QueueMutator
{
    /// <summary>Header words that no checksum covers: everything in the first 1 KiB outside the two 128-byte slots.</summary>
    public static readonly int[] UncoveredWords = [.. Enumerable.Range(16, 48).Select(i => i * 8).Where(o => o is < 512 or >= 640)];

    /// <summary>Returns a damaged copy of <paramref name="image"/> and a description of what was done to it.</summary>
    public static (byte[] Bytes, string What) Mutate(byte[] image, int seed)
    {
        var random = new Random(seed);
        byte[] bytes = (byte[])image.Clone();
        var what = new List<string>();
        int steps = random.Next(10) < 7 ? 1 : random.Next(2, 4);
        for (int step = 0; step < steps; step++)
        {
            switch (random.Next(100))
            {
                case < 25:
                    FlipBits(bytes, random, what);
                    break;
                case < 35:
                    int length = random.Next(bytes.Length + 1);
                    bytes = bytes[..length];
                    what.Add($"cut at {length}");
                    break;
                case < 60:
                    ForgeWord(bytes, random, random.Next(3) == 0 ? UncoveredWords[random.Next(UncoveredWords.Length)] : random.Next(2) == 0 ? 256 : 320, what);
                    break;
                case < 80:
                    ForgeCursorPair(bytes, random, what);
                    break;
                default:
                    ForgeSlot(bytes, random, what);
                    break;
            }
        }

        return (bytes, string.Join("; ", what));
    }

    /// <summary>Values a forger would try for a 64-bit word of a queue whose slot holds <paramref name="head"/> and <paramref name="tail"/>.</summary>
    public static long Interesting(Random random, long head, long tail)
    {
        long k = 16L * random.Next(0, 300);
        return random.Next(16) switch
        {
            0 => 0,
            1 => -1,
            2 => long.MaxValue,
            3 => long.MinValue,
            4 => (long.MaxValue - k) & ~15L,
            5 => QueueLayout.MaxPosition + k - (16 * 150),
            6 => QueueLayout.PositionLimit + k - (16 * 150),
            7 => head + k - (16 * 150),
            8 => tail + k - (16 * 150),
            9 => tail + k,
            10 => head - k,
            11 => random.NextInt64(),
            12 => random.NextInt64() & ~15L,
            13 => 1L << random.Next(63),
            14 => -(1L << random.Next(63)),
            _ => tail + (1L << random.Next(20, 62)),
        };
    }

    private static void FlipBits(byte[] bytes, Random random, List<string> what)
    {
        int flips = random.Next(1, 7);
        for (int f = 0; f < flips && bytes.Length > 0; f++)
        {
            int position = random.Next(2) == 0 ? random.Next(Math.Min(1024, bytes.Length)) : random.Next(bytes.Length);
            int bit = random.Next(8);
            bytes[position] ^= (byte)(1 << bit);
            what.Add($"flip bit {bit} of byte {position}");
        }
    }

    private static void ForgeWord(byte[] bytes, Random random, int offset, List<string> what)
    {
        if (bytes.Length < offset + 8)
        {
            return;
        }

        (long head, long tail) = SlotCursors(bytes);
        long value = Interesting(random, head, tail);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset), value);
        what.Add($"word {offset} = {value}");
    }

    // The case and its relatives: both cursor words forged together, so they agree with each other.
    private static void ForgeCursorPair(byte[] bytes, Random random, List<string> what)
    {
        if (bytes.Length < 328)
        {
            return;
        }

        (long slotHead, long slotTail) = SlotCursors(bytes);
        long head = Interesting(random, slotHead, slotTail);
        long tail = random.Next(3) switch
        {
            0 => head,
            1 => head + (16L * random.Next(1, 400)),
            _ => Interesting(random, slotHead, slotTail),
        };
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(256), head);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(320), tail);
        what.Add($"cursor words head {head}, tail {tail}");
    }

    // A slot with one field forged and its checksum recomputed: only the geometry checks stand between it and the queue.
    private static void ForgeSlot(byte[] bytes, Random random, List<string> what)
    {
        int slot = random.Next(2) == 0 ? QueueLayout.SlotAOffset : QueueLayout.SlotBOffset;
        if (bytes.Length < slot + QueueLayout.SlotSize)
        {
            return;
        }

        Span<byte> s = bytes.AsSpan(slot, QueueLayout.SlotSize);
        int word = random.Next(2, 15);
        long head = BinaryPrimitives.ReadInt64LittleEndian(s[56..]);
        long tail = BinaryPrimitives.ReadInt64LittleEndian(s[64..]);
        long value = Interesting(random, head, tail);
        if (word == 3)
        {
            // The file size: a forged larger one would make a writable open reserve that much disk to restore a "truncated"
            // file, which a test machine cannot afford; keep it within the file, and fix the ring size to match half the time.
            value = QueueLayout.MinimumFileSize + (random.NextInt64(Math.Max(1, bytes.Length - QueueLayout.MinimumFileSize + 1)) & ~15L);
            if (random.Next(2) == 0)
            {
                BinaryPrimitives.WriteInt64LittleEndian(s[40..], QueueLayout.RingSizeFor(value));
            }
        }

        BinaryPrimitives.WriteInt64LittleEndian(s[(word * 8)..], value);
        BinaryPrimitives.WriteUInt64LittleEndian(s[120..], QueueChecksum.Slot(s));
        what.Add($"slot at {slot}: word {word} = {value}, checksum recomputed");
    }

    private static (long Head, long Tail) SlotCursors(byte[] bytes)
    {
        long best = -1;
        (long, long) cursors = (0, 0);
        foreach (int slot in new[] { QueueLayout.SlotAOffset, QueueLayout.SlotBOffset })
        {
            if (bytes.Length >= slot + QueueLayout.SlotSize
                && QueueSlotCodec.TryDecode(bytes.AsSpan(slot, QueueLayout.SlotSize), out QueueSlot decoded) == QueueSlotCodec.Problem.None
                && decoded.Sequence > best)
            {
                best = decoded.Sequence;
                cursors = (decoded.Head, decoded.Tail);
            }
        }

        return cursors;
    }
}
